package keybackup.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;
import javax.crypto.spec.PBEKeySpec;
import keybackup.internal.Jca;

/**
 * Passphrase-derived keys ({@code m.pbkdf2}; protocol.md §7.2): PBKDF2-HMAC-SHA-512 over the UTF-8
 * passphrase with the UTF-8 bytes of the salt string as written (it is not base64-decoded).
 *
 * <p>Bounded time: the parameters come from account data the server serves, so {@link #derive} refuses,
 * with a {@link KeyFormatException} and before any hashing, a salt that is empty (the JDK would throw
 * {@code IllegalArgumentException}) or longer than {@value #MAX_SALT_LENGTH} characters, and any
 * parameters whose cost, iterations × output blocks, exceeds {@value #MAX_ITERATIONS} (seconds on a current
 * machine; a server-chosen 10^9 would stall the client for many minutes).
 */
public final class PassphraseKey {
    private PassphraseKey() {}

    /**
     * Most PBKDF2 work accepted from a key description, counted as iterations × 512-bit output blocks: ten
     * times the 500,000 iterations that matrix-js-sdk (Element), matrix-rust-sdk and the Dart SDK write.
     */
    public static final int MAX_ITERATIONS = 5_000_000;

    /**
     * Longest salt accepted, in UTF-16 characters. Writers use 32 alphanumeric characters (matrix-js-sdk,
     * matrix-rust-sdk) or the 88-character base64 of 64 random bytes (the Dart SDK).
     */
    public static final int MAX_SALT_LENGTH = 256;

    /** Bits of one PBKDF2-HMAC-SHA-512 output block; each block costs the full iteration count. */
    private static final int BLOCK_BITS = 512;

    /**
     * The PBKDF2 work of these parameters: iterations × output blocks. Both must already be positive and
     * {@code bits} at most 4096, so the product fits a long; nothing is checked here.
     *
     * @param iterations the PBKDF2 iteration count
     * @param bits the output length in bits; a partial 512-bit block counts as a whole one
     * @return the work, to compare with {@link #MAX_ITERATIONS}
     */
    public static long work(long iterations, long bits) {
        return iterations * ((bits + BLOCK_BITS - 1) / BLOCK_BITS);
    }

    /**
     * Derives {@code bits}/8 bytes; the caller zeroes the result. The passphrase is a {@code char[]} so
     * that the caller can wipe it when done (the JDK's PBKDF2 encodes it as UTF-8, as the spec asks).
     *
     * @param passphrase the passphrase; not changed or kept (the copy made for the JDK is cleared), so the
     *     caller still owns it and should wipe it when done
     * @param salt the salt string from the key description, used as its UTF-8 bytes
     * @param iterations the iteration count from the key description
     * @param bits the output length in bits from the key description (usually 256)
     * @return the derived key, a new array of {@code bits}/8 bytes owned by the caller
     * @throws KeyFormatException for an empty or over-long salt, iterations below 1, {@code bits} not a
     *     multiple of 8 up to 4096, or work over {@value #MAX_ITERATIONS}; nothing is hashed then
     * @throws IllegalStateException if the JCA provider has no PBKDF2WithHmacSHA512
     */
    public static byte[] derive(char[] passphrase, String salt, int iterations, int bits) throws KeyFormatException {
        if (salt.isEmpty()) throw new KeyFormatException("passphrase.salt: empty");
        if (salt.length() > MAX_SALT_LENGTH) throw new KeyFormatException("passphrase.salt: longer than " + MAX_SALT_LENGTH + " characters");
        if (bits < 8 || bits > 4096 || bits % 8 != 0) throw new KeyFormatException("passphrase.bits: must be a multiple of 8 up to 4096, got " + bits);
        if (iterations < 1 || work(iterations, bits) > MAX_ITERATIONS) {
            throw new KeyFormatException("passphrase.iterations: out of range: " + iterations
                    + (bits > BLOCK_BITS ? " with " + bits + " bits" : "") + " (at most " + MAX_ITERATIONS + " iterations of 512 bits)");
        }
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt.getBytes(StandardCharsets.UTF_8), iterations, bits); // copies it
        try {
            SecretKey k = Jca.secretKeyFactory("PBKDF2WithHmacSHA512").generateSecret(spec);
            return k.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }
}
