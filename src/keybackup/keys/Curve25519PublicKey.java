package keybackup.keys;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;

/**
 * A Curve25519 (X25519, RFC 7748) public key: 32 bytes, written as unpadded base64. Used for the backup
 * public key ({@code auth_data.public_key}) and the per-session ephemeral keys. Immutable.
 *
 * <p>Any 32 bytes are accepted here, as vodozemac does: a small-order point is only detected by the
 * key agreement ({@link BackupDecryptionKey#agree}), which rejects an all-zero shared secret. Equality
 * is on the bytes as given (the top bit, which X25519 ignores, is not masked).
 */
public final class Curve25519PublicKey {
    /** Length in bytes of an X25519 public key. */
    public static final int LENGTH = 32;

    /**
     * DER prefix of an X.509 SubjectPublicKeyInfo for X25519 (OID 1.3.101.110), followed by the 32 raw bytes
     * (protocol.md §6.7).
     */
    private static final byte[] X509_PREFIX = Bytes.fromHex("302a300506032b656e032100");

    private final byte[] bytes;
    private final String base64;
    private volatile PublicKey jca; // decoded once, on first key agreement; PublicKey objects are immutable

    private Curve25519PublicKey(byte[] bytes) {
        this.bytes = bytes.clone();
        this.base64 = Base64Unpadded.encode(this.bytes);
    }

    /**
     * Makes a key of 32 raw bytes; any 32 bytes are accepted (see the class comment).
     *
     * @param raw the key's bytes; copied
     * @return the key
     * @throws KeyFormatException if {@code raw} is not exactly {@value #LENGTH} bytes long
     */
    public static Curve25519PublicKey fromBytes(byte[] raw) throws KeyFormatException {
        if (raw.length != LENGTH) throw new KeyFormatException("curve25519 public key: expected 32 bytes, got " + raw.length);
        return new Curve25519PublicKey(raw);
    }

    /**
     * From unpadded (or padded) base64; {@code field} names the value in error messages.
     *
     * @param field the value's name, used in error messages
     * @param base64 the key in base64 as {@link Base64Unpadded#decode(String, String)} accepts it
     * @return the key
     * @throws KeyFormatException if {@code base64} is null, not base64, or not 32 bytes
     */
    public static Curve25519PublicKey parse(String field, String base64) throws KeyFormatException {
        return new Curve25519PublicKey(Base64Unpadded.decode(field, base64, LENGTH));
    }

    /**
     * Gives the raw key, as given when it was made (the top bit is not masked).
     *
     * @return a new array with the {@value #LENGTH} bytes
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Writes the key as Matrix does, for example in {@code auth_data.public_key}.
     *
     * @return the key in unpadded base64 (canonical: no padding, zero trailing bits)
     */
    public String toBase64() {
        return base64;
    }

    /** The JCA form; the JDK applies RFC 7748 decoding (masks the top bit, reduces mod p). */
    PublicKey jcaKey() throws KeyFormatException {
        PublicKey k = jca;
        if (k == null) {
            try {
                byte[] der = Bytes.concat(X509_PREFIX, bytes);
                k = Jca.keyFactory("X25519").generatePublic(new X509EncodedKeySpec(der));
            } catch (java.security.spec.InvalidKeySpecException e) {
                throw new KeyFormatException("curve25519 public key: not accepted by the X25519 key factory");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("X25519 is not available from the JCA provider", e);
            }
            jca = k;
        }
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Curve25519PublicKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "curve25519:" + base64;
    }
}
