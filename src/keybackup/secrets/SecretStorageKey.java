package keybackup.secrets;

import java.security.SecureRandom;
import java.util.Objects;
import keybackup.internal.Bytes;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.KeyFormatException;
import keybackup.keys.PassphraseKey;
import keybackup.keys.RecoveryKey;

/**
 * A Secret Storage key (protocol.md §8.3): 32 random bytes, shown to users in the recovery-key format
 * (protocol.md §7.1), or derived from a passphrase with {@code m.pbkdf2} (protocol.md §7.2).
 *
 * <p>Security properties: not a record and no {@code equals} (nothing compares or prints the bytes);
 * {@code toString} is redacted; {@link #close()} zeroes the bytes and makes every later use fail. The only
 * ways the bytes leave this object are {@link #toRecoveryKey()} (to show the user) and
 * {@link #exportBytes()} (an explicitly insecure copy). Whether a key is the right one for a given key
 * description is decided by {@link KeyDescription#checkKey}, never here.
 *
 * <p>A passphrase key whose description asks for {@code bits} other than 256 has {@code bits}/8 bytes, as
 * in matrix-js-sdk (protocol.md §7.2); such a key works for encryption (HKDF accepts any input length) but has no
 * recovery-key form.
 */
public final class SecretStorageKey implements AutoCloseable {
    /** Length of a generated or recovery-key Secret Storage key. */
    public static final int LENGTH = 32;

    /** Length in characters of unpadded base64 of 32 bytes; what a key file in base64 holds. */
    private static final int BASE64_LENGTH = 43;

    private final byte[] key;
    private boolean closed;

    private SecretStorageKey(byte[] key) {
        this.key = key.clone();
    }

    /**
     * Generates a fresh 32-byte key from the JDK's default {@link SecureRandom}. The temporary array is zeroed.
     *
     * @return the new key, owned by the caller, who closes it when done
     */
    public static SecretStorageKey generate() {
        byte[] k = new byte[LENGTH];
        new SecureRandom().nextBytes(k);
        try {
            return new SecretStorageKey(k);
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * Makes the key of 32 raw bytes. A wrong length is a caller bug, not bad input.
     *
     * @param key32 the secret bytes; copied, so the caller keeps its array and should zero it when done
     * @return the key, owned by the caller, who closes it when done
     * @throws NullPointerException if {@code key32} is null
     * @throws IllegalArgumentException if {@code key32} is not exactly {@value #LENGTH} bytes long
     */
    public static SecretStorageKey fromBytes(byte[] key32) {
        Objects.requireNonNull(key32, "key32");
        if (key32.length != LENGTH) throw new IllegalArgumentException("secret storage key: expected 32 bytes, got " + key32.length);
        return new SecretStorageKey(key32);
    }

    /**
     * Makes the key of its recovery-key text (base58, whitespace ignored; protocol.md §7.1). The decoded array is
     * zeroed before returning. Whether it is the right key is for {@link KeyDescription#check} to say.
     *
     * @param text the recovery key as the user typed or pasted it
     * @return the key, owned by the caller, who closes it when done
     * @throws SecretStorageException {@code MALFORMED} when the text is not a valid recovery key (too long,
     *     not base58, wrong length, wrong prefix or wrong parity; the message says which)
     * @throws NullPointerException if {@code text} is null
     */
    public static SecretStorageKey fromRecoveryKey(String text) throws SecretStorageException {
        Objects.requireNonNull(text, "text");
        byte[] k = null;
        try {
            k = RecoveryKey.decode(text);
            return new SecretStorageKey(k);
        } catch (KeyFormatException e) {
            throw new SecretStorageException(SecretStorageException.Reason.MALFORMED, e.getMessage());
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * From the text of a key file, which holds either a recovery key or the unpadded (or padded) base64
     * of the 32 bytes. The shape decides, without trying one and then the other: if the first line,
     * trimmed, is 43 characters, or 44 ending in '=', and has no inner whitespace, it is base64 (a
     * recovery key is 48 characters without its spaces and 59 with them); anything else is read as a
     * recovery key, whitespace and line breaks anywhere ignored. Decoded arrays are zeroed before returning.
     *
     * @param text the whole content of the key file
     * @return the key, owned by the caller, who closes it when done
     * @throws SecretStorageException {@code MALFORMED} when the text is blank, has the base64 shape but is not
     *     base64 of 32 bytes, or is read as a recovery key and is not a valid one
     * @throws NullPointerException if {@code text} is null
     */
    public static SecretStorageKey fromKeyFileText(String text) throws SecretStorageException {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) throw new SecretStorageException(SecretStorageException.Reason.MALFORMED, "key file: empty");
        int nl = text.indexOf('\n');
        String first = (nl >= 0 ? text.substring(0, nl) : text).strip();
        boolean base64Shape = first.chars().noneMatch(Character::isWhitespace)
                && (first.length() == BASE64_LENGTH || (first.length() == BASE64_LENGTH + 1 && first.endsWith("=")));
        if (!base64Shape) return fromRecoveryKey(text);
        byte[] k = null;
        try {
            k = Base64Unpadded.decode("key file (base64 key)", first, LENGTH);
            return new SecretStorageKey(k);
        } catch (KeyFormatException e) {
            throw new SecretStorageException(SecretStorageException.Reason.MALFORMED, e.getMessage());
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * Derives the key from {@code passphrase} with the description's {@code m.pbkdf2} parameters
     * (PBKDF2-HMAC-SHA-512, salt = UTF-8 of the salt string, {@code bits}/8 bytes). Whether the
     * passphrase was right is then for {@link KeyDescription#checkKey} to say. The caller wipes
     * {@code passphrase} when done.
     *
     * @param passphrase the passphrase; not changed or kept
     * @param description the key description holding the salt, iteration count and output length
     * @return the derived key of {@code bits}/8 bytes, owned by the caller, who closes it when done
     * @throws SecretStorageException {@code UNSUPPORTED} when the description's passphrase uses an algorithm
     *     other than {@value KeyDescription#PBKDF2}; {@code NO_PASSPHRASE} when it has no passphrase at all;
     *     {@code MALFORMED} when {@link PassphraseKey#derive} refuses the parameters (no hashing is done then)
     * @throws NullPointerException if {@code passphrase} or {@code description} is null
     */
    public static SecretStorageKey fromPassphrase(char[] passphrase, KeyDescription description) throws SecretStorageException {
        Objects.requireNonNull(passphrase, "passphrase");
        KeyDescription.Pbkdf2 p = description.passphrase();
        if (p == null) {
            if (description.json().has("passphrase")) {
                throw new SecretStorageException(SecretStorageException.Reason.UNSUPPORTED, "passphrase.algorithm: unsupported (only m.pbkdf2)");
            }
            throw new SecretStorageException(SecretStorageException.Reason.NO_PASSPHRASE, "passphrase: key description has none");
        }
        byte[] k = null;
        try {
            k = PassphraseKey.derive(passphrase, p.salt(), p.iterations(), p.bits());
            return new SecretStorageKey(k);
        } catch (KeyFormatException e) {
            throw new SecretStorageException(SecretStorageException.Reason.MALFORMED, e.getMessage());
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * Writes this key as a recovery key, to show to the user (never to log); as a {@code String} it cannot
     * be wiped.
     *
     * @return the recovery-key text, 48 base58 characters in groups of four
     * @throws IllegalStateException if this key has been closed, or is a passphrase key of other than 32 bytes
     */
    public String toRecoveryKey() {
        byte[] k = material();
        if (k.length != LENGTH) throw new IllegalStateException("secret storage key: a " + k.length + "-byte passphrase key has no recovery-key form");
        return RecoveryKey.encode(k);
    }

    /**
     * INSECURE EXPORT: a copy of the raw key bytes, for writing a key file or handing to another
     * library. The caller must zero the returned array when done.
     *
     * @return a new array with the key bytes (32, or {@code bits}/8 for a passphrase key), owned by the caller
     * @throws IllegalStateException if this key has been closed
     */
    public byte[] exportBytes() {
        return material().clone();
    }

    /**
     * The key bytes themselves, for this package's crypto only: not copied, so callers here must
     * neither modify nor keep the array.
     */
    byte[] material() {
        if (closed) throw new IllegalStateException("secret storage key: used after close()");
        return key;
    }

    /** Zeroes the key bytes; any later use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        Bytes.zero(key);
    }

    @Override
    public String toString() {
        return "SecretStorageKey[<redacted>]";
    }
}
