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

    /** A fresh key pair from the provider's default randomness. */
    public static EphemeralKey generate() {
        try {
            KeyPair kp = Jca.keyPairGenerator("X25519").generateKeyPair();
            byte[] spki = kp.getPublic().getEncoded(); // X.509 SubjectPublicKeyInfo: the raw key is the last 32 bytes
            return new EphemeralKey(kp, Curve25519PublicKey.fromBytes(Arrays.copyOfRange(spki,
                    spki.length - Curve25519PublicKey.LENGTH, spki.length)));
        } catch (GeneralSecurityException | KeyFormatException e) {
            throw new IllegalStateException("X25519 key generation is not available from the JCA provider", e);
        }
    }

    public Curve25519PublicKey publicKey() {
        return publicKey;
    }

    /** The X25519 shared secret with {@code peer} (the caller zeroes it); a small-order peer is refused. */
    public byte[] agree(Curve25519PublicKey peer) throws KeyFormatException {
        return BackupDecryptionKey.agree(pair.getPrivate(), peer);
    }
}
