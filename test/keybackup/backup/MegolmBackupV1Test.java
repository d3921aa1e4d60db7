package keybackup.backup;

import static keybackup.backup.Vectors.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.internal.Bytes;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import org.junit.jupiter.api.Test;

/**
 * Published vectors (protocol.md §13.5, RFC 7748 §6.1) and one test per rejection rule (protocol.md §6.6).
 */
class MegolmBackupV1Test {
    // RFC 7748 §6.1: Alice's private key (the backup key of the libolm test) and Bob's (the ephemeral key).
    static final String ALICE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    static final String BOB = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";

    // protocol.md §13.5 (matrix-rust-sdk decryption.rs test_decrypt_key).
    static final String RUST_KEY = "Ha9cklU/9NqFo9WKdVfGzmqUL/9wlkdxfEitbSIPVXw";
    static final String RUST_SESSION_DATA = "{\"ephemeral\":\"HlLi76oV6wxHz3PCqE/bxJi6yF1HnYz5Dq3T+d/KpRw\","
            + "\"ciphertext\":\"MuM8E3Yc6TSAvhVGb77rQ++jE6p9dRepx63/3YPD2wACKAppkZHeFrnTH6wJ/HSyrmzo7HfwqVl6tKNpfooSTHqUf6x1LHz+h4B/Id5ITO1WYt16AaI40LOnZqTkJZCfSPuE2oxalwEHnCS3biWybutcnrBFPR3LMtaeHvvkb+k3ny9l5ZpsU9G7vCm3XoeYkWfLekWXvDhbqWrylXD0+CNUuaQJ/S527TzLd4XKctqVjjO/cCH7q+9utt9WJAfK8LGaWT/mZ3AeWjf5kiqOpKKf5Cn4n5SSil5p/pvGYmjnURvZSEeQIzHgvunIBEPtzK/MYEPOXe/P5achNGlCx+5N19Ftyp9TFaTFlTWCTi0mpD7ePfCNISrwpozAz9HZc0OhA8+1aSc7rhYFIeAYXFU326NuFIFHI5pvpSxjzPQlOA+mavIKmiRAtjlLw11IVKTxgrdT4N8lXeMr4ndCSmvIkAzFMo1uZA4fzjiAdQJE4/2WeXFNNpvdfoYmX8Zl9CAYjpSO5HvpwkAbk4/iLEH3hDfCVUwDfMh05PdGLnxeRpiEFWSMSsJNp+OWAA+5JsF41BoRGrxoXXT+VKqlUDONd+O296Psu8Q+d8/S618\","
            + "\"mac\":\"GtMrurhDTwo\"}";
    static final String RUST_PLAINTEXT = "{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"sender_key\":\"wREG/hBdSspoqM9xPCEXd/4YwjpBFXlsobRkyDTo/Q8\",\"session_key\":\"AQAAAABwCEYsl5BrvPW0N8HTYP11phC7LOzItQLS3Zen6j1j9qMydUHVDeuMLxwo5i3GYfLWGjJEjsCj0Q99TZMABnJBCFg9MheV8cNSBfj7mHSZr6NP8aUAAAOhsY+cJwPDHxcnU181nAEs0fovHnonZGXs6iB/K6sKfuRWUNvX50ORohgDT3TGl0gQFed1FQEtn2Q1qT35iTRfe81SGOnFJrOM\",\"sender_claimed_keys\":{\"ed25519\":\"MnNLGwn4j9ArCvtgU6o1jG8TgJaEXQpDTxz7QU0h7GM\"},\"forwarding_curve25519_key_chain\":[]}";

    // protocol.md §13.5 (matrix-js-sdk crypto-test-data), key published padded.
    static final String JS_KEY = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    static final String JS_SESSION_DATA = "{\"ciphertext\":\"r6HRk2/Im2yJe5cLP8R81aVjFWjYWPHpw7TVxphiSK1cdIDZTTK57r6MfU+0i/mTPn+/PosT74OvYwCnehy2dyqqks+Ev+uBKw3TAo0HCv7W3Rmq9XtqxikG9ts7XtcjFEkx37+qRaXtikcu0+CmUf+I5X6KStwNXb+CPnN2CGgwpn8g5+xEgSjE904QFrte4s9ygfqymgszgF7kzNICYF5g2GTlss8pdu/GLnh52AKvtT6FcqE5LC74N07BDWUycMHMMMw43F7z5GhzEnoWOXlbz+M4eTGrCYuhvcmQGNbdgzYqEXPm1z4xFhVgs84kFCtNeUc+AHZWfC2zynZ++4tpmfCYYpYEfYwQNo9Ks7o+Mh2PtAo9/GIU4xAK/uG0vizEiNYt/1QAxwgrmDxjdRe5TH4pPUtLMktRDyZKeUHJmYZA7pcLtpVatXhXmVEQLFLDc/uusxaBxFXYkx7BQnNRoa1BE1yXRxud94s6vMsI/auhn95TG58Z0Rz9psRT4HzgDKeHf/uVbdfKR9O3gqxlB4mzZAyTCqHhUQERmGiISC2FeuKkAwVk/ZxXiFqSTUCizwXcczGbzEbC+pBJTi6jX5Pa2yI9cT5C8xaGGUzEaKdNWukcs73uvXoFl/5y0Y29PkfE8UlPWpN4kZn7hrcOllcqqV9ZMH+rBbGViIw0yZ6yQUciEJzO8Gk3yz36lIT30VhCgKXMu+kELEPTRSVXqEQkCXBcfNOhgl3LIso\","
            + "\"ephemeral\":\"q+P1WdRtEiPIEtNuuGrRcueZxUbLnSKdsuTAkxewXgU\",\"mac\":\"OibmACbORhI\"}";
    static final String JS_PLAINTEXT = "{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"forwarding_curve25519_key_chain\":[],\"m.shared_history\":true,\"room_id\":\"!room:id\",\"sender_claimed_keys\":{\"ed25519\":\"Bhbpt6hqMZlSH4sJV7xiEEEiPVeTWz4Vkujl1EMdIPI\"},\"sender_key\":\"WimPd2udAU/1S/+YBpPbmr9L+0H5H+BnAVHSwDxlPGc\",\"session_id\":\"ipdI6Zs/7DzFTEhiA2iGaMDfHkIYCleqXT6L+5e1/co\",\"session_key\":\"AQAAAABXGO+Z9jlQJhIL6ByhXrv2BwCIxkhh7MXpKLsYmXkJcWrQlirmXmD79ga1zo+I4DCtEZzyGSpDWXBC6G7ez3H4gDMBam1RE3Jm5tc+oTlIri32UkYgSL0kBkcEnttqmIXBlK8tAfJo3cJnlh7F4ltEOAqrdME6dU0zXTkqXmURqYqXSOmbP+w8xUxIYgNohmjA3x5CGApXql0+i/uXtf3K\"}";

    /** Small-order u-coordinates (and their non-canonical encodings below 2^255): 0, 1, two of order 8, p−1, p, p+1. */
    static final String[] SMALL_ORDER = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };

    static Json.Obj obj(String json) throws Exception {
        return (Json.Obj) JsonReader.parse(json);
    }

    static BackupDecryptionKey alice() throws Exception {
        return BackupDecryptionKey.fromBytes(Bytes.fromHex(ALICE));
    }

    @Test
    void libolmPkVector_encryptsAndDecrypts() throws Exception {
        try (BackupDecryptionKey a = alice(); BackupDecryptionKey b = BackupDecryptionKey.fromBytes(Bytes.fromHex(BOB))) {
            assertEquals("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo", a.publicKey().toBase64());
            byte[] shared = b.agree(a.publicKey());
            assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", Bytes.hex(shared));
            byte[] okm = MegolmBackupV1.deriveKeys(shared);
            assertEquals("ea1d8a20f476d1e1ec952ca42708b8f7161ce7c81eadf97e520e2b40333decd5", Bytes.hex(Arrays.copyOfRange(okm, 0, 32)));
            assertEquals("6698bc97a8ce7506849be320175a4832c5ce2462e9c30cd4300b04a28d75bfa5", Bytes.hex(Arrays.copyOfRange(okm, 32, 64)));
            assertEquals("96e7e4193e6ff9d6de89ec84226e7264", Bytes.hex(Arrays.copyOfRange(okm, 64, 80)));
            assertEquals("ce9cd4e8191970d2", Bytes.hex(MegolmBackupV1.quirkMac(okm))); // first 8 bytes of the full HMAC

            Json.Obj expected = Json.obj("ephemeral", Json.of("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08"),
                    "ciphertext", Json.of("ntk49j/KozVFtSqJXhCejg"), "mac", Json.of("zpzU6BkZcNI"));
            assertEquals(expected, MegolmBackupV1.encrypt(utf8("This is a test"), a.publicKey(), b));

            MegolmBackupV1.RawDecrypted raw = MegolmBackupV1.decryptRaw(expected, a);
            assertArrayEquals(utf8("This is a test"), raw.plaintext());
            assertEquals(MegolmBackupV1.MacCheck.MATCH, raw.mac());
            // The "intended" MAC over the ciphertext is never accepted.
            assertEquals(MegolmBackupV1.MacCheck.MISMATCH, MegolmBackupV1.decryptRaw(expected.with("mac", Json.of("0YKKo6yL6p8")), a).mac());
        }
    }

    @Test
    void rustSdkVector_decryptsToExactBytes() throws Exception {
        try (BackupDecryptionKey k = BackupDecryptionKey.parse("key", RUST_KEY)) {
            assertEquals("6Q6b15s4YM2jCs38pHiN8wiRkiuCcvpsM9S3/qm31Co", k.publicKey().toBase64());
            Json.Obj sd = obj(RUST_SESSION_DATA);
            byte[] shared = k.agree(Curve25519PublicKey.parse("ephemeral", sd.string("ephemeral")));
            assertEquals("ef3edbc96469a603ec8c619e8ad6d8240787b5ee96df18973764e0ec0af82844", Bytes.hex(shared));
            byte[] okm = MegolmBackupV1.deriveKeys(shared);
            assertEquals("faacc4623f95fb565e13de845edd2ad115d94af07ec0e0f3a6530872db8df7cd10d18456570142703528106a5b8e555736261f7e3c43800908da0a49c1855f339d3028f229cba984ffdfe1a20e40c259", Bytes.hex(okm));
            MegolmBackupV1.RawDecrypted raw = MegolmBackupV1.decryptRaw(sd, k);
            assertArrayEquals(utf8(RUST_PLAINTEXT), raw.plaintext());
            MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(sd, k);
            assertEquals(MegolmBackupV1.MacCheck.MATCH, d.mac());
            assertEquals(obj(RUST_PLAINTEXT), d.plaintext());
            assertEquals(0, SessionData.from(d.plaintext()).export().firstIndex());
        }
    }

    @Test
    void jsSdkVector_paddedKey_decryptsToCanonicalExportObject() throws Exception {
        try (BackupDecryptionKey k = BackupDecryptionKey.parse("key", JS_KEY)) {
            assertEquals("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo", k.publicKey().toBase64());
            MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(obj(JS_SESSION_DATA), k);
            assertEquals(MegolmBackupV1.MacCheck.MATCH, d.mac());
            assertArrayEquals(utf8(JS_PLAINTEXT), CanonicalJson.encode(d.plaintext()));
            SessionData sd = SessionData.from(d.plaintext());
            assertEquals(0, sd.export().firstIndex()); // while the cleartext says first_message_index 1
            assertTrue(sd.matchesSessionId("ipdI6Zs/7DzFTEhiA2iGaMDfHkIYCleqXT6L+5e1/co"));
            assertTrue(sd.json().has("room_id")); // extra fields preserved for signature checks
        }
    }

    @Test
    void decrypt_smallOrderEphemeral_isDecryptionException() throws Exception {
        try (BackupDecryptionKey k = alice()) {
            for (String hex : SMALL_ORDER) {
                Json.Obj sd = Json.obj("ephemeral", Json.of(Base64Unpadded.encode(Bytes.fromHex(hex))),
                        "ciphertext", Json.of("ntk49j/KozVFtSqJXhCejg"), "mac", Json.of("zpzU6BkZcNI"));
                DecryptionException e = assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(sd, k), hex);
                assertTrue(e.getMessage().startsWith("ephemeral: small-order"), e.getMessage());
            }
        }
    }

    @Test
    void encrypt_toSmallOrderBackupKey_isRefused() throws Exception {
        Curve25519PublicKey zero = Curve25519PublicKey.fromBytes(new byte[32]);
        assertThrows(IllegalArgumentException.class, () -> MegolmBackupV1.encrypt(utf8("{}"), zero));
    }

    @Test
    void decrypt_bitFlipInLastBlock_isDecryptionException() throws Exception {
        try (BackupDecryptionKey k = BackupDecryptionKey.parse("key", RUST_KEY)) {
            Json.Obj sd = obj(RUST_SESSION_DATA);
            byte[] ct = Base64Unpadded.decode("ciphertext", sd.string("ciphertext"));
            for (int bit = 0; bit < 8; bit++) {
                byte[] last = ct.clone();
                last[last.length - 1] ^= (byte) (1 << bit); // garbles the whole last plaintext block
                Json.Obj t = sd.with("ciphertext", Json.of(Base64Unpadded.encode(last)));
                assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(t, k));
            }
            byte[] prev = ct.clone();
            prev[prev.length - 17] ^= 0x01; // flips exactly the last padding byte
            Json.Obj t = sd.with("ciphertext", Json.of(Base64Unpadded.encode(prev)));
            DecryptionException e = assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(t, k));
            assertEquals("ciphertext: bad padding (wrong key or modified ciphertext)", e.getMessage());
        }
    }

    /** Encrypts raw blocks without padding under the keys of the libolm vector, to craft bad padding. */
    private static Json.Obj craftNoPadding(byte[] blocks) throws Exception {
        try (BackupDecryptionKey a = alice(); BackupDecryptionKey b = BackupDecryptionKey.fromBytes(Bytes.fromHex(BOB))) {
            byte[] okm = MegolmBackupV1.deriveKeys(b.agree(a.publicKey()));
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(okm, 0, 32, "AES"), new IvParameterSpec(okm, 64, 16));
            return Json.obj("ephemeral", Json.of("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08"),
                    "ciphertext", Json.of(Base64Unpadded.encode(c.doFinal(blocks))), "mac", Json.of("zpzU6BkZcNI"));
        }
    }

    @Test
    void decrypt_invalidPkcs7Padding_isDecryptionException() throws Exception {
        byte[][] bad = new byte[3][16];
        bad[0][15] = 0;                      // pad byte 0
        bad[1][15] = 17;                     // pad byte > 16
        Arrays.fill(bad[2], 12, 16, (byte) 4);
        bad[2][13] = 3;                      // pad bytes not all equal
        try (BackupDecryptionKey a = alice()) {
            for (byte[] block : bad) {
                Json.Obj sd = craftNoPadding(block);
                assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(sd, a));
            }
            byte[] good = new byte[16];
            Arrays.fill(good, (byte) 16);    // a full block of padding: the empty plaintext
            assertArrayEquals(new byte[0], MegolmBackupV1.decryptRaw(craftNoPadding(good), a).plaintext());
        }
    }

    @Test
    void decrypt_plaintextNotStrictJsonObject_isDecryptionException() throws Exception {
        String[] bad = {"\u00ff{}", "[1]", "{\"a\":1,\"a\":2}", "{\"a\":1.0}", "{} x", ""};
        try (BackupDecryptionKey a = alice(); BackupDecryptionKey b = BackupDecryptionKey.fromBytes(Bytes.fromHex(BOB))) {
            for (String s : bad) {
                byte[] p = s.startsWith("\u00ff") ? new byte[] {(byte) 0xff, '{', '}'} : utf8(s); // 0xff is never UTF-8
                Json.Obj sd = MegolmBackupV1.encrypt(p, a.publicKey(), b);
                DecryptionException e = assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(sd, a), s);
                assertTrue(e.getMessage().startsWith("plaintext: "), e.getMessage());
            }
        }
    }

    @Test
    void decrypt_malformedFields_areDecryptionExceptionsNamingTheField() throws Exception {
        Json.Obj good = obj(RUST_SESSION_DATA);
        String[][] cases = {
            {"ephemeral", null, "ephemeral: missing"},
            {"ephemeral", "1", "ephemeral: expected a string"},
            {"ephemeral", "\"HlLi76oV6wxHz3PCqE/bxJi6yF1HnYz5Dq3T+d/KpR\"", "ephemeral: expected 32 bytes, got 31"},
            {"ephemeral", "\"HlLi76oV6wxHz3PCqE_bxJi6yF1HnYz5Dq3T-d/KpRw\"", "ephemeral: not valid base64"},
            {"ciphertext", null, "ciphertext: missing"},
            {"ciphertext", "[]", "ciphertext: expected a string"},
            {"ciphertext", "\"\"", "ciphertext: expected a non-zero multiple of 16 bytes, got 0"},
            {"ciphertext", "\"AAAA AAAA\"", "ciphertext: not valid base64"},
            {"ciphertext", "\"AAAAAAAAAAAAAAAAAAAAAAAAAA\"", "ciphertext: expected a non-zero multiple of 16 bytes, got 19"},
        };
        try (BackupDecryptionKey k = BackupDecryptionKey.parse("key", RUST_KEY)) {
            for (String[] c : cases) {
                Json.Obj sd = c[1] == null ? good.without(c[0]) : good.with(c[0], JsonReader.parse(c[1]));
                DecryptionException e = assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(sd, k), c[2]);
                assertTrue(e.getMessage().startsWith(c[2]), e.getMessage());
                assertFalse(e.getMessage().contains(RUST_KEY));
            }
            String huge = "A".repeat(MegolmBackupV1.MAX_CIPHERTEXT_BYTES / 3 * 4 + 64);
            DecryptionException e = assertThrows(DecryptionException.class, () -> MegolmBackupV1.decrypt(good.with("ciphertext", Json.of(huge)), k));
            assertTrue(e.getMessage().contains("over the limit"), e.getMessage());
        }
    }

    @Test
    void decrypt_macMissingOrMalformed_stillDecryptsAndSaysSo() throws Exception {
        Json.Obj good = obj(RUST_SESSION_DATA);
        try (BackupDecryptionKey k = BackupDecryptionKey.parse("key", RUST_KEY)) {
            assertEquals(MegolmBackupV1.MacCheck.MISSING, MegolmBackupV1.decrypt(good.without("mac"), k).mac());
            for (String m : new String[] {"1", "null", "\"GtMr urhDTwo\"", "\"GtMrurhDTwo-\"", "\"GtMrurhDTwoAAA\"", "\"GtMrurhDTw\""}) {
                MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(good.with("mac", JsonReader.parse(m)), k);
                assertEquals(MegolmBackupV1.MacCheck.MALFORMED, d.mac(), m);
                assertEquals(obj(RUST_PLAINTEXT), d.plaintext());
            }
            // In 11 characters the last one carries 4 data bits and 2 trailing bits: 'o' = 101000, 'p' = 101001
            // differ only in a trailing bit (same 8 bytes, accepted; protocol.md §13.8), 's' = 101100 in a data bit.
            assertEquals(MegolmBackupV1.MacCheck.MATCH, MegolmBackupV1.decrypt(good.with("mac", Json.of("GtMrurhDTwp")), k).mac());
            assertEquals(MegolmBackupV1.MacCheck.MISMATCH, MegolmBackupV1.decrypt(good.with("mac", Json.of("GtMrurhDTws")), k).mac());
            assertEquals(MegolmBackupV1.MacCheck.MISMATCH, MegolmBackupV1.decrypt(good.with("mac", Json.of("HtMrurhDTwo")), k).mac());
            assertEquals(MegolmBackupV1.MacCheck.MATCH, MegolmBackupV1.decrypt(good.with("mac", Json.of("GtMrurhDTwo=")), k).mac());
        }
    }

    @Test
    void encrypt_random_roundTripsWithFreshEphemeral() throws Exception {
        try (BackupDecryptionKey k = BackupDecryptionKey.generate()) {
            byte[] p = utf8(RUST_PLAINTEXT);
            Json.Obj one = MegolmBackupV1.encrypt(p, k.publicKey());
            Json.Obj two = MegolmBackupV1.encrypt(p, k.publicKey());
            assertNotEquals(one.string("ephemeral"), two.string("ephemeral"));
            assertNotEquals(one.string("ciphertext"), two.string("ciphertext"));
            assertEquals(11, one.string("mac").length());
            MegolmBackupV1.Decrypted d = MegolmBackupV1.decrypt(one, k);
            assertEquals(MegolmBackupV1.MacCheck.MATCH, d.mac());
            assertEquals(obj(RUST_PLAINTEXT), d.plaintext());
            try (BackupDecryptionKey other = BackupDecryptionKey.generate()) {
                assertThrows(DecryptionException.class, () -> {
                    if (MegolmBackupV1.decrypt(one, other).mac() != MegolmBackupV1.MacCheck.MATCH) throw new DecryptionException("mac");
                });
            }
        }
    }

    @Test
    void constants_areTheSpecNames() {
        assertEquals("m.megolm_backup.v1.curve25519-aes-sha2", MegolmBackupV1.ALGORITHM);
        assertEquals("m.megolm.v1.aes-sha2", MegolmBackupV1.ROOM_KEY_ALGORITHM);
    }

    @Test
    void encryptWithAChosenEphemeralKey_isNotPublic() {
        // the deterministic form derives the IV from the exchange: reusing its ephemeral key leaks plaintext relations
        for (java.lang.reflect.Method m : MegolmBackupV1.class.getMethods()) {
            assertFalse(Arrays.asList(m.getParameterTypes()).contains(BackupDecryptionKey.class) && m.getName().startsWith("encrypt"),
                    m.toString());
        }
    }
}
