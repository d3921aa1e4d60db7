package keybackup.keys;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;

/**
 * An Ed25519 private key, kept as its 32-byte RFC 8032 seed. Used for the backup signing key, the
 * master key and device keys. Not a record and no {@code equals}: {@code toString} is redacted and
 * {@link #close()} zeroes the seed. The JCA key object keeps its own copy of the seed (the JDK clones
 * key bytes), so zeroing is best effort.
 */
public final class Ed25519PrivateKey implements AutoCloseable {
    /** Length in bytes of an Ed25519 seed, the whole secret of the key. */
    public static final int SEED_LENGTH = 32;

    private final byte[] seed;
    private final PrivateKey jca;
    private final Ed25519PublicKey publicKey;
    private volatile boolean closed;

    private Ed25519PrivateKey(byte[] seed) throws KeyFormatException {
        this.seed = seed.clone();
        try {
            // The JDK has no "public key from seed" call: a KeyPairGenerator fed the seed as its
            // randomness derives the same key pair (protocol.md §4.1); pinned by the RFC 8032 test vectors.
            KeyPairGenerator g = Jca.keyPairGenerator("Ed25519");
            g.initialize(NamedParameterSpec.ED25519, new FixedSeed(this.seed));
            KeyPair kp = g.generateKeyPair();
            byte[] encoded = kp.getPublic().getEncoded();
            this.publicKey = Ed25519PublicKey.fromBytes(java.util.Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
            this.jca = Jca.keyFactory("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, this.seed));
            if (kp.getPrivate() instanceof EdECPrivateKey ek && ek.getBytes().isPresent()) {
                byte[] check = ek.getBytes().get();
                boolean same = Bytes.constantTimeEquals(check, this.seed);
                Bytes.zero(check);
                if (!same) throw new IllegalStateException("the JCA provider did not derive the key from the given seed");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available from the JCA provider", e);
        }
    }

    /**
     * Generates a fresh key from the JDK's default {@link SecureRandom}. The temporary seed array is zeroed.
     *
     * @return the new key, owned by the caller, who closes it when done
     * @throws IllegalStateException if the JCA provider has no Ed25519
     */
    public static Ed25519PrivateKey generate() {
        byte[] s = new byte[SEED_LENGTH];
        new SecureRandom().nextBytes(s);
        try {
            return new Ed25519PrivateKey(s);
        } catch (KeyFormatException e) {
            throw new IllegalStateException(e);
        } finally {
            Bytes.zero(s);
        }
    }

    /**
     * Makes the key of a 32-byte seed. Every 32-byte seed is a valid key.
     *
     * @param seed the seed; copied, so the caller keeps its array and should zero it when done
     * @return the key, owned by the caller, who closes it when done
     * @throws KeyFormatException if {@code seed} is not exactly {@value #SEED_LENGTH} bytes long
     * @throws IllegalStateException if the JCA provider has no Ed25519
     */
    public static Ed25519PrivateKey fromSeed(byte[] seed) throws KeyFormatException {
        if (seed.length != SEED_LENGTH) throw new KeyFormatException("ed25519 seed: expected 32 bytes, got " + seed.length);
        return new Ed25519PrivateKey(seed);
    }

    /**
     * Makes the key of a seed written in base64, as stored in Secret Storage and key files. The decoded seed
     * array is zeroed before returning; the caller's string cannot be.
     *
     * @param field the value's name, used in error messages
     * @param base64 the seed in unpadded (or padded) base64
     * @return the key, owned by the caller, who closes it when done
     * @throws KeyFormatException if {@code base64} is null, not base64 or not {@value #SEED_LENGTH} bytes
     * @throws IllegalStateException if the JCA provider has no Ed25519
     */
    public static Ed25519PrivateKey parseSeed(String field, String base64) throws KeyFormatException {
        byte[] s = Base64Unpadded.decode(field, base64, SEED_LENGTH);
        try {
            return new Ed25519PrivateKey(s);
        } finally {
            Bytes.zero(s);
        }
    }

    /**
     * Gives the matching public key; it stays available after {@link #close()}.
     *
     * @return the public key, derived from the seed when this key was made
     */
    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    /**
     * Signs a message with plain RFC 8032 Ed25519 (no context, no prehash).
     *
     * @param message the bytes to sign, whole; for signed JSON, {@link keybackup.json.SignedJson#signedBytes}
     * @return the 64-byte signature, a new array
     * @throws IllegalStateException if this key has been closed, or the JCA provider fails to sign
     */
    public byte[] sign(byte[] message) {
        if (closed) throw new IllegalStateException("Ed25519 private key used after close()");
        try {
            Signature s = Jca.signature("Ed25519");
            s.initSign(jca);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /**
     * INSECURE EXPORT: a copy of the secret 32-byte seed, for Secret Storage
     * ({@code m.key_backup.signing}, {@code m.cross_signing.*}) and key files only. The caller must zero
     * the returned array when done.
     *
     * @return a new array with the {@value #SEED_LENGTH}-byte seed, owned by the caller
     * @throws IllegalStateException if this key has been closed
     */
    public byte[] exportSeed() {
        if (closed) throw new IllegalStateException("Ed25519 private key used after close()");
        return seed.clone();
    }

    /**
     * Zeroes the seed copy held here; afterwards {@link #sign} and {@link #exportSeed} refuse to work. The JCA
     * key object's own copy is not reachable and is not zeroed. Closing twice is harmless.
     */
    @Override
    public void close() {
        closed = true;
        Bytes.zero(seed);
    }

    @Override
    public String toString() {
        return "Ed25519PrivateKey[public=" + publicKey.toBase64() + ", seed=<redacted>]";
    }

    /** A SecureRandom that hands out the given seed once: lets the JDK derive the public key from it. */
    private static final class FixedSeed extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final transient byte[] seed;

        FixedSeed(byte[] seed) {
            this.seed = seed;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (bytes.length != seed.length) throw new IllegalStateException("unexpected request for " + bytes.length + " random bytes");
            System.arraycopy(seed, 0, bytes, 0, bytes.length);
        }
    }
}
