package keybackup.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.internal.Bytes;
import keybackup.internal.Hkdf;
import keybackup.internal.Jca;

/**
 * The primitive of {@code m.secret_storage.v1.aes-hmac-sha2} (protocol.md §8.5), used both to encrypt
 * secrets and to compute the key check (protocol.md §8.4, which is this primitive with the name "" over 32 zero
 * bytes):
 * <ol>
 *   <li>HKDF-SHA-256(IKM = key, salt = 32 zero bytes, info = UTF-8(name), L = 64): bytes [0,32) are the
 *       AES key, [32,64) the HMAC key;</li>
 *   <li>ciphertext = AES-256-CTR(AES key, IV, plaintext), the 16-byte IV being the whole initial
 *       counter block, incremented as a 128-bit big-endian integer (JDK {@code AES/CTR/NoPadding});</li>
 *   <li>mac = HMAC-SHA-256(HMAC key, ciphertext), all 32 bytes.</li>
 * </ol>
 * {@link #open} checks the MAC in constant time before it decrypts anything (encrypt-then-MAC). This
 * class neither chooses nor alters IVs: callers pick a random one with bit 63 cleared when writing and
 * pass the stored one unchanged when reading (protocol.md §8.6). Derived keys are zeroed after use; the JCA key
 * objects keep their own copies, so zeroing is best effort.
 */
final class AesHmacSha2 {
    private AesHmacSha2() {}

    static final int IV_LENGTH = 16;
    static final int MAC_LENGTH = 32;
    private static final int KEY_LENGTH = 32;

    /** Ciphertext and MAC of one encryption. */
    record Sealed(byte[] ciphertext, byte[] mac) {}

    /** The 64 HKDF bytes for {@code name}: AES key ‖ HMAC key. The caller zeroes the result. */
    static byte[] deriveKeys(byte[] key, String name) {
        return Hkdf.sha256(key, Hkdf.ZERO_SALT, name.getBytes(StandardCharsets.UTF_8), 2 * KEY_LENGTH);
    }

    /** Encrypts {@code plaintext} under the keys derived from ({@code key}, {@code name}) with {@code iv} as given. */
    static Sealed seal(byte[] key, String name, byte[] plaintext, byte[] iv) {
        if (iv.length != IV_LENGTH) throw new IllegalArgumentException("iv: expected 16 bytes, got " + iv.length);
        byte[] keys = deriveKeys(key, name);
        try {
            byte[] ciphertext = ctr(keys, iv, plaintext);
            return new Sealed(ciphertext, mac(keys, ciphertext));
        } finally {
            Bytes.zero(keys);
        }
    }

    /**
     * Verifies {@code mac} over {@code ciphertext}, then decrypts. Returns null when the MAC does not
     * match (the caller turns that into its own error); the caller zeroes the returned plaintext.
     */
    static byte[] open(byte[] key, String name, byte[] iv, byte[] ciphertext, byte[] mac) {
        if (iv.length != IV_LENGTH) throw new IllegalArgumentException("iv: expected 16 bytes, got " + iv.length);
        byte[] keys = deriveKeys(key, name);
        byte[] expected = null;
        try {
            expected = mac(keys, ciphertext);
            // Constant time, and before any decryption: nothing derived from unauthenticated data leaves here.
            if (!Bytes.constantTimeEquals(expected, mac)) return null;
            return ctr(keys, iv, ciphertext);
        } finally {
            Bytes.zero(keys, expected);
        }
    }

    /** The key-check MAC for {@code iv} (protocol.md §8.4): the MAC of 32 zero bytes sealed under the name "". */
    static byte[] keyCheckMac(byte[] key, byte[] iv) {
        Sealed s = seal(key, "", new byte[KEY_LENGTH], iv);
        // The ciphertext here is the keystream itself (zeros XOR keystream): wipe it.
        Bytes.zero(s.ciphertext());
        return s.mac();
    }

    private static byte[] ctr(byte[] keys, byte[] iv, byte[] input) {
        SecretKeySpec aesKey = new SecretKeySpec(keys, 0, KEY_LENGTH, "AES");
        try {
            Cipher c = Jca.cipher("AES/CTR/NoPadding");
            // CTR is its own inverse: ENCRYPT_MODE serves both directions and makes that explicit.
            c.init(Cipher.ENCRYPT_MODE, aesKey, new IvParameterSpec(iv));
            return c.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is not available", e);
        }
    }

    private static byte[] mac(byte[] keys, byte[] ciphertext) {
        byte[] hmacKey = Arrays.copyOfRange(keys, KEY_LENGTH, 2 * KEY_LENGTH);
        try {
            Mac m = Jca.mac("HmacSHA256");
            m.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            return m.doFinal(ciphertext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        } finally {
            Bytes.zero(hmacKey);
        }
    }
}
