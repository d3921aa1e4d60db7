package keybackup.secrets;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.KeyFormatException;
import keybackup.keys.PassphraseKey;

/**
 * A Secret Storage key description: the content of account data {@code m.secret_storage.key.<key ID>}
 * (protocol.md §8.3). Immutable; keeps the JSON it was parsed from.
 *
 * <p>{@link #parse} accepts only the algorithm {@value SecretStorage#ALGORITHM}. Its {@code iv} and
 * {@code mac} must decode (padded or unpadded base64) to 16 and 32 bytes, as matrix-rust-sdk requires;
 * a {@code passphrase} object with algorithm {@code m.pbkdf2} must carry a string {@code salt} of 1 to
 * {@value PassphraseKey#MAX_SALT_LENGTH} characters, an integer {@code iterations} of at least 1 and an
 * optional integer {@code bits} (default 256) that is a multiple of 8 in [256, 4096], with iterations ×
 * 512-bit blocks at most {@value PassphraseKey#MAX_ITERATIONS} (so deriving the key takes seconds, not
 * hours, whatever the server serves). A passphrase object with another algorithm is kept in the JSON but
 * offers no parameters: the key is still usable with its recovery key.
 *
 * <p>Security property of {@link #check}: it says whether a key matches the description's key-check MAC
 * (protocol.md §8.4: the MAC of 32 zero bytes encrypted under the name ""), compared in constant time, or that
 * there is no key check. {@link #checkKey} keeps the spec's reading rule (no check: assume the key is
 * right; the MAC on each stored secret still stops a wrong key from decrypting anything).
 *
 * <p>The write rule, {@link #requireWritable}: a secret may be written under a key only when this
 * device ran the key check and it {@link Check#MATCHES matched}, and, for an {@code m.pbkdf2} key, the
 * description asks for at least {@value #MIN_ITERATIONS_FOR_WRITING} iterations. The server stores the
 * description, so without this rule it could remove the key check and lower the iteration count, have the
 * client accept a key derived with one iteration, and then test passphrase guesses at that cost against the
 * MACs of every secret written under it. Reading under such a key stays allowed (old accounts); the
 * reason is then reported by {@link #writeWeakness} so that it can be shown as a warning.
 */
public final class KeyDescription {
    /** The {@code m.pbkdf2} parameters of a passphrase-derived key (protocol.md §7.2). The salt is UTF-8 text. */
    public record Pbkdf2(String salt, int iterations, int bits) {
        /**
         * Holds the parameters. Only the salt's presence is checked here: {@link KeyDescription#parse} applies
         * the bounds to what the server serves, and {@link PassphraseKey#derive} applies them again.
         *
         * @param salt the salt string, used as its UTF-8 bytes
         * @param iterations the PBKDF2 iteration count
         * @param bits the length of the derived key in bits
         * @throws NullPointerException if {@code salt} is null
         */
        public Pbkdf2 {
            Objects.requireNonNull(salt, "salt");
        }
    }

    /** What this device's key check says about a key ({@link #check}). */
    public enum Check {
        /** The description has {@code iv} and {@code mac}, and the key's check MAC equals {@code mac}. */
        MATCHES,
        /** The description has a key check and the key does not match it: the wrong key or passphrase. */
        MISMATCH,
        /** The description has no {@code iv} or no {@code mac}: nothing tells whether the key is right. */
        ABSENT
    }

    /**
     * Fewest {@code m.pbkdf2} iterations a key may have for secrets to be written under it: what
     * matrix-js-sdk (Element Web, since its first passphrase keys in 2018; {@code RECOVERY_KEY_DERIVATION_ITERATIONS}),
     * matrix-rust-sdk ({@code DEFAULT_PBKDF_ITERATIONS}, Element X) and the Dart SDK write. No key that
     * these clients created is refused; any lower count was chosen by someone else.
     */
    public static final int MIN_ITERATIONS_FOR_WRITING = 500_000;

    /** The passphrase algorithm this module implements. */
    public static final String PBKDF2 = "m.pbkdf2";
    /** {@code bits} when the passphrase object omits it (spec). */
    public static final int DEFAULT_BITS = 256;
    private static final int MAX_BITS = 4096;

    private final Json.Obj json;
    private final Pbkdf2 passphrase;
    private final byte[] iv;  // null when absent
    private final byte[] mac; // null when absent

    private KeyDescription(Json.Obj json, Pbkdf2 passphrase, byte[] iv, byte[] mac) {
        this.json = json;
        this.passphrase = passphrase;
        this.iv = iv;
        this.mac = mac;
    }

    /**
     * Parses and validates the content of {@code m.secret_storage.key.<key ID>}, as the class comment
     * describes. Members this class does not know are kept in {@link #json()} and otherwise ignored.
     *
     * @param content the account data content, as served
     * @return the description
     * @throws SecretStorageException {@code UNSUPPORTED} when {@code algorithm} is not
     *     {@value SecretStorage#ALGORITHM}; {@code MALFORMED} when {@code algorithm} is missing or not a
     *     string, {@code name} is not a string, {@code iv} or {@code mac} is not base64 of 16 or 32 bytes,
     *     {@code passphrase} is not an object or has no string {@code algorithm}, or an {@code m.pbkdf2}
     *     passphrase breaks the bounds above
     * @throws NullPointerException if {@code content} is null
     */
    public static KeyDescription parse(Json.Obj content) throws SecretStorageException {
        Objects.requireNonNull(content, "content");
        String algorithm = requireString(content, "algorithm", "algorithm");
        if (!SecretStorage.ALGORITHM.equals(algorithm)) throw unsupported("algorithm: unsupported (only " + SecretStorage.ALGORITHM + ")");
        if (content.has("name") && content.string("name") == null) throw malformed("name: expected a string");
        byte[] iv = optionalBase64(content, "iv", AesHmacSha2.IV_LENGTH);
        byte[] mac = optionalBase64(content, "mac", AesHmacSha2.MAC_LENGTH);
        return new KeyDescription(content, parsePassphrase(content), iv, mac);
    }

    private static Pbkdf2 parsePassphrase(Json.Obj content) throws SecretStorageException {
        if (!content.has("passphrase")) return null;
        Json.Obj p = content.object("passphrase");
        if (p == null) throw malformed("passphrase: expected an object");
        String algorithm = requireString(p, "algorithm", "passphrase.algorithm");
        if (!PBKDF2.equals(algorithm)) return null; // unknown derivation: keep the key usable by recovery key
        String salt = requireString(p, "salt", "passphrase.salt");
        // The JDK's PBKDF2 throws IllegalArgumentException on an empty salt; a huge one is pointless work.
        if (salt.isEmpty()) throw malformed("passphrase.salt: empty");
        if (salt.length() > PassphraseKey.MAX_SALT_LENGTH) {
            throw malformed("passphrase.salt: longer than " + PassphraseKey.MAX_SALT_LENGTH + " characters");
        }
        long iterations = requireInt(p, "iterations", "passphrase.iterations");
        if (iterations < 1 || iterations > PassphraseKey.MAX_ITERATIONS) {
            throw malformed("passphrase.iterations: out of range: " + iterations + " (1 to " + PassphraseKey.MAX_ITERATIONS + ")");
        }
        long bits = p.has("bits") ? requireInt(p, "bits", "passphrase.bits") : DEFAULT_BITS;
        // Fewer than 256 bits would be weaker than a random key; no client writes that (rust-sdk always derives 256).
        if (bits < DEFAULT_BITS || bits > MAX_BITS || bits % 8 != 0) throw malformed("passphrase.bits: must be a multiple of 8 in [256, 4096], got " + bits);
        // Each 512-bit output block costs the full iteration count: bound the product, not each factor.
        if (PassphraseKey.work(iterations, bits) > PassphraseKey.MAX_ITERATIONS) {
            throw malformed("passphrase.iterations: " + iterations + " with " + bits + " bits is over the limit of "
                    + PassphraseKey.MAX_ITERATIONS + " iterations of 512 bits");
        }
        return new Pbkdf2(salt, (int) iterations, (int) bits);
    }

    /**
     * Whether {@code key} is the key this description was made for: recomputes the key-check MAC with
     * the stored IV and compares it with the stored MAC in constant time. True when {@code iv} or
     * {@code mac} is absent (spec: assume valid). For the write rule use {@link #check}, which tells
     * the two apart.
     *
     * @param key the key to test; it stays the caller's
     * @return false only when the description has a key check and {@code key} fails it
     * @throws IllegalStateException if the description has a key check and {@code key} has been closed
     */
    public boolean checkKey(SecretStorageKey key) {
        return check(key) != Check.MISMATCH;
    }

    /**
     * Runs the key check (protocol.md §8.4): recomputes the MAC of 32 zero bytes encrypted under the name "" with
     * the stored IV and compares it with the stored MAC in constant time. The computed MAC is zeroed.
     *
     * @param key the key to test; it stays the caller's
     * @return {@link Check#ABSENT} without a key check, else {@link Check#MATCHES} or {@link Check#MISMATCH}
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if the description has a key check and {@code key} has been closed
     */
    public Check check(SecretStorageKey key) {
        Objects.requireNonNull(key, "key");
        if (!hasKeyCheck()) return Check.ABSENT;
        byte[] computed = AesHmacSha2.keyCheckMac(key.material(), iv);
        try {
            return Bytes.constantTimeEquals(computed, mac) ? Check.MATCHES : Check.MISMATCH;
        } finally {
            Bytes.zero(computed);
        }
    }

    /**
     * Tells whether a key can be checked against this description.
     *
     * @return true when the description has both {@code iv} and {@code mac}
     */
    public boolean hasKeyCheck() {
        return iv != null && mac != null;
    }

    /**
     * Why secrets must not be written under this key, given what this device's key check said, as one
     * lowercase clause; empty when the write rule (class doc) allows writing.
     *
     * @param check what {@link #check} said about the key on this device
     * @return the reason writing is refused, or empty when it is allowed
     * @throws NullPointerException if {@code check} is null
     */
    public Optional<String> writeWeakness(Check check) {
        Objects.requireNonNull(check, "check");
        if (check == Check.ABSENT) return Optional.of("it has no key check (iv/mac), so this device cannot tell whether the key is right");
        if (check == Check.MISMATCH) return Optional.of("the key does not pass its key check");
        if (passphrase != null && passphrase.iterations() < MIN_ITERATIONS_FOR_WRITING) {
            return Optional.of("its passphrase is stretched with only " + passphrase.iterations() + " PBKDF2 iterations (at least "
                    + MIN_ITERATIONS_FOR_WRITING + " are needed to write secrets)");
        }
        return Optional.empty();
    }

    /**
     * Enforces the write rule (class doc) before a secret is written under key {@code keyId}.
     *
     * @param keyId the key's ID, named in the error message
     * @param check what {@link #check} said about the key on this device
     * @throws SecretStorageException {@code WEAK_KEY}, with the reason and what to do, when
     *     {@link #writeWeakness} names one
     */
    public void requireWritable(String keyId, Check check) throws SecretStorageException {
        Optional<String> weakness = writeWeakness(check);
        if (weakness.isPresent()) {
            throw new SecretStorageException(SecretStorageException.Reason.WEAK_KEY, "refusing to write secrets under secret storage key "
                    + keyId + ": " + weakness.get() + "; nothing was written. Replace it with a new key (in Element: "
                    + "reset or change the recovery key), then try again");
        }
    }

    /**
     * A new key description for {@code key}: algorithm, a fresh random IV with bit 63 cleared, its
     * key-check MAC, both unpadded base64, plus {@code name} and {@code passphrase} when not null.
     * A malformed {@code passphraseOrNull} is a caller bug ({@link IllegalArgumentException}).
     *
     * @param key the key the description is for; it stays the caller's
     * @param name the key's display name, or null for none
     * @param passphraseOrNull the {@code passphrase} object of a passphrase-derived key, or null for none
     * @return the content to store as {@code m.secret_storage.key.<key ID>}
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code passphraseOrNull} is one {@link #parse} would refuse, or
     *     {@code name} holds a lone surrogate
     * @throws IllegalStateException if {@code key} has been closed
     */
    public static Json.Obj create(SecretStorageKey key, String name, Json.Obj passphraseOrNull) {
        Objects.requireNonNull(key, "key");
        byte[] iv = SecretStorage.randomIv(new SecureRandom());
        byte[] mac = AesHmacSha2.keyCheckMac(key.material(), iv);
        Json.Obj out = Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM),
                "iv", Json.of(Base64Unpadded.encode(iv)), "mac", Json.of(Base64Unpadded.encode(mac)));
        if (name != null) out = out.with("name", Json.of(name));
        if (passphraseOrNull != null) {
            out = out.with("passphrase", passphraseOrNull);
            try {
                parse(out);
            } catch (SecretStorageException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Names the encryption algorithm.
     *
     * @return always {@value SecretStorage#ALGORITHM}: parse rejects anything else
     */
    public String algorithm() {
        return SecretStorage.ALGORITHM;
    }

    /**
     * Gives the passphrase parameters, already checked against the bounds in the class comment.
     *
     * @return the {@code m.pbkdf2} parameters, or null when the key is not passphrase-derived or uses another
     *     derivation
     */
    public Pbkdf2 passphrase() {
        return passphrase;
    }

    /**
     * Gives the content this description was parsed from, unknown members included.
     *
     * @return the content, unchanged
     */
    public Json.Obj json() {
        return json;
    }

    @Override
    public String toString() {
        return "KeyDescription[algorithm=" + SecretStorage.ALGORITHM + ", keyCheck=" + hasKeyCheck()
                + ", passphrase=" + (passphrase != null) + "]";
    }

    private static String requireString(Json.Obj o, String key, String field) throws SecretStorageException {
        if (!o.has(key)) throw malformed(field + ": missing");
        String s = o.string(key);
        if (s == null) throw malformed(field + ": expected a string");
        return s;
    }

    private static long requireInt(Json.Obj o, String key, String field) throws SecretStorageException {
        if (!o.has(key)) throw malformed(field + ": missing");
        if (o.get(key) instanceof Json.Int n) return n.value();
        throw malformed(field + ": expected an integer");
    }

    private static byte[] optionalBase64(Json.Obj o, String key, int length) throws SecretStorageException {
        if (!o.has(key)) return null;
        String s = o.string(key);
        if (s == null) throw malformed(key + ": expected a string");
        try {
            return Base64Unpadded.decode(key, s, length);
        } catch (KeyFormatException e) {
            throw malformed(e.getMessage());
        }
    }

    private static SecretStorageException malformed(String message) {
        return new SecretStorageException(SecretStorageException.Reason.MALFORMED, message);
    }

    private static SecretStorageException unsupported(String message) {
        return new SecretStorageException(SecretStorageException.Reason.UNSUPPORTED, message);
    }
}
