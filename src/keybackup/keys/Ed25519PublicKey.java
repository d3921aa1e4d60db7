package keybackup.keys;

import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;

/** An Ed25519 public key (RFC 8032): 32 bytes, written as unpadded base64. Immutable. */
public final class Ed25519PublicKey {
    public static final int LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;

    /** DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (OID 1.3.101.112), followed by the 32 raw bytes. */
    private static final byte[] X509_PREFIX = Bytes.fromHex("302a300506032b6570032100");

    private final byte[] bytes;
    private final String base64;
    private volatile PublicKey jca; // decoded once, on first verification

    /**
     * Each thread's verifier for this key, still initialised. {@code initVerify} decodes the public key's
     * curve point (30–100 µs with the JDK's provider, up to a tenth of a verification), and a restore checks
     * every session against the same signing key object, so each thread keeps one {@link Signature} for
     * this key. Between verifications it holds public data only: {@code verify} resets a Signature to
     * its state after {@code initVerify} (the JCA contract, kept by the JDK's provider). It is dropped
     * whenever a verification throws, because a provider that throws may keep the bytes it was given and
     * would prefix them to the next message.
     */
    private final ThreadLocal<Signature> verifier = new ThreadLocal<>();

    private Ed25519PublicKey(byte[] bytes) {
        this.bytes = bytes.clone();
        this.base64 = Base64Unpadded.encode(bytes);
    }

    /** From 32 raw bytes. */
    public static Ed25519PublicKey fromBytes(byte[] raw) throws KeyFormatException {
        if (raw.length != LENGTH) {
            throw new KeyFormatException("ed25519 public key: expected 32 bytes, got " + raw.length);
        }
        return new Ed25519PublicKey(raw);
    }

    /**
     * From unpadded (or padded) base64; {@code field} names the value in error messages.
     *
     * @throws KeyFormatException {@code base64} is null, not base64, or not 32 bytes
     */
    public static Ed25519PublicKey parse(String field, String base64) throws KeyFormatException {
        return new Ed25519PublicKey(Base64Unpadded.decode(field, base64, LENGTH));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Canonical unpadded base64. */
    public String toBase64() {
        return base64;
    }

    /**
     * True only if {@code signature} is a valid Ed25519 signature of {@code message}. Every failure —
     * wrong length, {@code s ≥ L}, an undecodable point, any provider exception — is "not valid", never
     * an exception and never true.
     */
    public boolean verify(byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_LENGTH) return false;
        Signature held = verifier.get();
        verifier.remove(); // taken out while in use, and put back only after a normal return
        try {
            Signature s = held;
            if (s == null) {
                s = Jca.signature("Ed25519");
                s.initVerify(jcaKey());
            }
            s.update(message);
            boolean valid = s.verify(signature); // resets the object to its initVerify state
            verifier.set(s);
            return valid;
        } catch (Exception e) { // fail closed: SignatureException, InvalidKeyException, provider bugs
            return false;
        }
    }

    private PublicKey jcaKey() throws Exception {
        PublicKey k = jca;
        if (k == null) {
            k = Jca.keyFactory("Ed25519").generatePublic(new X509EncodedKeySpec(Bytes.concat(X509_PREFIX, bytes)));
            jca = k;
        }
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ed25519PublicKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "ed25519:" + base64;
    }
}
