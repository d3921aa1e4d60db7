package keybackup.cli;

import static keybackup.cli.CliRun.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import keybackup.json.VectorFile;
import keybackup.cli.CliRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The foundation commands through {@link Main#run} with byte streams: output bytes and exit codes. */
class JsonCommandsTest {
    // protocol.md §4.5 (spec known-key vectors)
    static final String SPEC_SEED = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
    static final String SPEC_PUBLIC = "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI";
    static final String SPEC_SIG_ONE_TWO = "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw";
    static final String ERROR = "keybackup: error: ";

    @TempDir
    Path dir;


    static void assertNoStackTrace(Result r) {
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(1, r.err().lines().count(), "one line on stderr: " + r.err());
    }

    // ---- canonical-json ----

    @Test
    void canonicalJson_everyVectorCase_exactBytesAndNewline() {
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> c : VectorFile.maps(VectorFile.load("test/vectors/json/canonical-json.json"), "cases")) {
            Result r = run((String) c.get("input"), "canonical-json");
            String expected = c.get("canonical_utf8_hex") + "0a";
            if (r.code() != 0 || !expected.equals(HexFormat.of().formatHex(r.out())) || !r.err().isEmpty()) {
                failures.add(c.get("id") + ": exit " + r.code() + ", out " + HexFormat.of().formatHex(r.out()) + ", err " + r.err());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void canonicalJson_eachParseError_exit1WithPrefixAndOffset() {
        Object[][] cases = {
            {"{\"a\":1,\"a\":2}", 7L},
            {"{\"a\": 1.0}", 6L},
            {"{\"a\": 1e2}", 6L},
            {"9007199254740992", 0L},
            {"[\"\\ud800\"]", 2L},
            {"{} x", 3L},
            {"", 0L},
            {"[".repeat(65) + "]".repeat(65), 64L},
            {"\"a\u0001\"", 2L},
            {"NaN", 0L},
        };
        List<String> failures = new ArrayList<>();
        for (Object[] c : cases) {
            Result r = run((String) c[0], "canonical-json");
            boolean ok = r.code() == 1 && r.out().length == 0 && r.err().startsWith(ERROR) && r.err().endsWith(" at offset " + c[1] + "\n");
            if (!ok) failures.add(c[0] + ": exit " + r.code() + ", err " + r.err());
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void canonicalJson_invalidUtf8AndBom_exit1WithOffset() {
        Result bad = run(new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}, "canonical-json");
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith(ERROR) && bad.err().endsWith(" at offset 1\n"), bad.err());
        Result bom = run(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'}, "canonical-json");
        assertEquals(1, bom.code());
        assertTrue(bom.err().endsWith(" at offset 0\n"), bom.err());
        assertNoStackTrace(bom);
    }

    // ---- usage ----

    @Test
    void usage_unknownOrMissingOptions_exit2() {
        Result unknown = run("{}", "canonical-json", "--frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith(ERROR + "unknown option --frobnicate"), unknown.err());
        Result stray = run("{}", "canonical-json", "extra");
        assertEquals(2, stray.code());
        Result missing = run("{}", "sign-json", "--user", "@a:b");
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith(ERROR + "missing option --key-file"), missing.err());
        Result noValue = run("", "generate-signing-key", "--out");
        assertEquals(2, noValue.code());
        assertTrue(noValue.err().startsWith(ERROR + "option --out needs a value"), noValue.err());
        Result twice = run("{}", "verify-json", "--user", "a", "--user", "b", "--public-key", SPEC_PUBLIC);
        assertEquals(2, twice.code());
        Result command = run("", "no-such-command");
        assertEquals(2, command.code());
        assertTrue(command.err().startsWith(ERROR + "unknown command"), command.err());
        Result badKeyId = run("{}", "verify-json", "--user", "a", "--public-key", SPEC_PUBLIC, "--key-id", "curve25519:x");
        assertEquals(2, badKeyId.code());
    }

    @Test
    void help_overviewAndPerCommand_exit0() {
        Result overview = run("", "--help");
        assertEquals(0, overview.code());
        for (String name : List.of("canonical-json", "generate-signing-key", "sign-json", "verify-json")) {
            assertTrue(overview.outText().contains(name), name);
            Result r = run("", name, "--help");
            assertEquals(0, r.code(), name);
            assertTrue(r.outText().startsWith("keybackup " + name), r.outText());
        }
    }

    // ---- generate-signing-key ----

    @Test
    void generateSigningKey_newFile_mode600AndPrintsMatchingPublicKey() throws Exception {
        Path key = dir.resolve("signing.key");
        Result r = run("", "generate-signing-key", "--out", key.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(key));
        String seedB64 = Files.readString(key).strip();
        assertEquals(43, seedB64.length());
        String printed = r.outText().strip();
        assertEquals(43, printed.length());
        // Check with the JDK alone: a signature made from the seed verifies under the printed public key.
        PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(
                new EdECPrivateKeySpec(NamedParameterSpec.ED25519, Base64.getDecoder().decode(seedB64)));
        PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
                concat(HexFormat.of().parseHex("302a300506032b6570032100"), Base64.getDecoder().decode(printed))));
        byte[] msg = "check".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(priv);
        s.update(msg);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(pub);
        v.update(msg);
        assertTrue(v.verify(sig));
    }

    @Test
    void generateSigningKey_existingFile_refusedAndUnchanged() throws Exception {
        Path key = dir.resolve("exists.key");
        Files.writeString(key, "keep me\n");
        Result r = run("", "generate-signing-key", "--out", key.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith(ERROR) && r.err().contains("exists"), r.err());
        assertEquals(0, r.out().length);
        assertEquals("keep me\n", Files.readString(key));
        assertNoStackTrace(r);
    }

    // ---- sign-json / verify-json ----

    Path specSeedFile() throws Exception {
        Path f = dir.resolve("spec.key");
        Files.writeString(f, SPEC_SEED + "\n");
        return f;
    }

    @Test
    void signJson_specVectorWithExplicitKeyId_exactOutput() throws Exception {
        Result r = run("{\"two\": \"Two\", \"one\": 1}", "sign-json", "--user", "domain", "--key-file", specSeedFile().toString(), "--key-id", "ed25519:1");
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"one\":1,\"signatures\":{\"domain\":{\"ed25519:1\":\"" + SPEC_SIG_ONE_TWO + "\"}},\"two\":\"Two\"}\n", r.outText());

        Result v = run(r.out(), "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(0, v.code(), v.outText() + v.err());
        assertEquals("valid\n", v.outText());
    }

    @Test
    void signJson_defaultKeyId_isEd25519PublicKeyAndVerifiesWithDefault() throws Exception {
        Result r = run("{\"one\":1,\"two\":\"Two\"}", "sign-json", "--user", "domain", "--key-file", specSeedFile().toString());
        assertEquals(0, r.code(), r.err());
        // the signature does not depend on the key id: same as the spec vector
        assertEquals("{\"one\":1,\"signatures\":{\"domain\":{\"ed25519:" + SPEC_PUBLIC + "\":\"" + SPEC_SIG_ONE_TWO + "\"}},\"two\":\"Two\"}\n", r.outText());
        Result v = run(r.out(), "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC);
        assertEquals(0, v.code(), v.outText());
        // under the explicit id "ed25519:1" there is no signature
        Result other = run(r.out(), "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(1, other.code());
        assertTrue(other.outText().startsWith("missing"), other.outText());
    }

    @Test
    void verifyJson_tamperedObject_exit1WithReason() throws Exception {
        String signed = "{\"one\":1,\"signatures\":{\"domain\":{\"ed25519:1\":\"" + SPEC_SIG_ONE_TWO + "\"}},\"two\":\"Two\"}";
        Result ok = run(signed, "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(0, ok.code());
        Result tampered = run(signed.replace("\"Two\"", "\"Tw0\""), "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(1, tampered.code());
        assertTrue(tampered.outText().startsWith("invalid"), tampered.outText());
        Result malformed = run(signed.replace(SPEC_SIG_ONE_TWO, "*"), "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(1, malformed.code());
        assertTrue(malformed.outText().startsWith("malformed"), malformed.outText());
        Result wrongUser = run(signed, "verify-json", "--user", "other", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(1, wrongUser.code());
        assertTrue(wrongUser.outText().startsWith("missing"), wrongUser.outText());
    }

    @Test
    void verifyJson_badInput_exit1NoStackTrace() {
        Result notObject = run("[1]", "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC);
        assertEquals(1, notObject.code());
        assertNoStackTrace(notObject);
        Result badJson = run("{\"a\":1.5}", "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC);
        assertEquals(1, badJson.code());
        assertTrue(badJson.err().endsWith(" at offset 5\n"), badJson.err());
        Result badKey = run("{}", "verify-json", "--user", "domain", "--public-key", "Zg");
        assertEquals(1, badKey.code());
        assertTrue(badKey.err().startsWith(ERROR + "--public-key: expected 32 bytes, got 1"), badKey.err());
        assertNoStackTrace(badKey);
    }

    @Test
    void signJson_badKeyFiles_exit1ClearMessageNoStackTrace() throws Exception {
        Path junk = dir.resolve("junk.key");
        Files.writeString(junk, "this is not base64!\n");
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, Base64.getEncoder().withoutPadding().encodeToString(new byte[31]) + "\n");
        Path empty = dir.resolve("empty.key");
        Files.writeString(empty, "");
        Object[][] cases = {
            {junk, "not valid base64"},
            {shortKey, "expected 32 bytes, got 31"},
            {empty, "empty"},
            {dir.resolve("absent.key"), "no such file"},
        };
        for (Object[] c : cases) {
            Result r = run("{}", "sign-json", "--user", "domain", "--key-file", c[0].toString());
            assertEquals(1, r.code(), c[0].toString());
            assertTrue(r.err().startsWith(ERROR + "--key-file") && r.err().contains((String) c[1]), r.err());
            assertEquals(0, r.out().length);
            assertNoStackTrace(r);
        }
    }

    @Test
    void signJson_existingSignaturesAndUnsigned_kept() throws Exception {
        String in = "{\"a\":1,\"unsigned\":{\"x\":true},\"signatures\":{\"@bob:b\":{\"ed25519:B\":\"sig\"}}}";
        Result r = run(in, "sign-json", "--user", "domain", "--key-file", specSeedFile().toString(), "--key-id", "ed25519:1");
        assertEquals(0, r.code(), r.err());
        String out = r.outText();
        assertTrue(out.contains("\"@bob:b\":{\"ed25519:B\":\"sig\"}"), out);
        assertTrue(out.contains("\"unsigned\":{\"x\":true}"), out);
        Result v = run(r.out(), "verify-json", "--user", "domain", "--public-key", SPEC_PUBLIC, "--key-id", "ed25519:1");
        assertEquals(0, v.code());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void canonicalJson_nonAsciiOutput_rawUtf8Bytes() {
        Result r = run("{\"b\":\"\\u2028\",\"a\":\"\\ud83d\\ude00\\u007f\"}", "canonical-json");
        assertEquals(0, r.code());
        assertArrayEquals(HexFormat.of().parseHex("7b2261223a22f09f98807f222c2262223a22e280a8227d0a"), r.out());
    }
}
