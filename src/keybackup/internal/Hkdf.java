package keybackup.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-SHA-256 (RFC 5869), which JDK 17 lacks. Matrix uses it with a salt of 32 zero bytes; an empty
 * salt (libolm), one zero byte (vodozemac) and 8 zero bytes (matrix-js-sdk) give the same PRK because
 * HMAC zero-pads short keys, but the JDK refuses an empty key, hence the 32 zero bytes here.
 */
public final class Hkdf {
    private Hkdf() {}

    public static final byte[] ZERO_SALT = new byte[32];

    /** {@code length} bytes of output key material. */
    public static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length) {
        if (length <= 0 || length > 255 * 32) throw new IllegalArgumentException("bad HKDF length " + length);
        byte[] prk = null;
        byte[] t = new byte[0];
        try (Reused.Lease<Mac> lease = Reused.hmacSha256()) {
            Mac mac = lease.get();
            mac.init(new SecretKeySpec(salt.length == 0 ? ZERO_SALT : salt, "HmacSHA256"));
            prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            byte[] out = new byte[length];
            int done = 0;
            for (int i = 1; done < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                Bytes.zero(t);
                t = mac.doFinal();
                int n = Math.min(t.length, length - done);
                System.arraycopy(t, 0, out, done, n);
                done += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        } finally {
            Bytes.zero(prk, t);
        }
    }
}
