package keybackup.backup;

import java.io.IOException;
import java.util.Objects;

/**
 * An encrypted key export (the {@code -----BEGIN MEGOLM SESSION DATA-----} file) could not be read: the
 * {@link Kind} says why, the message is one line and never holds passphrase, key or plaintext bytes.
 * It is an {@link IOException} (like {@code java.util.zip.ZipException}) because a streaming reader can
 * only report through {@code read}; catch it before a plain {@code IOException} to tell a bad file from
 * a failing disk.
 */
public final class KeyExportException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the file was refused. */
    public enum Kind {
        /** Not the armoured format: no header line, text outside the armour, a bad base64 character. */
        BAD_ARMOUR,
        /** The file ends early: no footer line, or fewer bytes than version, salt, IV, rounds and MAC. */
        TRUNCATED,
        /** The version byte is not {@code 0x01}, the only version the spec defines. */
        UNSUPPORTED_VERSION,
        /** The PBKDF2 round count is 0 or above {@link EncryptedKeyExport#MAX_ROUNDS}. */
        ROUNDS_OUT_OF_RANGE,
        /**
         * The HMAC does not match. The format has no separate passphrase check, so a wrong passphrase and
         * a file changed after it was written look the same.
         */
        WRONG_PASSPHRASE_OR_MODIFIED
    }

    /** Why the file was refused; never null. */
    private final Kind kind;

    /**
     * Makes the exception.
     *
     * @param kind why the file was refused
     * @param message one line saying what is wrong, without passphrase, key or plaintext bytes
     * @throws NullPointerException if {@code kind} is null
     */
    public KeyExportException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * Says why the file was refused, for callers that react differently to each reason.
     *
     * @return the kind; never null
     */
    public Kind kind() {
        return kind;
    }
}
