package keybackup.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Recovery keys and key files are capped before any super-linear work (issue 11: base58 decoding of 128 KiB
 * took 3 s, of 256 KiB 14 s). Checked by the refusal and its reason, not by a clock.
 */
class RecoveryKeyBoundsTest {
    private static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < KEY.length; i++) KEY[i] = (byte) (i * 7 + 1);
    }

    @Test
    void decode_textOverTheCap_refusedBeforeDecoding() {
        String huge = "z".repeat(8 * 1024);
        KeyFormatException e = assertThrows(KeyFormatException.class, () -> RecoveryKey.decode(huge));
        assertEquals("recovery key: over 1024 characters (a recovery key is 48 characters and spaces)", e.getMessage());
    }

    @Test
    void decode_moreBase58CharactersThanAKeyNeeds_badLengthWithoutDecoding() {
        KeyFormatException e = assertThrows(KeyFormatException.class, () -> RecoveryKey.decode("2".repeat(65)));
        assertEquals("recovery key: bad length (expected 48 base58 characters, got 65)", e.getMessage());
    }

    @Test
    void decode_keyWithGenerousWhitespaceUnderTheCap_accepted() throws Exception {
        String spaced = String.join("\n\t  ", RecoveryKey.encode(KEY).split(" ")) + " ".repeat(900);
        assertTrue(spaced.length() <= RecoveryKey.MAX_TEXT_LENGTH);
        assertArrayEquals(KEY, RecoveryKey.decode(spaced));
    }

    @Test
    void fromKeyFileText_overTheKeyFileCap_refused() {
        String text = RecoveryKey.encode(KEY) + "\n".repeat(BackupDecryptionKey.MAX_KEY_FILE_LENGTH);
        KeyFormatException e = assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.fromKeyFileText(text));
        assertEquals("key file: over 4096 characters (expected one key)", e.getMessage());
    }

    @Test
    void fromKeyFileText_recoveryKeyWithTrailingLinesUnderTheCap_accepted() throws Exception {
        String text = RecoveryKey.encode(KEY) + "\n".repeat(3000);
        try (BackupDecryptionKey k = BackupDecryptionKey.fromKeyFileText(text)) {
            assertArrayEquals(KEY, k.exportBytes());
        }
    }
}
