package keybackup.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;
import javax.crypto.spec.PBEKeySpec;
import keybackup.internal.Jca;

/**
 * Passphrase-derived keys ({@code m.pbkdf2}; digest 04 §9): PBKDF2-HMAC-SHA-512 over the UTF-8
 * passphrase with the UTF-8 bytes of the salt string as written (it is not base64-decoded).
 */
public final class PassphraseKey {
    private PassphraseKey() {}

    /** Most iterations accepted from a key description (a hostile value could stall the client). */
    public static final int MAX_ITERATIONS = 10_000_000;

    /**
     * Derives {@code bits}/8 bytes; the caller zeroes the result. The passphrase is a {@code char[]} so
     * that the caller can wipe it when done (the JDK's PBKDF2 encodes it as UTF-8, as the spec asks).
     *
     * @throws KeyFormatException iterations, bits or salt out of range (an empty salt included: the JDK's
     *     PBKDF2 refuses it with an IllegalArgumentException, which must not escape)
     */
    public static byte[] derive(char[] passphrase, String salt, int iterations, int bits) throws KeyFormatException {
        if (iterations < 1 || iterations > MAX_ITERATIONS) throw new KeyFormatException("passphrase.iterations: out of range: " + iterations);
        if (bits < 8 || bits > 4096 || bits % 8 != 0) throw new KeyFormatException("passphrase.bits: must be a multiple of 8 up to 4096, got " + bits);
        if (salt.isEmpty()) throw new KeyFormatException("passphrase.salt: empty");
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
