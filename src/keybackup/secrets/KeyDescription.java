package keybackup.secrets;

import java.security.SecureRandom;
import java.util.Objects;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.KeyFormatException;
import keybackup.keys.PassphraseKey;

/**
 * A Secret Storage key description: the content of account data {@code m.secret_storage.key.<key ID>}
 * (digest 05 §2.2). Immutable; keeps the JSON it was parsed from.
 *
 * <p>{@link #parse} accepts only the algorithm {@value SecretStorage#ALGORITHM}. Its {@code iv} and
 * {@code mac} must decode (padded or unpadded base64) to 16 and 32 bytes, as matrix-rust-sdk requires;
 * a {@code passphrase} object with algorithm {@code m.pbkdf2} must carry a string {@code salt}, an
 * integer {@code iterations} in [1, {@value PassphraseKey#MAX_ITERATIONS}] and an optional integer
 * {@code bits} (default 256) that is a multiple of 8 in [256, 4096]. A passphrase object with another
 * algorithm is kept in the JSON but offers no parameters: the key is still usable with its recovery key.
 *
 * <p>Security property of {@link #checkKey}: it says whether a key matches the description's key-check
 * MAC, compared in constant time. When {@code iv} or {@code mac} is absent the spec says to assume the
 * key is right, so it returns {@code true}; the MAC on each stored secret still stops a wrong key from
 * decrypting anything.
 */
public final class KeyDescription {
    /** The {@code m.pbkdf2} parameters of a passphrase-derived key (digest 04 §9.1). The salt is used as UTF-8 text. */
    public record Pbkdf2(String salt, int iterations, int bits) {
        public Pbkdf2 {
            Objects.requireNonNull(salt, "salt");
        }
    }

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

    /** Parses and validates the content of {@code m.secret_storage.key.<key ID>}. */
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
        long iterations = requireInt(p, "iterations", "passphrase.iterations");
        if (iterations < 1 || iterations > PassphraseKey.MAX_ITERATIONS) throw malformed("passphrase.iterations: out of range: " + iterations);
        long bits = p.has("bits") ? requireInt(p, "bits", "passphrase.bits") : DEFAULT_BITS;
        // Fewer than 256 bits would be weaker than a random key; no client writes that (rust-sdk always derives 256).
        if (bits < DEFAULT_BITS || bits > MAX_BITS || bits % 8 != 0) throw malformed("passphrase.bits: must be a multiple of 8 in [256, 4096], got " + bits);
        return new Pbkdf2(salt, (int) iterations, (int) bits);
    }

    /**
     * Whether {@code key} is the key this description was made for: recomputes the key-check MAC with
     * the stored IV and compares it with the stored MAC in constant time. True when {@code iv} or
     * {@code mac} is absent (spec: assume valid).
     */
    public boolean checkKey(SecretStorageKey key) {
        Objects.requireNonNull(key, "key");
        if (iv == null || mac == null) return true;
        byte[] computed = AesHmacSha2.keyCheckMac(key.material(), iv);
        try {
            return Bytes.constantTimeEquals(computed, mac);
        } finally {
            Bytes.zero(computed);
        }
    }

    /**
     * A new key description for {@code key}: algorithm, a fresh random IV with bit 63 cleared, its
     * key-check MAC, both unpadded base64, plus {@code name} and {@code passphrase} when not null.
     * A malformed {@code passphraseOrNull} is a caller bug ({@link IllegalArgumentException}).
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

    /** Always {@value SecretStorage#ALGORITHM}: parse rejects anything else. */
    public String algorithm() {
        return SecretStorage.ALGORITHM;
    }

    /** The {@code m.pbkdf2} parameters, or null when the key is not passphrase-derived (or uses another derivation). */
    public Pbkdf2 passphrase() {
        return passphrase;
    }

    /** The content this description was parsed from, unchanged. */
    public Json.Obj json() {
        return json;
    }

    @Override
    public String toString() {
        return "KeyDescription[algorithm=" + SecretStorage.ALGORITHM + ", keyCheck=" + (iv != null && mac != null)
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
