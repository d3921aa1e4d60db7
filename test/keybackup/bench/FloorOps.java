package keybackup.bench;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Random;
import javax.crypto.KeyAgreement;
import keybackup.internal.Jca;

/**
 * The JDK primitives a command cannot avoid per key, through the same JCA bridge as the library: one set per
 * thread (JCA objects are not thread-safe). Used by the in-process floor ({@link CommandBench.Floors}) and
 * the process floor ({@link FloorProcess}), so both time the same operations.
 */
final class FloorOps {
    private final KeyPair ed;
    private final byte[] message = new byte[449];
    private final byte[] sig;
    private final Signature signer = Jca.signature("Ed25519");
    private final Signature verifier = Jca.signature("Ed25519");
    private final PublicKey edPub;
    private final KeyPairGenerator xGen = Jca.keyPairGenerator("X25519");
    private final KeyPair x1;
    private final KeyPair x2;
    private final KeyAgreement ka = Jca.keyAgreement("X25519");

    FloorOps() throws Exception {
        ed = Jca.keyPairGenerator("Ed25519").generateKeyPair();
        new Random(1).nextBytes(message);
        signer.initSign(ed.getPrivate());
        signer.update(message);
        sig = signer.sign();
        edPub = ed.getPublic();
        x1 = xGen.generateKeyPair();
        x2 = xGen.generateKeyPair();
    }

    /** Ed25519 verify with a fresh {@code initVerify}: what one verification costs through the JDK API. */
    void verify() throws Exception {
        verifier.initVerify(edPub);
        verifier.update(message);
        if (!verifier.verify(sig)) throw new IllegalStateException("floor: verify failed");
    }

    /** Ed25519 sign. */
    void sign() throws Exception {
        signer.initSign(ed.getPrivate());
        signer.update(message);
        signer.sign();
    }

    /** X25519 agreement of {@code own} with a fixed peer. */
    void agree(KeyPair own) throws Exception {
        ka.init(own.getPrivate());
        ka.doPhase(x2.getPublic(), true);
        ka.generateSecret();
    }

    /** X25519 agreement with a fixed key pair. */
    void agree() throws Exception {
        agree(x1);
    }

    /** X25519 key pair generation. */
    KeyPair keyPair() {
        return xGen.generateKeyPair();
    }
}
