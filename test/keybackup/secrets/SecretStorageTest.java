package keybackup.secrets;

import static keybackup.secrets.DigestVectorsTest.FIXED_IV;
import static keybackup.secrets.DigestVectorsTest.SIGNING_CIPHERTEXT;
import static keybackup.secrets.DigestVectorsTest.SIGNING_MAC;
import static keybackup.secrets.DigestVectorsTest.SIGNING_PLAINTEXT;
import static keybackup.secrets.DigestVectorsTest.passphraseKey;
import static keybackup.secrets.Vectors.b64;
import static keybackup.secrets.Vectors.content;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Set;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import org.junit.jupiter.api.Test;

/**
 * Rejections and writer properties of {@link SecretStorage}, on the m.key_backup.signing content of
 * protocol.md §13.6.
 */
class SecretStorageTest {
    static final String NAME = SecretStorage.BACKUP_SIGNING_KEY;
    static final Json.Obj GOOD = content("KEYID", FIXED_IV, SIGNING_CIPHERTEXT, SIGNING_MAC);
    // RFC 8032 §7.1 TEST 1.
    static final String RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    static SecretStorageException.Reason reject(Json.Obj content, String name, SecretStorageKey key, String keyId) {
        SecretStorageException e = assertThrows(SecretStorageException.class, () -> SecretStorage.decrypt(name, content, key, keyId));
        assertFalse(e.getMessage().contains(SIGNING_PLAINTEXT), "message leaks the secret");
        return e.reason();
    }

    static Json.Obj withEntryField(String field, Json value) {
        Json.Obj entry = GOOD.object("encrypted").object("KEYID");
        return Json.obj("encrypted", Json.obj("KEYID", value == null ? entry.without(field) : entry.with(field, value)));
    }

    @Test
    void decrypt_goodContent_givesSecret() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            assertEquals(SIGNING_PLAINTEXT, SecretStorage.decrypt(NAME, GOOD, k, "KEYID"));
        }
    }

    @Test
    void decrypt_wrongKey_isBadMac() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.fromRecoveryKey(DigestVectorsTest.RUST_RECOVERY_KEY)) {
            assertEquals(SecretStorageException.Reason.BAD_MAC, reject(GOOD, NAME, k, "KEYID"));
        }
    }

    @Test
    void decrypt_wrongSecretName_isBadMac() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            assertEquals(SecretStorageException.Reason.BAD_MAC, reject(GOOD, SecretStorage.CROSS_SIGNING_MASTER, k, "KEYID"));
        }
    }

    @Test
    void decrypt_flippedMacBit_isBadMac() throws Exception {
        byte[] mac = b64(SIGNING_MAC);
        mac[31] ^= 1;
        try (SecretStorageKey k = passphraseKey()) {
            assertEquals(SecretStorageException.Reason.BAD_MAC, reject(withEntryField("mac", Json.of(Base64.getEncoder().encodeToString(mac))), NAME, k, "KEYID"));
        }
    }

    @Test
    void decrypt_truncatedMac_isMalformed() throws Exception {
        String mac16 = Base64.getEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(b64(SIGNING_MAC), 16));
        try (SecretStorageKey k = passphraseKey()) {
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withEntryField("mac", Json.of(mac16)), NAME, k, "KEYID"));
        }
    }

    @Test
    void decrypt_badBase64OrWrongTypes_isMalformed() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            String urlSafe = SIGNING_CIPHERTEXT.replace('+', '-');
            assertNotEquals(SIGNING_CIPHERTEXT, urlSafe);
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withEntryField("ciphertext", Json.of(urlSafe)), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withEntryField("iv", Json.of("AAECAwQFBgcICQoLDA0OD")), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withEntryField("iv", Json.of("AAECAwQFBgcICQoLDA0O")), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withEntryField("mac", Json.of(12)), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withEntryField("iv", null), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(Json.obj("encrypted", Json.of("x")), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(Json.obj("encrypted", Json.obj("KEYID", Json.of(1))), NAME, k, "KEYID"));
        }
    }

    @Test
    void decrypt_emptyContentOrOtherKeyId_isNotStored() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            assertEquals(SecretStorageException.Reason.NOT_STORED, reject(Json.obj(), NAME, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.NOT_STORED, reject(Json.obj("encrypted", Json.obj()), NAME, k, "KEYID"));
            SecretStorageException e = assertThrows(SecretStorageException.class, () -> SecretStorage.decrypt(NAME, GOOD, k, "OTHER"));
            assertEquals(SecretStorageException.Reason.NOT_STORED, e.reason());
            assertEquals("m.key_backup.signing: secret not stored under key OTHER", e.getMessage());
        }
    }

    @Test
    void decrypt_macValidButPlaintextNotUtf8_isBadPlaintext() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            AesHmacSha2.Sealed s = AesHmacSha2.seal(k.material(), NAME, new byte[] {(byte) 0xC3, 0x28}, b64(FIXED_IV));
            Json.Obj c = content("KEYID", FIXED_IV, Base64.getEncoder().encodeToString(s.ciphertext()), Base64.getEncoder().encodeToString(s.mac()));
            assertEquals(SecretStorageException.Reason.BAD_PLAINTEXT, reject(c, NAME, k, "KEYID"));
        }
    }

    @Test
    void encrypt_randomIv_hasBit63ClearAndIsUnpaddedAndFresh() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            Set<String> ivs = new java.util.HashSet<>();
            for (int i = 0; i < 64; i++) {
                Json.Obj entry = SecretStorage.encrypt("org.example.s", "secret value", k, "K").object("encrypted").object("K");
                assertEquals(Set.of("iv", "ciphertext", "mac"), entry.members().keySet());
                for (String f : entry.members().keySet()) assertFalse(entry.string(f).contains("="), f + " is padded");
                byte[] iv = b64(entry.string("iv"));
                assertEquals(16, iv.length);
                assertEquals(0, iv[8] & 0x80, "bit 63 must be clear");
                assertTrue(ivs.add(entry.string("iv")), "IV repeated");
                assertEquals("secret value", SecretStorage.decrypt("org.example.s", Json.obj("encrypted", Json.obj("K", entry)), k, "K"));
            }
        }
    }

    @Test
    void addTo_keepsOtherKeyIdsAndMembers_replacesSameKeyId() throws Exception {
        Json.Obj existing = GOOD.with("encrypted", GOOD.object("encrypted").with("OLD", Json.obj("iv", Json.of("x")))).with("other", Json.of(1));
        try (SecretStorageKey k = passphraseKey()) {
            Json.Obj out = SecretStorage.addTo(existing, NAME, SIGNING_PLAINTEXT, k, "KEYID");
            assertEquals(Json.obj("iv", Json.of("x")), out.object("encrypted").get("OLD"));
            assertEquals(Json.of(1), out.get("other"));
            assertNotEquals(GOOD.object("encrypted").get("KEYID"), out.object("encrypted").get("KEYID"), "fresh IV");
            assertEquals(SIGNING_PLAINTEXT, SecretStorage.decrypt(NAME, out, k, "KEYID"));
            Json.Obj added = SecretStorage.addTo(GOOD, NAME, SIGNING_PLAINTEXT, k, "SECOND");
            assertEquals(GOOD.object("encrypted").get("KEYID"), added.object("encrypted").get("KEYID"));
            assertEquals(SIGNING_PLAINTEXT, SecretStorage.decrypt(NAME, added, k, "SECOND"));
        }
    }

    @Test
    void backupSigningKey_storeThenLoad_sameSeedAndPublicKey() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate();
             Ed25519PrivateKey seed = Ed25519PrivateKey.fromSeed(Bytes.fromHex(RFC8032_SEED))) {
            Json.Obj stored = SecretStorage.storeBackupSigningKey(seed, k, "K", null);
            assertTrue(stored.object("encrypted").has("K"));
            String plaintext = SecretStorage.decrypt(NAME, stored, k, "K");
            assertArrayEquals(Bytes.fromHex(RFC8032_SEED), Base64.getDecoder().decode(plaintext));
            assertFalse(plaintext.contains("="), "written unpadded");
            try (Ed25519PrivateKey loaded = SecretStorage.loadBackupSigningKey(stored, k, "K")) {
                assertEquals(RFC8032_PUBLIC, Bytes.hex(loaded.publicKey().bytes()));
            }
        }
    }

    @Test
    void loadBackupSigningKey_paddedSeed_isAccepted() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            String padded = Base64.getEncoder().encodeToString(Bytes.fromHex(RFC8032_SEED));
            assertTrue(padded.endsWith("="));
            try (Ed25519PrivateKey loaded = SecretStorage.loadBackupSigningKey(SecretStorage.encrypt(NAME, padded, k, "K"), k, "K")) {
                assertEquals(RFC8032_PUBLIC, Bytes.hex(loaded.publicKey().bytes()));
            }
        }
    }

    @Test
    void loadKeySecrets_wrongLengthOrLegacyCommaForm_isBadPlaintext() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            String short31 = Base64.getEncoder().withoutPadding().encodeToString(new byte[31]);
            SecretStorageException e = assertThrows(SecretStorageException.class,
                    () -> SecretStorage.loadBackupSigningKey(SecretStorage.encrypt(NAME, short31, k, "K"), k, "K"));
            assertEquals(SecretStorageException.Reason.BAD_PLAINTEXT, e.reason());
            assertFalse(e.getMessage().contains(short31));
            String legacy = "119,7,109,10,115,24,165,125,60,22,193,114,81,178,102,69,223,76,47,135,235,192,153,42,177,119,251,165,29,185,44,42";
            SecretStorageException e2 = assertThrows(SecretStorageException.class, () -> SecretStorage.loadKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY,
                    SecretStorage.encrypt(SecretStorage.BACKUP_DECRYPTION_KEY, legacy, k, "K"), k, "K"));
            assertEquals(SecretStorageException.Reason.BAD_PLAINTEXT, e2.reason());
        }
    }

    @Test
    void keyBytes_storeThenLoad_underMasterName() throws Exception {
        byte[] key = Bytes.fromHex(RFC8032_SEED);
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            Json.Obj stored = SecretStorage.storeKeyBytes(SecretStorage.CROSS_SIGNING_MASTER, key, k, "K", Json.obj());
            assertArrayEquals(key, SecretStorage.loadKeyBytes(SecretStorage.CROSS_SIGNING_MASTER, stored, k, "K"));
            assertThrows(IllegalArgumentException.class, () -> SecretStorage.storeKeyBytes(SecretStorage.CROSS_SIGNING_MASTER, new byte[31], k, "K", null));
        }
    }

    @Test
    void encrypt_loneSurrogate_isCallerError() {
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            assertThrows(IllegalArgumentException.class, () -> SecretStorage.encrypt("n", "a\uD800b", k, "K"));
        }
    }

    @Test
    void constants_areTheSpecNames() {
        assertEquals("m.secret_storage.default_key", SecretStorage.DEFAULT_KEY_TYPE);
        assertEquals("m.secret_storage.key.", SecretStorage.KEY_TYPE_PREFIX);
        assertEquals("m.secret_storage.v1.aes-hmac-sha2", SecretStorage.ALGORITHM);
        assertEquals("m.megolm_backup.v1", SecretStorage.BACKUP_DECRYPTION_KEY);
        assertEquals("m.key_backup.signing", SecretStorage.BACKUP_SIGNING_KEY);
        assertEquals("m.cross_signing.master", SecretStorage.CROSS_SIGNING_MASTER);
        assertEquals("m.cross_signing.self_signing", SecretStorage.CROSS_SIGNING_SELF_SIGNING);
        assertEquals("m.cross_signing.user_signing", SecretStorage.CROSS_SIGNING_USER_SIGNING);
    }
}
