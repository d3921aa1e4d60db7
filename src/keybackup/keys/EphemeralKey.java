package keybackup.keys;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Arrays;
import keybackup.internal.Jca;

/**
 * A one-use X25519 key pair for encrypting one session, made by the provider's own
 * {@code KeyPairGenerator} (a fast provider computes the public key with a fixed-base method, cheaper
 * than an X25519 with the base point). The private half never leaves the JCA key object.
 */
public final class EphemeralKey {
    private final KeyPair pair;
    private final Curve25519PublicKey publicKey;

    private EphemeralKey(KeyPair pair, Curve25519PublicKey publicKey) {
        this.pair = pair;
        this.publicKey = publicKey;
    }

    /**
     * Generates a fresh key pair from the provider's default randomness.
     *
     * @return the key pair, for one encryption only
     * @throws IllegalStateException if the JCA provider has no X25519
     */
    public static EphemeralKey generate() {
        try {
            KeyPair kp = Jca.keyPairGenerator("X25519").generateKeyPair();
            byte[] spki = kp.getPublic().getEncoded(); // X.509 SubjectPublicKeyInfo: the raw key is the last 32 bytes
            return new EphemeralKey(kp, Curve25519PublicKey.fromBytes(Arrays.copyOfRange(spki, spki.length - Curve25519PublicKey.LENGTH, spki.length)));
        } catch (GeneralSecurityException | KeyFormatException e) {
            throw new IllegalStateException("X25519 key generation is not available from the JCA provider", e);
        }
    }

    /**
     * Gives the public half, which is sent with the encrypted session.
     *
     * @return the public key
     */
    public Curve25519PublicKey publicKey() {
        return publicKey;
    }

    /**
     * Computes the X25519 shared secret with {@code peer}; a small-order peer is refused.
     *
     * @param peer the backup's public key
     * @return the 32-byte shared secret, a new array the caller owns and zeroes when done
     * @throws KeyFormatException if {@code peer} is a small-order point (the shared secret would be all
     *     zeros, known to anyone) or the provider refuses it
     * @throws IllegalStateException if the JCA provider has no X25519
     */
    public byte[] agree(Curve25519PublicKey peer) throws KeyFormatException {
        return BackupDecryptionKey.agree(pair.getPrivate(), peer);
    }
}
