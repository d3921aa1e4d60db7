package keybackup.secrets;

import static keybackup.secrets.DigestVectorsTest.RUST_KEY_HEX;
import static keybackup.secrets.DigestVectorsTest.RUST_RECOVERY_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;

/** Ways to obtain a {@link SecretStorageKey}, and its hygiene. Key: protocol.md §13.6 (rust-sdk). */
class SecretStorageKeyTest {
    static final String RUST_KEY_B64 = Base64.getEncoder().withoutPadding().encodeToString(Bytes.fromHex(RUST_KEY_HEX));

    static String hexOf(SecretStorageKey k) {
        return Bytes.hex(k.exportBytes());
    }

    @Test
    void fromKeyFileText_recoveryKeyInAnyLayout_isDecoded() throws Exception {
        String compact = RUST_RECOVERY_KEY.replace(" ", "");
        for (String text : new String[] {RUST_RECOVERY_KEY, RUST_RECOVERY_KEY + "\n", compact, compact + "\r\n",
                RUST_RECOVERY_KEY.substring(0, 29) + "\n" + RUST_RECOVERY_KEY.substring(30) + "\n", "  " + RUST_RECOVERY_KEY + "  "}) {
            try (SecretStorageKey k = SecretStorageKey.fromKeyFileText(text)) {
                assertEquals(RUST_KEY_HEX, hexOf(k), text);
            }
        }
    }

    @Test
    void fromKeyFileText_base64PaddedOrNot_isDecoded() throws Exception {
        assertEquals(43, RUST_KEY_B64.length());
        for (String text : new String[] {RUST_KEY_B64, RUST_KEY_B64 + "\n", RUST_KEY_B64 + "=\n", RUST_KEY_B64 + "\nsecond line ignored\n"}) {
            try (SecretStorageKey k = SecretStorageKey.fromKeyFileText(text)) {
                assertEquals(RUST_KEY_HEX, hexOf(k), text);
            }
        }
    }

    @Test
    void fromKeyFileText_neitherShape_isMalformedWithoutEchoingInput() {
        String b64of31 = Base64.getEncoder().withoutPadding().encodeToString(new byte[31]);
        String flipped = RUST_RECOVERY_KEY.substring(0, RUST_RECOVERY_KEY.length() - 1) + "e";
        for (String text : new String[] {"", " \n", b64of31, "EsTj 3yST", flipped, RUST_KEY_B64.replace('/', '_')}) {
            SecretStorageException e = assertThrows(SecretStorageException.class, () -> SecretStorageKey.fromKeyFileText(text));
            assertEquals(SecretStorageException.Reason.MALFORMED, e.reason());
            assertFalse(!text.isBlank() && e.getMessage().contains(text.strip()), e.getMessage());
        }
    }

    @Test
    void fromRecoveryKey_badParity_isMalformed() {
        String flipped = RUST_RECOVERY_KEY.substring(0, RUST_RECOVERY_KEY.length() - 1) + "e";
        SecretStorageException e = assertThrows(SecretStorageException.class, () -> SecretStorageKey.fromRecoveryKey(flipped));
        assertEquals(SecretStorageException.Reason.MALFORMED, e.reason());
    }

    @Test
    void fromBytes_wrongLength_isCallerError() {
        assertThrows(IllegalArgumentException.class, () -> SecretStorageKey.fromBytes(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> SecretStorageKey.fromBytes(new byte[64]));
    }

    @Test
    void fromBytes_copiesInput_andExportCopiesOut() {
        byte[] raw = Bytes.fromHex(RUST_KEY_HEX);
        try (SecretStorageKey k = SecretStorageKey.fromBytes(raw)) {
            Bytes.zero(raw);
            byte[] out = k.exportBytes();
            out[0] ^= 1;
            assertEquals(RUST_KEY_HEX, hexOf(k));
            assertEquals(RUST_RECOVERY_KEY, k.toRecoveryKey());
        }
    }

    @Test
    void fromPassphrase_noPassphraseInDescription_isNoPassphrase() throws Exception {
        KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM)));
        assertEquals(SecretStorageException.Reason.NO_PASSPHRASE,
                assertThrows(SecretStorageException.class, () -> SecretStorageKey.fromPassphrase("x".toCharArray(), d)).reason());
    }

    @Test
    void fromPassphrase_512Bits_has64BytesAndNoRecoveryKey() throws Exception {
        // secret-storage.json pbkdf2_cases "bits-512".
        KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM), "passphrase",
                Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of("salt"), "iterations", Json.of(3), "bits", Json.of(512))));
        try (SecretStorageKey k = SecretStorageKey.fromPassphrase("long output".toCharArray(), d)) {
            assertEquals("51de3652246cf79311c18f843d01d84e3ac5c4d1ce69e1f3749351a4b1887f466fa4c8a22f4537139ed14ba11fe7112968e8f15408804cfd9287cf72a457048f", hexOf(k));
            assertThrows(IllegalStateException.class, k::toRecoveryKey);
        }
    }

    @Test
    void generate_gives32FreshBytesWithRecoveryKeyForm() throws Exception {
        try (SecretStorageKey a = SecretStorageKey.generate(); SecretStorageKey b = SecretStorageKey.generate()) {
            assertEquals(32, a.exportBytes().length);
            assertNotEquals(hexOf(a), hexOf(b));
            String rk = a.toRecoveryKey();
            assertTrue(rk.startsWith("Es") && rk.length() == 59, rk.length() + " characters");
            try (SecretStorageKey again = SecretStorageKey.fromRecoveryKey(rk)) {
                assertEquals(hexOf(a), hexOf(again));
            }
        }
    }

    @Test
    void toString_isRedacted_andCloseDisablesTheKey() throws Exception {
        SecretStorageKey k = SecretStorageKey.fromRecoveryKey(RUST_RECOVERY_KEY);
        String s = k.toString();
        assertFalse(s.contains(RUST_KEY_HEX) || s.contains(RUST_KEY_B64) || s.contains(RUST_RECOVERY_KEY) || s.contains("EsTj"), s);
        k.close();
        assertThrows(IllegalStateException.class, k::exportBytes);
        assertThrows(IllegalStateException.class, k::toRecoveryKey);
        assertThrows(IllegalStateException.class, () -> SecretStorage.encrypt("n", "s", k, "K"));
    }
}
