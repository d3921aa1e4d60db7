package keybackup.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import keybackup.json.SignedJson.Status;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import org.junit.jupiter.api.Test;

/**
 * Signed JSON against the shared vectors (test/vectors/json/signed-json.json, made with python
 * signedjson and cross-checked with libolm and JS verifiers) and the spec's known-key vectors
 * (protocol.md §4.5).
 */
class SignedJsonTest {
    static final String VECTORS = "test/vectors/json/signed-json.json";

    // protocol.md §4.5: the spec appendix's seed (printed with non-zero trailing bits), its public key,
    // entity and key id, and the two expected signatures.
    static final String SPEC_SEED = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
    static final String SPEC_PUBLIC = "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI";
    static final String SPEC_SIG_EMPTY = "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ";
    static final String SPEC_SIG_ONE_TWO = "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw";

    static Map<String, Object> vectors() {
        return VectorFile.load(VECTORS);
    }

    static Map<String, Map<String, Object>> keysByName() {
        Map<String, Map<String, Object>> keys = new HashMap<>();
        for (Map<String, Object> k : VectorFile.maps(vectors(), "keys")) keys.put((String) k.get("name"), k);
        return keys;
    }

    @Test
    void keys_everyVectorSeed_derivesItsPublicKey() throws Exception {
        for (Map<String, Object> k : keysByName().values()) {
            try (Ed25519PrivateKey key = Ed25519PrivateKey.parseSeed("seed", (String) k.get("seed"))) {
                assertEquals(k.get("public_key"), key.publicKey().toBase64(), (String) k.get("name"));
            }
        }
    }

    @Test
    void sign_everyVectorCase_exactSignatureSignedObjectAndBytes() throws Exception {
        Map<String, Map<String, Object>> keys = keysByName();
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Map<String, Object> c : VectorFile.maps(vectors(), "cases")) {
            String id = (String) c.get("id");
            n++;
            Json.Obj input = (Json.Obj) VectorFile.toJson(c.get("input"));
            Json.Obj expected = (Json.Obj) VectorFile.toJson(c.get("signed"));
            String user = (String) c.get("user_id");
            String keyId = (String) c.get("key_id");
            byte[] signedBytes = ((String) c.get("signed_bytes")).getBytes(StandardCharsets.UTF_8);
            try (Ed25519PrivateKey key = Ed25519PrivateKey.parseSeed("seed", (String) keys.get((String) c.get("key")).get("seed"))) {
                if (!key.publicKey().toBase64().equals(c.get("public_key"))) failures.add(id + ": public key differs");
                if (!java.util.Arrays.equals(signedBytes, SignedJson.signedBytes(input))) {
                    failures.add(id + ": signed bytes " + new String(SignedJson.signedBytes(input), StandardCharsets.UTF_8));
                }
                Json.Obj signed = SignedJson.sign(input, user, keyId, key);
                String sig = signed.object("signatures").object(user).string(keyId);
                if (!c.get("signature").equals(sig)) failures.add(id + ": signature " + sig);
                if (!expected.equals(signed)) failures.add(id + ": signed object " + CanonicalJson.encodeToString(signed));
                // signing does not change what is signed
                if (!java.util.Arrays.equals(signedBytes, SignedJson.signedBytes(signed))) failures.add(id + ": signed bytes changed by signing");
                if (SignedJson.verify(signed, user, keyId, key.publicKey()).status() != Status.VALID) failures.add(id + ": own signature does not verify");
            }
        }
        assertEquals(9, n);
        assertEquals(List.of(), failures);
    }

    /**
     * The status each verification case must give. expected_valid in the file decides valid or not;
     * this table adds which kind of failure. "lenient/padded" is VALID (the spec says decoders SHOULD
     * accept padding) and "lenient/urlsafe-alphabet" is MALFORMED — not valid — because this project
     * rejects the URL-safe alphabet (protocol.md §3.2) although python signedjson accepts it; the file's
     * expected_valid already says false, so the file and protocol.md agree here.
     */
    static final Map<String, Status> EXPECTED_STATUS = Map.ofEntries(
        Map.entry("valid/simple", Status.VALID),
        Map.entry("valid/empty-object", Status.VALID),
        Map.entry("valid/session-data-backup-signing-key", Status.VALID),
        Map.entry("valid/session-data-unauthenticated", Status.VALID),
        Map.entry("valid/auth-data-master-and-device", Status.VALID),
        Map.entry("valid/device-keys-with-unsigned", Status.VALID),
        Map.entry("valid/supplementary-keys", Status.VALID),
        Map.entry("valid/control-characters", Status.VALID),
        Map.entry("valid/non-ascii-and-big-ints", Status.VALID),
        Map.entry("tampered/authenticated-flag", Status.INVALID),
        Map.entry("tampered/session-key", Status.INVALID),
        Map.entry("tampered/added-field", Status.INVALID),
        Map.entry("tampered/removed-field", Status.INVALID),
        Map.entry("wrong-key/other-public-key", Status.INVALID),
        Map.entry("wrong-key/signature-under-other-key-id", Status.MISSING),
        Map.entry("wrong-user/missing-signature-for-user", Status.MISSING),
        Map.entry("unsigned/changed", Status.VALID),
        Map.entry("unsigned/added", Status.VALID),
        Map.entry("signatures/extra-signature-added", Status.VALID),
        Map.entry("signatures/second-signer-device", Status.VALID),
        Map.entry("bad-signature/bit-flip", Status.INVALID),
        Map.entry("bad-signature/not-base64", Status.MALFORMED),
        Map.entry("bad-signature/truncated", Status.MALFORMED),
        Map.entry("bad-signature/too-long", Status.MALFORMED),
        Map.entry("bad-signature/empty", Status.MALFORMED),
        Map.entry("bad-signature/junk-char-inside", Status.MALFORMED),
        Map.entry("lenient/padded", Status.VALID),
        Map.entry("lenient/urlsafe-alphabet", Status.MALFORMED),
        Map.entry("bad-signature/not-a-string", Status.MALFORMED),
        Map.entry("bad-signature/signed-non-canonical-bytes", Status.INVALID),
        Map.entry("bad-signature/signed-including-unsigned", Status.INVALID),
        Map.entry("missing/no-signatures-field", Status.MISSING));

    @Test
    void verify_everyVerificationCase_expectedValidAndStatus() throws Exception {
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Map<String, Object> c : VectorFile.maps(vectors(), "verification_cases")) {
            String id = (String) c.get("id");
            n++;
            Json.Obj object = (Json.Obj) VectorFile.toJson(c.get("object"));
            Ed25519PublicKey key = Ed25519PublicKey.parse("public_key", (String) c.get("public_key"));
            SignedJson.Check check = SignedJson.verify(object, (String) c.get("user_id"), (String) c.get("key_id"), key);
            boolean expectedValid = (Boolean) c.get("expected_valid");
            if (check.valid() != expectedValid) failures.add(id + ": valid=" + check.valid() + " (" + check.detail() + ")");
            Status expectedStatus = EXPECTED_STATUS.get(id);
            if (expectedStatus == null) failures.add(id + ": new case, add it to EXPECTED_STATUS");
            else if (expectedStatus != check.status()) failures.add(id + ": " + check.status() + ", expected " + expectedStatus + " (" + check.detail() + ")");
            if ((expectedStatus == Status.VALID) != expectedValid) failures.add(id + ": EXPECTED_STATUS contradicts the file");
        }
        assertEquals(32, n);
        assertEquals(List.of(), failures);
    }

    @Test
    void sign_specKnownKeyVectors_exactSignatures() throws Exception {
        try (Ed25519PrivateKey key = Ed25519PrivateKey.parseSeed("seed", SPEC_SEED)) {
            assertEquals(SPEC_PUBLIC, key.publicKey().toBase64());
            Json.Obj empty = SignedJson.sign(Json.obj(), "domain", "ed25519:1", key);
            assertEquals(Json.obj("signatures", Json.obj("domain", Json.obj("ed25519:1", Json.of(SPEC_SIG_EMPTY)))), empty);
            Json.Obj oneTwo = SignedJson.sign(Json.obj("one", Json.of(1), "two", Json.of("Two")), "domain", "ed25519:1", key);
            assertEquals(SPEC_SIG_ONE_TWO, oneTwo.object("signatures").object("domain").string("ed25519:1"));
            assertArrayEquals("{\"one\":1,\"two\":\"Two\"}".getBytes(StandardCharsets.US_ASCII), SignedJson.signedBytes(oneTwo));

            Ed25519PublicKey pub = Ed25519PublicKey.parse("public key", SPEC_PUBLIC);
            assertEquals(Status.VALID, SignedJson.verify(empty, "domain", "ed25519:1", pub).status());
            assertEquals(Status.VALID, SignedJson.verify(oneTwo, "domain", "ed25519:1", pub).status());
        }
    }

    @Test
    void verify_specKnownKeyVectorsParsedFromText_valid() throws Exception {
        Ed25519PublicKey pub = Ed25519PublicKey.parse("public key", SPEC_PUBLIC);
        Json.Obj o = JsonReader.parseObject(("{\"two\": \"Two\", \"one\": 1, \"signatures\": {\"domain\": {\"ed25519:1\": \""
                + SPEC_SIG_ONE_TWO + "\"}}}").getBytes(StandardCharsets.US_ASCII));
        assertEquals(Status.VALID, SignedJson.verify(o, "domain", "ed25519:1", pub).status());
        Json.Obj changed = o.with("one", Json.of(2));
        assertEquals(Status.INVALID, SignedJson.verify(changed, "domain", "ed25519:1", pub).status());
    }

    @Test
    void sign_existingSignaturesAndUnsigned_kept() throws Exception {
        Json.Obj unsigned = Json.obj("age", Json.of(5));
        Json.Obj input = Json.obj("a", Json.of(1), "unsigned", unsigned, "signatures",
                Json.obj("@bob:example.com", Json.obj("ed25519:BOB", Json.of("bobsig")),
                         "domain", Json.obj("ed25519:0", Json.of("oldsig"))));
        try (Ed25519PrivateKey key = Ed25519PrivateKey.parseSeed("seed", SPEC_SEED)) {
            Json.Obj signed = SignedJson.sign(input, "domain", "ed25519:1", key);
            assertEquals(unsigned, signed.get("unsigned"));
            assertEquals(Json.of("bobsig"), signed.object("signatures").object("@bob:example.com").get("ed25519:BOB"));
            assertEquals(Json.of("oldsig"), signed.object("signatures").object("domain").get("ed25519:0"));
            // 'unsigned' and 'signatures' are not part of the signed bytes
            assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.US_ASCII), SignedJson.signedBytes(signed));
        }
    }

    @Test
    void sign_secondSignature_signedBytesUnchangedAndBothVerify() throws Exception {
        try (Ed25519PrivateKey first = Ed25519PrivateKey.parseSeed("seed", SPEC_SEED);
             Ed25519PrivateKey second = Ed25519PrivateKey.fromSeed(new byte[32])) {
            Json.Obj o = Json.obj("one", Json.of(1), "two", Json.of("Two"));
            Json.Obj once = SignedJson.sign(o, "domain", "ed25519:1", first);
            Json.Obj twice = SignedJson.sign(once, "domain", "ed25519:2", second);
            assertArrayEquals(SignedJson.signedBytes(o), SignedJson.signedBytes(twice));
            assertEquals(SPEC_SIG_ONE_TWO, twice.object("signatures").object("domain").string("ed25519:1"));
            assertEquals(Status.VALID, SignedJson.verify(twice, "domain", "ed25519:1", first.publicKey()).status());
            assertEquals(Status.VALID, SignedJson.verify(twice, "domain", "ed25519:2", second.publicKey()).status());
        }
    }

    @Test
    void sign_nestedSignaturesMember_isSigned() throws Exception {
        // Only the top-level 'signatures' and 'unsigned' are removed (protocol.md §4.2 step 1).
        Json.Obj o = Json.obj("inner", Json.obj("signatures", Json.of("x"), "unsigned", Json.of("y")));
        assertArrayEquals("{\"inner\":{\"signatures\":\"x\",\"unsigned\":\"y\"}}".getBytes(StandardCharsets.US_ASCII), SignedJson.signedBytes(o));
        try (Ed25519PrivateKey key = Ed25519PrivateKey.parseSeed("seed", SPEC_SEED)) {
            Json.Obj signed = SignedJson.sign(o, "domain", "ed25519:1", key);
            Json.Obj tampered = signed.with("inner", Json.obj("signatures", Json.of("z"), "unsigned", Json.of("y")));
            assertEquals(Status.VALID, SignedJson.verify(signed, "domain", "ed25519:1", key.publicKey()).status());
            assertEquals(Status.INVALID, SignedJson.verify(tampered, "domain", "ed25519:1", key.publicKey()).status());
        }
    }

    @Test
    void sign_malformedSignaturesMember_rejectedNotOverwritten() throws Exception {
        try (Ed25519PrivateKey key = Ed25519PrivateKey.parseSeed("seed", SPEC_SEED)) {
            assertThrows(IllegalArgumentException.class,
                    () -> SignedJson.sign(Json.obj("signatures", Json.of("x")), "domain", "ed25519:1", key));
            // an entity entry that is not an object would be silently dropped: refused as well
            assertThrows(IllegalArgumentException.class,
                    () -> SignedJson.sign(Json.obj("signatures", Json.obj("domain", Json.of(7))), "domain", "ed25519:1", key));
        }
    }

    @Test
    void verify_malformedSignatureMaps_malformedOrMissing() throws Exception {
        Ed25519PublicKey pub = Ed25519PublicKey.parse("public key", SPEC_PUBLIC);
        assertEquals(Status.MALFORMED, SignedJson.verify(Json.obj("signatures", Json.of("x")), "domain", "ed25519:1", pub).status());
        assertEquals(Status.MALFORMED, SignedJson.verify(Json.obj("signatures", Json.obj("domain", Json.arr(List.of()))), "domain", "ed25519:1", pub).status());
        assertEquals(Status.MISSING, SignedJson.verify(Json.obj("signatures", Json.obj()), "domain", "ed25519:1", pub).status());
        assertEquals(Status.MISSING, SignedJson.verify(Json.obj("signatures", Json.obj("domain", Json.obj())), "domain", "ed25519:1", pub).status());
        // a 64-byte value with s >= L: well-formed base64, does not verify (never an exception)
        String highS = SPEC_SIG_EMPTY.substring(0, 43) + "/".repeat(43);
        Json.Obj o = Json.obj("signatures", Json.obj("domain", Json.obj("ed25519:1", Json.of(highS))));
        assertEquals(Status.INVALID, SignedJson.verify(o, "domain", "ed25519:1", pub).status());
    }

    @Test
    void verify_keyIdLookup_exactString() throws Exception {
        // The key id is looked up as an exact string: a padded or differently cased id is missing.
        Ed25519PublicKey pub = Ed25519PublicKey.parse("public key", SPEC_PUBLIC);
        Json.Obj o = Json.obj("signatures", Json.obj("domain", Json.obj("ed25519:1", Json.of(SPEC_SIG_EMPTY))));
        assertEquals(Status.VALID, SignedJson.verify(o, "domain", "ed25519:1", pub).status());
        assertEquals(Status.MISSING, SignedJson.verify(o, "domain", "ED25519:1", pub).status());
        assertEquals(Status.MISSING, SignedJson.verify(o, "Domain", "ed25519:1", pub).status());
        assertNotEquals(Status.VALID, SignedJson.verify(o, "domain", "ed25519:1", Ed25519PublicKey.fromBytes(new byte[32])).status());
    }
}
