package keybackup.backup;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import keybackup.backup.KeyExportException.Kind;

/**
 * The 37 bytes that open an encrypted key export's payload: version ‖ salt (16) ‖ IV (16) ‖ rounds
 * (4, big-endian). They are read and checked before anything is derived, and covered by the MAC.
 */
record ExportPrefix(byte[] bytes, byte[] salt, byte[] iv, int rounds) {
    /** version ‖ salt ‖ IV ‖ rounds. */
    static final int LENGTH = 1 + EncryptedKeyExport.SALT_LENGTH + EncryptedKeyExport.IV_LENGTH + 4;
    private static final int SALT_OFFSET = 1;
    private static final int IV_OFFSET = SALT_OFFSET + EncryptedKeyExport.SALT_LENGTH;   // 17
    private static final int ROUNDS_OFFSET = IV_OFFSET + EncryptedKeyExport.IV_LENGTH;   // 33

    /** Reads and checks the prefix: version first, then the length, then the round count. */
    static ExportPrefix read(InputStream payload) throws IOException {
        byte[] b = payload.readNBytes(LENGTH);
        if (b.length >= 1 && (b[0] & 0xff) != EncryptedKeyExport.VERSION) {
            throw new KeyExportException(Kind.UNSUPPORTED_VERSION,
                    "unsupported key export version " + (b[0] & 0xff) + " (expected 1)");
        }
        if (b.length < LENGTH) {
            throw new KeyExportException(Kind.TRUNCATED, "the payload is " + b.length + " bytes, shorter than its "
                    + (LENGTH + EncryptedKeyExport.MAC_LENGTH) + "-byte minimum");
        }
        int r = ROUNDS_OFFSET;
        long rounds = (b[r] & 0xffL) << 24 | (b[r + 1] & 0xff) << 16 | (b[r + 2] & 0xff) << 8 | (b[r + 3] & 0xff);
        if (rounds < 1 || rounds > EncryptedKeyExport.MAX_ROUNDS) {
            throw new KeyExportException(Kind.ROUNDS_OUT_OF_RANGE,
                    "PBKDF2 rounds " + rounds + " out of range (1 to " + EncryptedKeyExport.MAX_ROUNDS + ")");
        }
        return new ExportPrefix(b, Arrays.copyOfRange(b, SALT_OFFSET, IV_OFFSET),
                Arrays.copyOfRange(b, IV_OFFSET, ROUNDS_OFFSET), (int) rounds);
    }

    /** The prefix of a new export; the caller checked the lengths and the round count. */
    static ExportPrefix of(byte[] salt, byte[] iv, int rounds) {
        byte[] prefix = new byte[LENGTH];
        prefix[0] = EncryptedKeyExport.VERSION;
        System.arraycopy(salt, 0, prefix, SALT_OFFSET, EncryptedKeyExport.SALT_LENGTH);
        System.arraycopy(iv, 0, prefix, IV_OFFSET, EncryptedKeyExport.IV_LENGTH);
        prefix[ROUNDS_OFFSET] = (byte) (rounds >>> 24);
        prefix[ROUNDS_OFFSET + 1] = (byte) (rounds >>> 16);
        prefix[ROUNDS_OFFSET + 2] = (byte) (rounds >>> 8);
        prefix[ROUNDS_OFFSET + 3] = (byte) rounds;
        return new ExportPrefix(prefix, salt.clone(), iv.clone(), rounds);
    }
}
