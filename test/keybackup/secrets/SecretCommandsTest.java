package keybackup.secrets;

import static keybackup.cli.CliRun.run;

import static keybackup.secrets.Vectors.b64;
import static keybackup.secrets.Vectors.content;
import static keybackup.secrets.Vectors.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;
import keybackup.cli.Main;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.cli.CliRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keybackup secret encrypt|decrypt} through {@link Main#run}: stdout bytes, stderr and exit codes. */
class SecretCommandsTest {
    @TempDir
    Path dir;


    String keyFile(String text) throws Exception {
        Path p = dir.resolve("key-" + System.nanoTime());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p.toString();
    }

    /** secret-storage.json, cases[0] (backup-signing-key-secret), as account-data content under key ID "K". */
    static Json.Obj vectorCase() throws Exception {
        return Vectors.section("cases").get(0);
    }

    static String vectorContent(Json.Obj c) {
        return CanonicalJson.encodeToString(content("K", str(c, "iv"), str(c, "ciphertext"), str(c, "mac")));
    }

    @Test
    void decrypt_vectorWithBase64KeyFile_printsSecretAndNewline() throws Exception {
        Json.Obj c = vectorCase();
        String key = keyFile(str(c, "key") + "\n");
        for (String[] extra : new String[][] {{}, {"--key-id", "K"}}) {
            String[] args = Stream.concat(Stream.of("secret", "decrypt", "--name", str(c, "name"), "--key-file", key),
                    Arrays.stream(extra)).toArray(String[]::new);
            Result r = run(vectorContent(c), args);
            assertEquals(0, r.code(), r.err());
            assertEquals(str(c, "plaintext") + "\n", r.outText());
            assertEquals("", r.err());
        }
    }

    @Test
    void decrypt_jsSdkPaddedContent_isAccepted() throws Exception {
        Json.Obj c = vectorCase();
        Json.Obj js = c.object("matrix_js_sdk_output");
        String content = CanonicalJson.encodeToString(content("K", str(js, "iv"), str(js, "ciphertext"),
                str(js, "mac")));
        Result r = run(content, "secret", "decrypt", "--name", str(c, "name"), "--key-file", keyFile(str(c, "key")));
        assertEquals(0, r.code(), r.err());
        assertEquals(str(c, "plaintext") + "\n", r.outText());
    }

    @Test
    void decrypt_wrongKey_exits1WithReasonAndNoOutput() throws Exception {
        Json.Obj c = vectorCase();
        Result r = run(vectorContent(c), "secret", "decrypt", "--name", str(c, "name"), "--key-file",
                keyFile(DigestVectorsTest.RUST_RECOVERY_KEY + "\n"));
        assertEquals(1, r.code());
        assertEquals(0, r.out().length);
        assertEquals("keybackup: error: m.key_backup.signing: mac mismatch under key K (wrong key, wrong secret name, or tampered data)\n", r.err());
    }

    @Test
    void decrypt_emptyContentOrOtherKeyId_exits1NotStored() throws Exception {
        Json.Obj c = vectorCase();
        String key = keyFile(str(c, "key"));
        Result r = run("{}", "secret", "decrypt", "--name", str(c, "name"), "--key-file", key);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not stored"), r.err());
        Result r2 = run(vectorContent(c), "secret", "decrypt", "--name", str(c, "name"), "--key-file", key, "--key-id",
                "OTHER");
        assertEquals(1, r2.code());
        assertEquals("keybackup: error: m.key_backup.signing: secret not stored under key OTHER\n", r2.err());
    }

    @Test
    void decrypt_severalEntriesWithoutKeyId_isUsageError() throws Exception {
        Json.Obj c = vectorCase();
        Json.Obj two = (Json.Obj) JsonReader.parse(vectorContent(c));
        two = two.with("encrypted", two.object("encrypted").with("L", two.object("encrypted").get("K")));
        Result r = run(CanonicalJson.encodeToString(two), "secret", "decrypt", "--name", str(c, "name"), "--key-file",
                keyFile(str(c, "key")));
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("keybackup: error: --key-id needed: the secret is stored under 2 keys: K, L\n"),
                r.err());
        assertFalse(r.err().contains(str(c, "ciphertext")) || r.err().contains(str(c, "key")));
        assertEquals(0, r.out().length);
    }

    @Test
    void decrypt_tamperedOrNotJson_exits1() throws Exception {
        Json.Obj c = vectorCase();
        String key = keyFile(str(c, "key"));
        String tampered = vectorContent(c).replace(str(c, "mac"), str(Vectors.section("cases").get(1), "mac"));
        assertEquals(1, run(tampered, "secret", "decrypt", "--name", str(c, "name"), "--key-file", key).code());
        assertEquals(1, run("[]", "secret", "decrypt", "--name", str(c, "name"), "--key-file", key).code());
        assertEquals(1, run(vectorContent(c), "secret", "decrypt", "--name", str(c, "name"), "--key-file",
                dir.resolve("missing").toString()).code());
    }

    @Test
    void encrypt_thenDecrypt_withRecoveryKeyFile_roundTripsAndStripsOneNewline() throws Exception {
        String key = keyFile(DigestVectorsTest.RUST_RECOVERY_KEY + "\n");
        Result enc = run("grüß 😀\n\n", "secret", "encrypt", "--name", "org.example.s", "--key-file", key, "--key-id",
                "KID");
        assertEquals(0, enc.code(), enc.err());
        assertEquals("", enc.err());
        String outText = enc.outText();
        assertTrue(outText.endsWith("}\n"));
        Json.Obj parsed = (Json.Obj) JsonReader.parse(outText.substring(0, outText.length() - 1));
        assertEquals(CanonicalJson.encodeToString(parsed) + "\n", outText, "canonical JSON and a newline");
        Json.Obj entry = parsed.object("encrypted").object("KID");
        assertEquals(Set.of("iv", "ciphertext", "mac"), entry.members().keySet());
        assertFalse(outText.contains("="), "unpadded");
        assertEquals(0, b64(entry.string("iv"))[8] & 0x80);
        Result dec = run(outText, "secret", "decrypt", "--name", "org.example.s", "--key-file", key);
        assertEquals(0, dec.code(), dec.err());
        assertEquals("grüß 😀\n\n", dec.outText(), "exactly one trailing newline was stripped, one added back");
    }

    @Test
    void encrypt_missingKeyIdOrNameOrUnknownOption_isUsageError() throws Exception {
        String key = keyFile(DigestVectorsTest.RUST_RECOVERY_KEY);
        Result r = run("s", "secret", "encrypt", "--name", "n", "--key-file", key);
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("keybackup: error: missing option --key-id\n"), r.err());
        assertEquals(0, r.out().length);
        assertEquals(2, run("s", "secret", "encrypt", "--key-file", key, "--key-id", "K").code());
        assertEquals(2, run("s", "secret", "encrypt", "--name", "n", "--key-file", key, "--key-id", "K", "--iv",
                "x").code());
        assertEquals(2, run("s", "secret", "encrypt", "--name", "n", "--key-file", key, "--key-id", "").code());
    }

    @Test
    void encrypt_invalidUtf8OrBadKeyFile_exits1() throws Exception {
        String key = keyFile(DigestVectorsTest.RUST_RECOVERY_KEY);
        Result r = run(new byte[] {'a', (byte) 0xff}, "secret", "encrypt", "--name", "n", "--key-file", key,
                "--key-id", "K");
        assertEquals(1, r.code());
        assertEquals("keybackup: error: stdin: secret is not valid UTF-8\n", r.err());
        Result bad = run("s", "secret", "encrypt", "--name", "n", "--key-file", keyFile("not a key\n"), "--key-id",
                "K");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("keybackup: error: --key-file: recovery key: "), bad.err());
    }

    @Test
    void help_documentsKeyIdAndIsListed() {
        Result h = run("", "secret", "encrypt", "--help");
        assertEquals(0, h.code());
        assertTrue(h.outText().contains("--key-id is required"), h.outText());
        Result d = run("", "secret", "decrypt", "--help");
        assertEquals(0, d.code());
        assertTrue(d.outText().contains("Without --key-id the only entry"), d.outText());
        Result all = run("", "--help");
        assertTrue(all.outText().contains("secret encrypt") && all.outText().contains("secret decrypt"));
    }
}
