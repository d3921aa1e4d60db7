package keybackup.secrets;

import java.util.Objects;

/**
 * A Secret Storage operation failed. The {@link Reason} says which kind of failure it was, so callers
 * (and tests) can tell "nothing stored under this key" from "wrong key or tampered data" without
 * parsing messages. Messages are lowercase and name the secret, field or key ID; they never contain
 * key material, MACs computed from it, or plaintext.
 */
public final class SecretStorageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The kind of failure. */
    public enum Reason {
        /** The content is {@code {}}, has no {@code encrypted} map, or no entry for the key ID (protocol.md §8.1). */
        NOT_STORED,
        /** A field is missing, has the wrong JSON type, is not base64, or has the wrong byte length. */
        MALFORMED,
        /** An algorithm (key description or passphrase) other than the one this module implements. */
        UNSUPPORTED,
        /** The MAC does not match: wrong key, wrong secret name, or tampered data. Nothing was decrypted. */
        BAD_MAC,
        /** The MAC matched but the plaintext is not valid UTF-8 or not the encoding this secret requires. */
        BAD_PLAINTEXT,
        /** A passphrase was given but the key description has no usable passphrase parameters. */
        NO_PASSPHRASE,
        /**
         * A secret was about to be written under a key that breaks the write rule of
         * {@link KeyDescription#requireWritable}: no key check, a key check this device did not pass, or a
         * passphrase with fewer than {@value KeyDescription#MIN_ITERATIONS_FOR_WRITING} iterations.
         * Nothing was written; reading under the same key is still allowed.
         */
        WEAK_KEY
    }

    /** The kind of failure; never null. */
    private final Reason reason;

    SecretStorageException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Says which kind of failure this is, for callers that react differently to each.
     *
     * @return the reason; never null
     */
    public Reason reason() {
        return reason;
    }
}
