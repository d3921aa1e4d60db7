package keybackup.backup;

/**
 * One backed-up session could not be decrypted: malformed {@code ephemeral} or {@code ciphertext},
 * small-order key agreement, bad padding, invalid UTF-8, or a plaintext that is not a strict JSON object
 * (protocol.md §6.6). The message names the field and never contains key material or plaintext. A MAC
 * that does not match is not this exception: see {@link MegolmBackupV1.MacCheck}.
 */
public final class DecryptionException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Makes the exception.
     *
     * @param message one line naming the field and what is wrong, without key material or plaintext
     */
    public DecryptionException(String message) {
        super(message);
    }
}
