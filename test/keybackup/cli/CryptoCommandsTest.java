package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.Vectors;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup-crypto commands through Main.run, with byte streams: stdout bytes, stderr text, exit codes. */
class CryptoCommandsTest {
    @TempDir Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private final Json.Obj file = Vectors.backup();

    /** The first case of backup-encryption.json whose plaintext is canonical JSON. */
    private Json.Obj canonicalCase() {
        for (Json.Obj c : Vectors.list(file, "cases")) {
            if (c.string("plaintext_note").startsWith("canonical JSON")) return c;
        }
        throw new IllegalStateException();
    }

    private Path keyFile(String content) throws Exception {
        Path p = dir.resolve("key-" + System.nanoTime());
        Files.writeString(p, content);
        return p;
    }

    @Test
    void generateBackupKey_writesRecoveryKeyFileAndPrintsPublicKey() throws Exception {
        Path out = dir.resolve("backup.key");
        Result r = run("", "generate-backup-key", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().matches("[A-Za-z0-9+/]{43}\n"), r.out());
        String text = Files.readString(out);
        assertTrue(text.matches("Es[1-9A-HJ-NP-Za-km-z]{2}( [1-9A-HJ-NP-Za-km-z]{4}){11}\n"), "recovery-key shape");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        try (BackupDecryptionKey k = BackupDecryptionKey.fromRecoveryKey(text)) {
            assertEquals(r.out().strip(), k.publicKey().toBase64());
        }
        Result again = run("", "generate-backup-key", "--out", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().startsWith("keybackup: error: --out: file exists"), again.err());
        assertEquals(text, Files.readString(out));
        assertEquals(2, run("", "generate-backup-key").code());
        assertEquals(0, run("", "generate-backup-key", "--help").code());
    }

    @Test
    void recoveryKey_decodeAndEncode_digestVector() {
        // protocol.md §13.4: key 77076d0a… (RFC 7748 Alice), js-sdk BACKUP_DECRYPTION_KEY_BASE58.
        String rk = "EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4d";
        String b64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo";
        Result d = run(rk + "\n", "recovery-key", "decode");
        assertEquals(new Result(0, b64 + "\n", ""), d);
        Result e = run(b64 + "\n", "recovery-key", "encode");
        assertEquals(new Result(0, rk + "\n", ""), e);
        assertEquals(new Result(0, rk + "\n", ""), run(b64 + "=", "recovery-key", "encode"));
    }

    @Test
    void recoveryKey_errors_exit1WithCategory() {
        Result parity = run("EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4e", "recovery-key", "decode");
        assertEquals(1, parity.code());
        assertEquals("", parity.out());
        assertTrue(parity.err().startsWith("keybackup: error: recovery key: bad parity"), parity.err());
        Result chars = run("AATpRvZTnjck8YrhRAtwXLS84Nr0OIl", "recovery-key", "decode");
        assertTrue(chars.code() == 1 && chars.err().contains("invalid character"), chars.err());
        Result empty = run("  \n", "recovery-key", "decode");
        assertEquals(1, empty.code());
        Result shortKey = run("AAAA", "recovery-key", "encode");
        assertTrue(shortKey.code() == 1 && shortKey.err().contains("stdin: expected 32 bytes, got 3"), shortKey.err());
        assertEquals(2, run("", "recovery-key", "decode", "extra").code());
    }

    @Test
    void encryptSession_outputDecryptsToCanonicalInput() throws Exception {
        Json.Obj c = canonicalCase();
        Json.Obj key = Vectors.key(file, c.string("key"));
        String input = "  " + new String(CanonicalJson.encode(c.object("session_data")), StandardCharsets.UTF_8) + "\n";
        Result r = run(input, "encrypt-session", "--public-key", key.string("public_key"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().endsWith("}\n"));
        Json.Obj enc = (Json.Obj) JsonReader.parse(r.out().strip());
        assertEquals(r.out().strip(), CanonicalJson.encodeToString(enc));
        try (BackupDecryptionKey k = BackupDecryptionKey.parse("k", key.string("private_key"))) {
            MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(enc, k);
            assertEquals(MegolmBackupV1.MacCheck.MATCH, d.mac());
            assertEquals(c.string("plaintext"), CanonicalJson.encodeToString(d.plaintext()));
        }
    }

    @Test
    void encryptSession_errors() {
        String pub = Vectors.key(file, "backup-key-1").string("public_key");
        Result notSession = run("{\"algorithm\":\"m.megolm.v2\"}", "encrypt-session", "--public-key", pub);
        assertEquals(1, notSession.code());
        assertTrue(notSession.err().startsWith("keybackup: error: algorithm: expected m.megolm.v1.aes-sha2"), notSession.err());
        Result badKey = run("{}", "encrypt-session", "--public-key", "AAAA");
        assertTrue(badKey.code() == 1 && badKey.err().contains("--public-key: expected 32 bytes"), badKey.err());
        Json.Obj sd = canonicalCase().object("session_data");
        Result smallOrder = run(CanonicalJson.encodeToString(sd), "encrypt-session", "--public-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assertTrue(smallOrder.code() == 1 && smallOrder.err().contains("small-order"), smallOrder.err());
        assertEquals(1, run("[1]", "encrypt-session", "--public-key", pub).code());
        assertEquals(2, run("{}", "encrypt-session").code());
    }

    @Test
    void decryptSession_recoveryKeyOrBase64KeyFile_printsCanonicalSessionData() throws Exception {
        Json.Obj c = canonicalCase();
        Json.Obj key = Vectors.key(file, c.string("key"));
        String stdin = CanonicalJson.encodeToString(c.object("encrypted"));
        for (String content : new String[] {key.string("recovery_key") + "\n", key.string("private_key") + "\n", key.string("private_key") + "="}) {
            Result r = run(stdin, "decrypt-session", "--key-file", keyFile(content).toString());
            assertEquals(new Result(0, c.string("plaintext") + "\n", ""), r);
        }
        // A pretty-printed plaintext comes out canonical.
        for (Json.Obj p : Vectors.list(file, "cases")) {
            if (p.string("plaintext_note").startsWith("canonical JSON")) continue;
            Path kf = keyFile(Vectors.key(file, p.string("key")).string("recovery_key"));
            Result r = run(CanonicalJson.encodeToString(p.object("encrypted")), "decrypt-session", "--key-file", kf.toString());
            assertEquals(new Result(0, CanonicalJson.encodeToString(p.object("session_data")) + "\n", ""), r);
        }
    }

    @Test
    void decryptSession_macNotMatching_exit1() throws Exception {
        Json.Obj c = canonicalCase();
        Path kf = keyFile(Vectors.key(file, c.string("key")).string("recovery_key"));
        Json.Obj enc = c.object("encrypted");
        Result random = run(CanonicalJson.encodeToString(enc.with("mac", Json.of("cgt646+C8v8"))), "decrypt-session", "--key-file", kf.toString());
        assertEquals(1, random.code());
        assertEquals("", random.out());
        assertTrue(random.err().startsWith("keybackup: error: mac: mismatch"), random.err());
        Result missing = run(CanonicalJson.encodeToString(enc.without("mac")), "decrypt-session", "--key-file", kf.toString());
        assertTrue(missing.code() == 1 && missing.err().startsWith("keybackup: error: mac: missing"), missing.err());
        Result truncated = run(CanonicalJson.encodeToString(enc.with("mac", Json.of("+Q"))), "decrypt-session", "--key-file", kf.toString());
        assertTrue(truncated.code() == 1 && truncated.err().startsWith("keybackup: error: mac: malformed"), truncated.err());
    }

    @Test
    void decryptSession_negativeVectorsAndBadInput_exit1() throws Exception {
        Path kf = keyFile(Vectors.key(file, "backup-key-1").string("recovery_key"));
        for (Json.Obj n : Vectors.list(file, "negative_cases")) {
            if (!n.string("key").equals("backup-key-1")) continue;
            Result r = run(CanonicalJson.encodeToString(n.object("encrypted")), "decrypt-session", "--key-file", kf.toString());
            // Even mac-padded fails here: its plaintext {"a":1} is not a SessionData.
            assertEquals(1, r.code(), n.string("id"));
            assertEquals("", r.out(), n.string("id"));
            assertTrue(r.err().startsWith("keybackup: error: "), r.err());
        }
        Json.Obj notBlock = Vectors.list(file, "negative_cases").stream().filter(n -> n.string("id").equals("ciphertext-not-block-multiple")).findFirst().orElseThrow();
        Result r = run(CanonicalJson.encodeToString(notBlock.object("encrypted")), "decrypt-session", "--key-file", kf.toString());
        assertTrue(r.err().startsWith("keybackup: error: decryption failed: ciphertext: expected a non-zero multiple of 16 bytes"), r.err());
        Json.Obj padded = Vectors.list(file, "negative_cases").stream().filter(n -> n.string("id").equals("mac-padded")).findFirst().orElseThrow();
        Result notSession = run(CanonicalJson.encodeToString(padded.object("encrypted")), "decrypt-session", "--key-file", kf.toString());
        assertTrue(notSession.err().startsWith("keybackup: error: algorithm: missing"), notSession.err());

        Result noFile = run("{}", "decrypt-session", "--key-file", dir.resolve("none").toString());
        assertTrue(noFile.code() == 1 && noFile.err().contains("--key-file: no such file"), noFile.err());
        Result badKey = run("{}", "decrypt-session", "--key-file", keyFile("not a key at all").toString());
        assertTrue(badKey.code() == 1 && badKey.err().contains("recovery key: invalid character"), badKey.err());
        assertEquals(1, run("not json", "decrypt-session", "--key-file", kf.toString()).code());
        assertEquals(2, run("{}", "decrypt-session").code());
        assertEquals(0, run("", "decrypt-session", "--help").code());
    }

    @Test
    void publicKeyOfVectorKey_viaLibrary_matchesFile() throws Exception {
        Json.Obj key = Vectors.key(file, "backup-key-1");
        try (BackupDecryptionKey k = BackupDecryptionKey.fromKeyFileText(key.string("recovery_key"))) {
            assertTrue(k.matches(Curve25519PublicKey.parse("public_key", key.string("public_key"))));
        }
    }
}
