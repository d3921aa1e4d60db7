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
 * One HMAC-SHA-256, one AES-256-CBC and one X25519 object per thread, lent for the three uses that run
 * for every key of a backup (HKDF and the {@code mac}, the session cipher, the key agreement).
 * Creating them anew costs a provider look-up, object set-up and garbage on every key: about 3 % of a
 * restore on one core, measured by {@code make bench}.
 *
 * <p>Why this keeps no secret: a lent object is always given back with {@link Lease#close()} (the
 * callers use try-with-resources), and giving it back re-keys it with a fixed public key, so between
 * uses it holds nothing derived from a secret. A JCA object made anew would instead become garbage still
 * holding its key until the collector reuses the memory. If this thread's object is already out (a
 * nested use), a fresh object is lent, re-keyed and dropped the same way. If re-keying fails, the object
 * is dropped and the thread gets a new one next time.
 *
 * <p>This relies on the JCA contract that {@code init} replaces all key state, which the JDK's providers
 * keep; a provider chosen with {@code -Dkeybackup.provider} is trusted to keep it too.
 *
 * <p>This is the project's one piece of static state, kept per thread and invisible to callers: which
 * object a thread gets never changes a result, and the tests check that a given-back object answers as
 * one keyed with the filler. A thread keeps its three objects (a few KiB) until it ends.
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

    /** A JCA object lent to the current thread until {@link #close()}. Not for use by another thread. */
    public static final class Lease<T> implements AutoCloseable {
        private final T object;
        private final Rekey<T> rekey;
        private final ThreadLocal<Lease<T>> home; // null for an object lent once, not kept
        private boolean out;

        private Lease(T object, Rekey<T> rekey, ThreadLocal<Lease<T>> home) {
            this.object = object;
            this.rekey = rekey;
            this.home = home;
        }

        public T get() {
            return object;
        }

        /** Re-keys the object with the public filler and gives it back. */
        @Override
        public void close() {
            boolean rekeyed = false;
            try {
                rekey.apply(object);
                rekeyed = true;
            } catch (GeneralSecurityException | RuntimeException e) {
                // dropped below; the caller's own work has already succeeded or failed on its own
            } finally {
                out = false;
                if (!rekeyed && home != null) home.remove(); // never lend again an object that may still hold a key
            }
        }
    }

    @FunctionalInterface
    private interface Maker<T> {
        T make() throws GeneralSecurityException;
    }

    private static <T> Lease<T> lend(ThreadLocal<Lease<T>> home, Maker<T> maker, Rekey<T> rekey) throws GeneralSecurityException {
        Lease<T> lease = home.get();
        if (lease == null) {
            lease = new Lease<>(maker.make(), rekey, home);
            home.set(lease);
        } else if (lease.out) {
            lease = new Lease<>(maker.make(), rekey, null);
        }
        lease.out = true;
        return lease;
    }

    private static final ThreadLocal<Lease<Mac>> HMAC = new ThreadLocal<>();
    private static final ThreadLocal<Lease<Cipher>> AES_CBC = new ThreadLocal<>();
    private static final ThreadLocal<Lease<KeyAgreement>> X25519 = new ThreadLocal<>();

    /** HmacSHA256; the caller initialises it with its key. */
    public static Lease<Mac> hmacSha256() throws GeneralSecurityException {
        return lend(HMAC, () -> Jca.mac("HmacSHA256"), mac -> mac.init(new SecretKeySpec(PUBLIC_FILLER, "HmacSHA256")));
    }

    /** AES/CBC/PKCS5Padding (PKCS#7 for 16-byte blocks); the caller initialises it with its key and IV. */
    public static Lease<Cipher> aesCbc() throws GeneralSecurityException {
        return lend(AES_CBC, () -> Jca.cipher("AES/CBC/PKCS5Padding"),
                aes -> aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(PUBLIC_FILLER, "AES"), new IvParameterSpec(PUBLIC_FILLER, 0, 16)));
    }

    /** X25519 key agreement; the caller initialises it with its private key. */
    public static Lease<KeyAgreement> x25519() throws GeneralSecurityException {
        return lend(X25519, () -> Jca.keyAgreement("X25519"), ka -> ka.init(FillerX25519.KEY));
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
