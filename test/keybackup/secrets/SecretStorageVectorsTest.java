package keybackup.secrets;

import static keybackup.secrets.Vectors.b64;
import static keybackup.secrets.Vectors.content;
import static keybackup.secrets.Vectors.num;
import static keybackup.secrets.Vectors.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.keys.PassphraseKey;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every case of test/vectors/secrets/secret-storage.json (matrix-js-sdk 37.5.0, cross-checked; PROVENANCE.md). */
class SecretStorageVectorsTest {
    static final String KEY_ID = "vectorKeyId";

    static SecretStorageKey key(Json.Obj c) {
        return SecretStorageKey.fromBytes(b64(str(c, "key")));
    }

    @Test
    void file_hasTheCaseCountsOfTheSharedIndex() throws Exception {
        // index.json of the shared set: cases 6, negative 4, key check 2, counter wrap 1, pbkdf2 6.
        Map<String, Integer> expected = Map.of("cases", 6, "negative_cases", 4, "key_check_cases", 2,
                "counter_wrap_cases", 1, "pbkdf2_cases", 6);
        for (var e : expected.entrySet()) assertEquals(e.getValue(), Vectors.section(e.getKey()).size(), e.getKey());
    }

    @TestFactory
    List<DynamicTest> cases_encryptWithGivenIv_reproducesCiphertextAndMac() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Json.Obj c : Vectors.section("cases")) {
            tests.add(DynamicTest.dynamicTest(str(c, "id"), () -> {
                try (SecretStorageKey k = key(c)) {
                    Json.Obj out = SecretStorage.encryptWithFixedIv(str(c, "name"), str(c, "plaintext"), k, KEY_ID,
                            b64(str(c, "iv")));
                    assertEquals(content(KEY_ID, str(c, "iv"), str(c, "ciphertext"), str(c, "mac")), out);
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> cases_decryptUnpaddedAndJsSdkPadded_givesPlaintext() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Json.Obj c : Vectors.section("cases")) {
            tests.add(DynamicTest.dynamicTest(str(c, "id"), () -> {
                Json.Obj js = c.object("matrix_js_sdk_output");
                assertTrue(str(js, "mac").endsWith("="), "the js-sdk form is padded");
                try (SecretStorageKey k = key(c)) {
                    Json.Obj unpadded = content(KEY_ID, str(c, "iv"), str(c, "ciphertext"), str(c, "mac"));
                    Json.Obj padded = content(KEY_ID, str(js, "iv"), str(js, "ciphertext"), str(js, "mac"));
                    assertEquals(str(c, "plaintext"), SecretStorage.decrypt(str(c, "name"), unpadded, k, KEY_ID));
                    assertEquals(str(c, "plaintext"), SecretStorage.decrypt(str(c, "name"), padded, k, KEY_ID));
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> cases_hkdfWithSecretName_givesIntermediateKeys() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Json.Obj c : Vectors.section("cases")) {
            tests.add(DynamicTest.dynamicTest(str(c, "id"), () -> {
                byte[] keys = AesHmacSha2.deriveKeys(b64(str(c, "key")), str(c, "name"));
                Json.Obj in = c.object("intermediate");
                assertArrayEquals(b64(str(in, "aes_key")), Arrays.copyOfRange(keys, 0, 32));
                assertArrayEquals(b64(str(in, "hmac_key")), Arrays.copyOfRange(keys, 32, 64));
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> negativeCases_areRejectedWithTheirCategory() throws Exception {
        // This project's categories (PROVENANCE.md): a 16-byte mac is malformed, the rest fail the MAC.
        Map<String, SecretStorageException.Reason> category = Map.of(
                "tampered-ciphertext", SecretStorageException.Reason.BAD_MAC,
                "wrong-name", SecretStorageException.Reason.BAD_MAC,
                "wrong-key", SecretStorageException.Reason.BAD_MAC,
                "truncated-mac", SecretStorageException.Reason.MALFORMED);
        List<DynamicTest> tests = new ArrayList<>();
        for (Json.Obj c : Vectors.section("negative_cases")) {
            String id = str(c, "id");
            tests.add(DynamicTest.dynamicTest(id, () -> {
                assertEquals("reject", str(c, "expected"));
                assertTrue(category.containsKey(id), "no expected category for " + id);
                try (SecretStorageKey k = key(c)) {
                    Json.Obj content = content(KEY_ID, str(c, "iv"), str(c, "ciphertext"), str(c, "mac"));
                    SecretStorageException e = assertThrows(SecretStorageException.class,
                            () -> SecretStorage.decrypt(str(c, "name"), content, k, KEY_ID));
                    assertEquals(category.get(id), e.reason(), e.getMessage());
                    assertTrue(e.getMessage().startsWith(str(c, "name") + ": "), e.getMessage());
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> keyCheckCases_acceptTheirKeyAndRejectTheOther() throws Exception {
        List<Json.Obj> cases = Vectors.section("key_check_cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Json.Obj c = cases.get(i);
            Json.Obj other = cases.get((i + 1) % cases.size());
            tests.add(DynamicTest.dynamicTest(str(c, "id"), () -> {
                assertNotEquals(str(c, "key"), str(other, "key"));
                Json.Obj js = c.object("matrix_js_sdk_output");
                for (Json.Obj ivMac : List.of(c, js)) {
                    KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM),
                            "iv", Json.of(str(ivMac, "iv")), "mac", Json.of(str(ivMac, "mac"))));
                    try (SecretStorageKey right = key(c); SecretStorageKey wrong = key(other)) {
                        assertTrue(d.checkKey(right));
                        assertFalse(d.checkKey(wrong));
                    }
                }
                // js-sdk's "ciphertext" is the AES-CTR of 32 zero bytes under the name "": our primitive agrees.
                try (SecretStorageKey k = key(c)) {
                    Json.Obj out = SecretStorage.encryptWithFixedIv("", "\0".repeat(32), k, KEY_ID, b64(str(c, "iv")));
                    Json.Obj entry = out.object("encrypted").object(KEY_ID);
                    assertArrayEquals(b64(str(js, "ciphertext")), b64(str(entry, "ciphertext")));
                    assertArrayEquals(b64(str(c, "mac")), b64(str(entry, "mac")));
                }
            }));
        }
        return tests;
    }

    @Test
    void counterWrapCase_jdk128BitCounter_matchesCounter128AndNotJsSdk() throws Exception {
        for (Json.Obj c : Vectors.section("counter_wrap_cases")) {
            byte[] iv = b64(str(c, "iv"));
            assertTrue((iv[8] & 0x80) != 0, "the vector's IV has bit 63 set");
            try (SecretStorageKey k = key(c)) {
                Json.Obj entry = SecretStorage.encryptWithFixedIv(str(c, "name"), str(c, "plaintext"), k, KEY_ID, iv)
                        .object("encrypted").object(KEY_ID);
                assertArrayEquals(b64(str(c, "counter128_ciphertext")), b64(str(entry, "ciphertext")));
                assertArrayEquals(b64(str(c, "counter128_mac")), b64(str(entry, "mac")));
                assertFalse(Arrays.equals(b64(str(c, "matrix_js_sdk_ciphertext")), b64(str(entry, "ciphertext"))));
                assertFalse(Arrays.equals(b64(str(c, "matrix_js_sdk_mac")), b64(str(entry, "mac"))));
                // Decrypting uses the stored IV as-is, bit 63 included.
                Json.Obj stored = content(KEY_ID, str(c, "iv"), str(c, "counter128_ciphertext"),
                        str(c, "counter128_mac"));
                assertEquals(str(c, "plaintext"), SecretStorage.decrypt(str(c, "name"), stored, k, KEY_ID));
            }
        }
    }

    @TestFactory
    List<DynamicTest> pbkdf2Cases_deriveTheirKeys() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Json.Obj c : Vectors.section("pbkdf2_cases")) {
            tests.add(DynamicTest.dynamicTest(str(c, "id"), () -> {
                int bits = (int) num(c, "bits");
                byte[] expected = b64(str(c, "key"));
                assertEquals(bits / 8, expected.length);
                assertArrayEquals(expected, Bytes.fromHex(str(c, "key_hex")));
                // Through a key description, as a client reads it (bits given explicitly).
                KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM),
                        "passphrase", Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of(str(c, "salt")),
                                "iterations", Json.of(num(c, "iterations")), "bits", Json.of(bits))));
                try (SecretStorageKey k = SecretStorageKey.fromPassphrase(str(c, "passphrase").toCharArray(), d)) {
                    assertArrayEquals(expected, k.exportBytes());
                }
                assertArrayEquals(expected, PassphraseKey.derive(str(c, "passphrase").toCharArray(), str(c, "salt"),
                        (int) num(c, "iterations"), bits));
            }));
        }
        return tests;
    }
}
