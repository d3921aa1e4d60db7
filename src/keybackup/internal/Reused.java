package keybackup.internal;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A speed measure only: one HMAC-SHA-256, one AES-256-CBC and one X25519 object per thread, lent for the
 * three uses that run for every key of a backup (HKDF and the {@code mac}, the session cipher, the key
 * agreement). Making them anew costs a provider look-up and object set-up on every key, about 3 % of a
 * restore on one core ({@code make bench}). It is not a secrecy measure: every caller keys the object
 * through a {@code SecretKeySpec}, which already holds its own copy of the key.
 *
 * <p>Rules. Each call lends a new {@link Lease}, good for one use: {@link Lease#get()} after
 * {@link Lease#close()} throws {@link IllegalStateException}, and a second {@code close()} does nothing,
 * so a stale lease can never touch an object that has since been lent to another caller. Closing re-keys
 * the object with a fixed public key before it goes back to the thread, so what is kept between uses is
 * derived from no secret. If this thread's object is already out (a nested use), a fresh object is lent
 * and dropped after use; if re-keying fails, the object is dropped and the thread gets a new one next
 * time. This relies on the JCA contract that {@code init} replaces all key state, which the JDK's
 * providers keep; a provider chosen with {@code -Dkeybackup.provider} is trusted to keep it too.
 *
 * <p>Lifetime. This is the project's one piece of static state, kept per thread and invisible to callers:
 * which object a thread gets never changes a result. A thread keeps its three objects (a few KiB) until
 * it ends. The per-thread slots hold only the JCA objects themselves (JDK classes), never a class of this
 * module, so a pooled thread of an application server that outlives the application does not keep this
 * module's class loader alive (it keeps the JCA objects, and a provider loaded by the application keeps
 * its own loader, as it would anywhere).
 */
public final class Reused {
    private Reused() {}

    /** The public stand-in key every lent object is re-keyed with when it is given back. */
    private static final byte[] PUBLIC_FILLER = filler();

    /** What re-keys an object with the public filler. */
    @FunctionalInterface
    private interface Rekey<T> {
        void apply(T object) throws GeneralSecurityException;
    }

    @FunctionalInterface
    private interface Maker<T> {
        T make() throws GeneralSecurityException;
    }

    /** One kind of object: how to make it, how to re-key it, and each thread's idle one (null while lent). */
    private static final class Kind<T> {
        final Maker<T> maker;
        final Rekey<T> rekey;
        final ThreadLocal<T> idle = new ThreadLocal<>(); // holds JDK objects only: see "Lifetime"

        Kind(Maker<T> maker, Rekey<T> rekey) {
            this.maker = maker;
            this.rekey = rekey;
        }

        Lease<T> lend() throws GeneralSecurityException {
            T object = idle.get();
            if (object == null) {
                object = maker.make(); // first use on this thread, or a nested use
            } else {
                idle.set(null); // out: a nested use on this thread makes its own
            }
            return new Lease<>(object, this);
        }

        void giveBack(T object) {
            try {
                rekey.apply(object);
            } catch (GeneralSecurityException | RuntimeException e) {
                return; // dropped: never lend again an object that may still hold a key
            }
            idle.set(object); // the last one given back stays (the outer one, for nested uses)
        }
    }

    /** A JCA object lent to the current thread for one use, until {@link #close()}. Not for use by another thread. */
    public static final class Lease<T> implements AutoCloseable {
        private final Kind<T> kind;
        private T object; // null once closed

        private Lease(T object, Kind<T> kind) {
            this.object = object;
            this.kind = kind;
        }

        /** The lent object. */
        public T get() {
            T o = object;
            if (o == null) throw new IllegalStateException("lease already closed");
            return o;
        }

        /** Re-keys the object with the public filler and gives it back; a second call does nothing. */
        @Override
        public void close() {
            T o = object;
            if (o == null) return;
            object = null;
            kind.giveBack(o);
        }
    }

    private static final Kind<Mac> HMAC = new Kind<>(() -> Jca.mac("HmacSHA256"),
            mac -> mac.init(new SecretKeySpec(PUBLIC_FILLER, "HmacSHA256")));
    private static final Kind<Cipher> AES_CBC = new Kind<>(() -> Jca.cipher("AES/CBC/PKCS5Padding"),
            aes -> aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(PUBLIC_FILLER, "AES"),
                    new IvParameterSpec(PUBLIC_FILLER, 0, 16)));
    private static final Kind<KeyAgreement> X25519 = new Kind<>(() -> Jca.keyAgreement("X25519"),
            ka -> ka.init(FillerX25519.KEY));

    /** HmacSHA256; the caller initialises it with its key. */
    public static Lease<Mac> hmacSha256() throws GeneralSecurityException {
        return HMAC.lend();
    }

    /** AES/CBC/PKCS5Padding (PKCS#7 for 16-byte blocks); the caller initialises it with its key and IV. */
    public static Lease<Cipher> aesCbc() throws GeneralSecurityException {
        return AES_CBC.lend();
    }

    /** X25519 key agreement; the caller initialises it with its private key. */
    public static Lease<KeyAgreement> x25519() throws GeneralSecurityException {
        return X25519.lend();
    }

    /** The filler as an X25519 private key, made on first use. */
    private static final class FillerX25519 {
        static final PrivateKey KEY = make();

        private static PrivateKey make() {
            byte[] der = Bytes.concat(Bytes.fromHex("302e020100300506032b656e04220420"), PUBLIC_FILLER);
            try {
                return Jca.keyFactory("X25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("X25519 is not available from the JCA provider", e);
            }
        }
    }

    private static byte[] filler() {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) 0x5c);
        return b;
    }
}
