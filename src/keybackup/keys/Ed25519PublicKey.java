package keybackup.keys;

import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;

/** An Ed25519 public key (RFC 8032): 32 bytes, written as unpadded base64. Immutable. */
public final class Ed25519PublicKey {
    /** Length in bytes of an Ed25519 public key. */
    public static final int LENGTH = 32;
    /** Length in bytes of an Ed25519 signature. */
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

    /**
     * Makes a key of 32 raw bytes. The bytes are not checked to be a point on the curve: a key that is not
     * one makes every {@link #verify} return false.
     *
     * @param raw the key's bytes; copied
     * @return the key
     * @throws KeyFormatException if {@code raw} is not exactly {@value #LENGTH} bytes long
     */
    public static Ed25519PublicKey fromBytes(byte[] raw) throws KeyFormatException {
        if (raw.length != LENGTH) throw new KeyFormatException("ed25519 public key: expected 32 bytes, got " + raw.length);
        return new Ed25519PublicKey(raw);
    }

    /**
     * From unpadded (or padded) base64; {@code field} names the value in error messages. As with
     * {@link #fromBytes}, the bytes are not checked to be a curve point.
     *
     * @param field the value's name, used in error messages
     * @param base64 the key in base64 as {@link Base64Unpadded#decode(String, String)} accepts it
     * @return the key
     * @throws KeyFormatException if {@code base64} is null, not base64, or not 32 bytes
     */
    public static Ed25519PublicKey parse(String field, String base64) throws KeyFormatException {
        return new Ed25519PublicKey(Base64Unpadded.decode(field, base64, LENGTH));
    }

    /**
     * Gives the raw key.
     *
     * @return a new array with the {@value #LENGTH} bytes
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Writes the key as Matrix does, for example in a key ID {@code ed25519:<this>}.
     *
     * @return the key in unpadded base64 (canonical: no padding, zero trailing bits)
     */
    public String toBase64() {
        return base64;
    }

    /**
     * True only if {@code signature} is a valid Ed25519 signature of {@code message}. Every failure —
     * wrong length, {@code s ≥ L}, an undecodable point, any provider exception — is "not valid", never
     * an exception and never true.
     *
     * @param message the signed bytes, whole
     * @param signature the signature to check; may be null or of any length
     * @return true when the signature verifies with this key, false in every other case
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

    /** Keys are equal when their 32 bytes are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Ed25519PublicKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Gives {@code ed25519:} and the key's base64, for messages; a public key is not secret. */
    @Override
    public String toString() {
        return "ed25519:" + base64;
    }
}
