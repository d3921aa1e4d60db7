package keybackup.secrets;

import static keybackup.secrets.Vectors.b64;
import static keybackup.secrets.Vectors.content;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.PassphraseKey;
import org.junit.jupiter.api.Test;

/**
 * protocol.md §13.6: matrix-rust-sdk's key-check vectors (published in {@code secret_storage.rs}), the
 * derived encryption vectors with a fixed IV and the non-ASCII PBKDF2 vector.
 */
class DigestVectorsTest {
    // Key-check vectors, first row.
    static final String RUST_RECOVERY_KEY = "EsTj 3yST y93F SLpB jJsz eAXc 2XzA ygD3 w69H fGaN TKBj jXEd";
    static final String RUST_KEY_HEX = "8da2453dc22b51355ad77ab75b3e9863af7f4a7bc4af0ce8865b57e2d02196d1";
    static final String RUST_DESCRIPTION = "{\"algorithm\":\"m.secret_storage.v1.aes-hmac-sha2\","
            + "\"iv\":\"xv5b6/p3ExEw++wTyfSHEg==\",\"mac\":\"ujBBbXahnTAMkmPUX2/0+VTfUh63pGyVRuBcDMgmJC8=\"}";
    // Key-check vectors, second and third rows.
    static final String PASSPHRASE_DESCRIPTION = "{\"algorithm\":\"m.secret_storage.v1.aes-hmac-sha2\","
            + "\"iv\":\"gH2iNpiETFhApvW6/FFEJQ\",\"mac\":\"9Lw12m5SKDipNghdQXKjgpfdj1/K7HFI2brO+UWAGoM\","
            + "\"passphrase\":{\"algorithm\":\"m.pbkdf2\",\"salt\":\"IuLnH7S85YtZmkkBJKwNUKxWF42g9O1H\",\"iterations\":10}}";
    static final String PASSPHRASE_KEY_HEX = "397aff44a04238741cff9b76b38126073c34bf25599fa9969287f01ccf77559f";
    // Derived encryption vectors.
    static final String FIXED_IV = "AAECAwQFBgcICQoLDA0ODw";
    static final String SIGNING_PLAINTEXT = "YmFja3Vwc2lnbmluZ2tleWJhY2t1cHNpZ25pbmdrZXk";
    static final String SIGNING_CIPHERTEXT = "fra3EzRVWrrQdf8k4EzKcoU7ODaZ6WOy3RdG8G2uPbeWTYD+Xxl3GDvHDw";
    static final String SIGNING_MAC = "tVeQ+tRCYtfDGF36sm/LSM5Pm3bYzxvk9SecI1JKgXI";
    static final String MEGOLM_PLAINTEXT = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo";
    static final String MEGOLM_CIPHERTEXT = "7pOX1cQ1Rgch6Ykp+/cxO07XftEE66WB/7JXoa0Ux+yahEtt2G4ZXUn/QA";
    static final String MEGOLM_MAC = "oaJMJ5PuU2G1n9udgRqbVDN5L37EzxIOTpf9ygTeHTM";
    static final String SIGNING_CONTENT = "{\"encrypted\": {\"KEYID\": {\"iv\": \"AAECAwQFBgcICQoLDA0ODw\", "
            + "\"ciphertext\": \"fra3EzRVWrrQdf8k4EzKcoU7ODaZ6WOy3RdG8G2uPbeWTYD+Xxl3GDvHDw\", "
            + "\"mac\": \"tVeQ+tRCYtfDGF36sm/LSM5Pm3bYzxvk9SecI1JKgXI\"}}}";

    static Json.Obj json(String text) throws Exception {
        return (Json.Obj) JsonReader.parse(text);
    }

    static SecretStorageKey passphraseKey() {
        return SecretStorageKey.fromBytes(Bytes.fromHex(PASSPHRASE_KEY_HEX));
    }

    @Test
    void rustBase58Key_paddedIvAndMac_passesKeyCheck() throws Exception {
        KeyDescription d = KeyDescription.parse(json(RUST_DESCRIPTION));
        try (SecretStorageKey k = SecretStorageKey.fromRecoveryKey(RUST_RECOVERY_KEY)) {
            assertEquals(RUST_KEY_HEX, Bytes.hex(k.exportBytes()));
            assertEquals(RUST_RECOVERY_KEY, k.toRecoveryKey());
            assertTrue(d.checkKey(k));
        }
        try (SecretStorageKey other = passphraseKey()) {
            assertFalse(d.checkKey(other));
        }
    }

    @Test
    void rustPassphrase_everybody_derivesKeyAndPassesKeyCheck() throws Exception {
        KeyDescription d = KeyDescription.parse(json(PASSPHRASE_DESCRIPTION));
        assertEquals(new KeyDescription.Pbkdf2("IuLnH7S85YtZmkkBJKwNUKxWF42g9O1H", 10, 256), d.passphrase());
        try (SecretStorageKey k = SecretStorageKey.fromPassphrase("It's a secret to everybody".toCharArray(), d)) {
            assertEquals(PASSPHRASE_KEY_HEX, Bytes.hex(k.exportBytes()));
            assertTrue(d.checkKey(k));
        }
    }

    @Test
    void rustPassphrase_nobody_failsKeyCheck() throws Exception {
        KeyDescription d = KeyDescription.parse(json(PASSPHRASE_DESCRIPTION));
        try (SecretStorageKey k = SecretStorageKey.fromPassphrase("It's a secret to nobody".toCharArray(), d)) {
            assertFalse(d.checkKey(k));
        }
    }

    @Test
    void keyCheck_ivOrMacAbsent_acceptsAnyKey() throws Exception {
        Json.Obj full = json(PASSPHRASE_DESCRIPTION);
        for (Json.Obj partial : new Json.Obj[] {full.without("iv").without("mac"), full.without("iv"), full.without("mac")}) {
            KeyDescription d = KeyDescription.parse(partial);
            try (SecretStorageKey k = SecretStorageKey.fromRecoveryKey(RUST_RECOVERY_KEY)) {
                assertTrue(d.checkKey(k), partial.toString());
            }
        }
    }

    @Test
    void keyCheck_iv14BytesOrMac10Bytes_isRejected() throws Exception {
        Json.Obj full = json(PASSPHRASE_DESCRIPTION);
        String iv14 = Base64.getEncoder().withoutPadding().encodeToString(new byte[14]);
        String mac10 = Base64.getEncoder().encodeToString(new byte[10]);
        SecretStorageException e1 = assertThrows(SecretStorageException.class, () -> KeyDescription.parse(full.with("iv", Json.of(iv14))));
        assertEquals(SecretStorageException.Reason.MALFORMED, e1.reason());
        assertEquals("iv: expected 16 bytes, got 14", e1.getMessage());
        SecretStorageException e2 = assertThrows(SecretStorageException.class, () -> KeyDescription.parse(full.with("mac", Json.of(mac10))));
        assertEquals(SecretStorageException.Reason.MALFORMED, e2.reason());
        assertEquals("mac: expected 32 bytes, got 10", e2.getMessage());
    }

    @Test
    void derived_hkdfKeys_matchDigest() {
        byte[] check = AesHmacSha2.deriveKeys(Bytes.fromHex(PASSPHRASE_KEY_HEX), "");
        assertEquals("511508fab11e08d40945559aa36d87277a146ab3a64c1cbbb3f83e4f578dd0a2", Bytes.hex(Arrays.copyOfRange(check, 0, 32)));
        assertEquals("ace5a9edb94591e7d4672d479438e40d1bba54c61027b8ff645c68e53e616b37", Bytes.hex(Arrays.copyOfRange(check, 32, 64)));
        byte[] signing = AesHmacSha2.deriveKeys(Bytes.fromHex(PASSPHRASE_KEY_HEX), SecretStorage.BACKUP_SIGNING_KEY);
        assertEquals("068a5941ee659a47a799fec4c9a5d4b7b890b0dd4d30edbd6c69dc33a13db160", Bytes.hex(Arrays.copyOfRange(signing, 0, 32)));
        assertEquals("9e0a35b35a4542abcda814354d842be33de3c27fd7ed408076fc50b3fb06b062", Bytes.hex(Arrays.copyOfRange(signing, 32, 64)));
    }

    @Test
    void derived_keyCheckMacForFixedIv_matchesDigest() throws Exception {
        assertArrayEquals(Bytes.fromHex("000102030405060708090a0b0c0d0e0f"), b64(FIXED_IV));
        assertArrayEquals(b64("f2sQm5bIeCtmvJ+14B/lS/EvRpbvJg8k6xraP80iu0w"), AesHmacSha2.keyCheckMac(Bytes.fromHex(PASSPHRASE_KEY_HEX), b64(FIXED_IV)));
        KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM),
                "iv", Json.of(FIXED_IV), "mac", Json.of("f2sQm5bIeCtmvJ+14B/lS/EvRpbvJg8k6xraP80iu0w")));
        try (SecretStorageKey k = passphraseKey()) {
            assertTrue(d.checkKey(k));
        }
    }

    @Test
    void derived_backupSigningSecret_encryptsToDigestContent() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            Json.Obj out = SecretStorage.encryptWithFixedIv(SecretStorage.BACKUP_SIGNING_KEY, SIGNING_PLAINTEXT, k, "KEYID", b64(FIXED_IV));
            assertEquals(json(SIGNING_CONTENT), out);
            assertEquals(content("KEYID", FIXED_IV, SIGNING_CIPHERTEXT, SIGNING_MAC), out);
        }
    }

    @Test
    void derived_backupSigningSecret_loadsTheSeed() throws Exception {
        try (SecretStorageKey k = passphraseKey();
             Ed25519PrivateKey seed = SecretStorage.loadBackupSigningKey(json(SIGNING_CONTENT), k, "KEYID")) {
            // The plaintext is the unpadded base64 of the 32 ASCII bytes "backupsigningkeybackupsigningkey".
            assertArrayEquals("backupsigningkeybackupsigningkey".getBytes(StandardCharsets.US_ASCII), seed.exportSeed());
        }
    }

    @Test
    void derived_megolmBackupSecret_encryptsAndLoadsKeyA() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            Json.Obj out = SecretStorage.encryptWithFixedIv(SecretStorage.BACKUP_DECRYPTION_KEY, MEGOLM_PLAINTEXT, k, "KEYID", b64(FIXED_IV));
            assertEquals(content("KEYID", FIXED_IV, MEGOLM_CIPHERTEXT, MEGOLM_MAC), out);
            byte[] keyA = SecretStorage.loadKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, out, k, "KEYID");
            // Key A is the RFC 7748 test private key (protocol.md §6.1).
            assertEquals("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", Bytes.hex(keyA));
        }
    }

    @Test
    void derived_megolmSecretUnderSigningName_failsMac() throws Exception {
        try (SecretStorageKey k = passphraseKey()) {
            Json.Obj c = content("KEYID", FIXED_IV, MEGOLM_CIPHERTEXT, MEGOLM_MAC);
            SecretStorageException e = assertThrows(SecretStorageException.class, () -> SecretStorage.loadKeyBytes(SecretStorage.BACKUP_SIGNING_KEY, c, k, "KEYID"));
            assertEquals(SecretStorageException.Reason.BAD_MAC, e.reason());
        }
    }

    @Test
    void pbkdf2_nonAsciiPassphrase_matchesDigest() throws Exception {
        assertEquals("7c40f3f187ad400f9cd3d7e31ae9ef0ecebf9e7d907590447cc601f8ca09be77",
                Bytes.hex(PassphraseKey.derive("pässwörd😀".toCharArray(), "salt", 1000, 256)));
        KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM),
                "passphrase", Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of("salt"), "iterations", Json.of(1000))));
        try (SecretStorageKey k = SecretStorageKey.fromPassphrase("pässwörd😀".toCharArray(), d)) {
            assertEquals("7c40f3f187ad400f9cd3d7e31ae9ef0ecebf9e7d907590447cc601f8ca09be77", Bytes.hex(k.exportBytes()));
        }
        assertNull(KeyDescription.parse(json(RUST_DESCRIPTION)).passphrase());
    }
}
