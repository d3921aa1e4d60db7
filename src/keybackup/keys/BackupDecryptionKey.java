package keybackup.keys;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import javax.crypto.KeyAgreement;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;
import keybackup.internal.Reused;

/**
 * The backup decryption key of {@code m.megolm_backup.v1.curve25519-aes-sha2}: a 32-byte X25519
 * private key (the RFC 7748 scalar string, stored unclamped as given; X25519 clamps it; protocol.md §6.1).
 * Also used for the ephemeral key of one encryption.
 *
 * <p>Security: not a record and no {@code equals} (compare keys through {@link #publicKey()} or
 * {@link #matches}); {@code toString} is redacted; {@link #close()} zeroes the copy held here and makes
 * every later use throw {@link IllegalStateException} (a closed key never answers with the all-zero key).
 * The JCA key object keeps its own copy of the bytes (the JDK clones key material), so zeroing is best
 * effort.
 * Instances are safe to share between threads: each thread agrees with its own {@link KeyAgreement}, which
 * is re-keyed with a public filler key after every use ({@link keybackup.internal.Reused}).
 */
public final class BackupDecryptionKey implements AutoCloseable {
    /** Length in bytes of the key (an X25519 private key). */
    public static final int LENGTH = 32;
    /** Longest key-file text {@link #fromKeyFileText} reads: a key is under 100 characters, the rest is slack for whitespace. */
    public static final int MAX_KEY_FILE_LENGTH = 4096;

    /**
     * DER prefix of a PKCS#8 PrivateKeyInfo for X25519 (OID 1.3.101.110), followed by the 32 raw bytes
     * (protocol.md §6.7).
     */
    private static final byte[] PKCS8_PREFIX = Bytes.fromHex("302e020100300506032b656e04220420");
    /** The X25519 base point u = 9: agreeing with it yields the public key (protocol.md §6.7). */
    private static final Curve25519PublicKey BASE_POINT = basePoint();

    private final byte[] key;
    private final PrivateKey jca;
    private volatile Curve25519PublicKey publicKey; // derived on first use: decryption never needs it
    private volatile boolean closed;

    private BackupDecryptionKey(byte[] key32) {
        this.key = key32.clone();
        byte[] der = Bytes.concat(PKCS8_PREFIX, this.key);
        try {
            this.jca = Jca.keyFactory("X25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available from the JCA provider", e);
        } finally {
            Bytes.zero(der);
        }
    }

    /**
     * Generates a fresh key: 32 bytes from the JDK's default {@link SecureRandom}. The temporary array is
     * zeroed.
     *
     * @return the new key, owned by the caller, who closes it when done
     * @throws IllegalStateException if the JCA provider has no X25519
     */
    public static BackupDecryptionKey generate() {
        byte[] k = new byte[LENGTH];
        new SecureRandom().nextBytes(k);
        try {
            return new BackupDecryptionKey(k);
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * Makes the key of 32 raw bytes, used as given (X25519 clamps them when agreeing).
     *
     * @param key32 the secret bytes; copied, so the caller keeps its array and should zero it when done
     * @return the key, owned by the caller, who closes it when done
     * @throws KeyFormatException if {@code key32} is not exactly {@value #LENGTH} bytes long
     * @throws IllegalStateException if the JCA provider has no X25519
     */
    public static BackupDecryptionKey fromBytes(byte[] key32) throws KeyFormatException {
        if (key32.length != LENGTH) throw new KeyFormatException("backup decryption key: expected 32 bytes, got " + key32.length);
        return new BackupDecryptionKey(key32);
    }

    /**
     * Makes the key of its base64 form (unpadded; padded accepted, as legacy js-sdk wrote it), as stored in
     * Secret Storage under {@code m.megolm_backup.v1}. The decoded array is zeroed before returning; the
     * caller's string cannot be.
     *
     * @param field the value's name, used in error messages (the value itself never is)
     * @param base64 the key in base64
     * @return the key, owned by the caller, who closes it when done
     * @throws KeyFormatException if {@code base64} is null, not base64, or not {@value #LENGTH} bytes
     * @throws IllegalStateException if the JCA provider has no X25519
     */
    public static BackupDecryptionKey parse(String field, String base64) throws KeyFormatException {
        byte[] k = Base64Unpadded.decode(field, base64, LENGTH);
        try {
            return new BackupDecryptionKey(k);
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * Makes the key of its recovery-key text (base58, protocol.md §7.1); whitespace anywhere is ignored. The
     * decoded array is zeroed before returning.
     *
     * @param text the recovery key as the user typed or pasted it
     * @return the key, owned by the caller, who closes it when done
     * @throws KeyFormatException if the text is not a valid recovery key, as {@link RecoveryKey#decode} checks
     * @throws IllegalStateException if the JCA provider has no X25519
     */
    public static BackupDecryptionKey fromRecoveryKey(String text) throws KeyFormatException {
        byte[] k = RecoveryKey.decode(text);
        try {
            return new BackupDecryptionKey(k);
        } finally {
            Bytes.zero(k);
        }
    }

    /**
     * From the text of a key file: either base64 of the 32 bytes (43 characters, or 44 with '=', on one
     * line) or a recovery key (48 base58 characters, any whitespace). The two shapes cannot be confused:
     * a 32-byte key is 43 base64 characters, a recovery key 48 base58 characters.
     *
     * @param text the whole content of the key file; surrounding whitespace is ignored
     * @return the key, owned by the caller, who closes it when done
     * @throws KeyFormatException if the text is over {@value #MAX_KEY_FILE_LENGTH} characters, its key is over
     *     {@value RecoveryKey#MAX_TEXT_LENGTH}, or it holds neither shape
     */
    public static BackupDecryptionKey fromKeyFileText(String text) throws KeyFormatException {
        if (text.length() > MAX_KEY_FILE_LENGTH) {
            throw new KeyFormatException("key file: over " + MAX_KEY_FILE_LENGTH + " characters (expected one key)");
        }
        String t = text.strip();
        if (t.isEmpty()) throw new KeyFormatException("key file: empty (expected a recovery key or an unpadded base64 key)");
        boolean oneToken = t.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c));
        if (oneToken && (t.length() == 43 || t.length() == 44)) return parse("key file (base64 key)", t);
        return fromRecoveryKey(t);
    }

    /**
     * Derives the public key, X25519(k, 9), on first use and keeps it.
     *
     * @return the public key, which a backup's {@code auth_data.public_key} names
     * @throws IllegalStateException if this key has been closed
     */
    public Curve25519PublicKey publicKey() {
        requireOpen();
        Curve25519PublicKey p = publicKey;
        if (p == null) {
            byte[] u = null;
            try {
                u = agree(BASE_POINT);
                p = Curve25519PublicKey.fromBytes(u);
            } catch (KeyFormatException e) {
                throw new IllegalStateException("X25519 with the base point failed", e); // cannot happen: 9 has large order
            } finally {
                Bytes.zero(u);
            }
            publicKey = p;
        }
        return p;
    }

    /**
     * Tells whether this key belongs to a backup whose {@code auth_data.public_key} is {@code other}, by
     * comparing public keys byte for byte.
     *
     * @param other the backup's public key
     * @return true when {@link #publicKey()} equals {@code other}
     * @throws IllegalStateException if this key has been closed
     */
    public boolean matches(Curve25519PublicKey other) {
        return publicKey().equals(other);
    }

    /**
     * Writes this key as a recovery key. The caller shows it to the user and never logs it; being a
     * {@code String}, it cannot be zeroed.
     *
     * @return the recovery-key text, 48 base58 characters in groups of four
     * @throws IllegalStateException if this key has been closed
     */
    public String toRecoveryKey() {
        requireOpen();
        return RecoveryKey.encode(key);
    }

    /**
     * INSECURE EXPORT: a copy of the 32 secret bytes, for Secret Storage ({@code m.megolm_backup.v1})
     * and key files only. The caller must zero the returned array when done.
     *
     * @return a new array with the {@value #LENGTH} secret bytes, owned by the caller
     * @throws IllegalStateException if this key has been closed
     */
    public byte[] exportBytes() {
        requireOpen();
        return key.clone();
    }

    /**
     * The X25519 shared secret with {@code peer} (32 bytes; the caller zeroes it). A small-order peer
     * key gives an all-zero secret, which carries no secret at all (anyone can compute it): that is
     * rejected, never returned (vodozemac's {@code NonContributoryKey}; the JDK throws
     * "Point has small order", mapped here to a typed error).
     *
     * @param peer the other side's public key (a session's ephemeral key when decrypting)
     * @return the 32-byte shared secret, a new array the caller owns and zeroes when done
     * @throws KeyFormatException if {@code peer} is a small-order point or the provider refuses it
     * @throws IllegalStateException if this key has been closed, or the JCA provider has no X25519
     */
    public byte[] agree(Curve25519PublicKey peer) throws KeyFormatException {
        requireOpen();
        return agree(jca, peer);
    }

    /** X25519 of a JCA private key with {@code peer}, refusing the all-zero secret of a small-order point. */
    static byte[] agree(PrivateKey jca, Curve25519PublicKey peer) throws KeyFormatException {
        byte[] secret;
        try (Reused.Lease<KeyAgreement> lease = Reused.x25519()) {
            KeyAgreement ka = lease.get();
            ka.init(jca);
            try {
                ka.doPhase(peer.jcaKey(), true);
                secret = ka.generateSecret();
            } catch (InvalidKeyException | IllegalStateException e) {
                throw new KeyFormatException("curve25519 public key: small-order point (all-zero shared secret)");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available from the JCA provider", e);
        }
        // Checked again for providers that return the zero secret instead of throwing.
        if (Bytes.constantTimeEquals(secret, new byte[secret.length]) || secret.length != LENGTH) {
            Bytes.zero(secret);
            throw new KeyFormatException("curve25519 public key: small-order point (all-zero shared secret)");
        }
        return secret;
    }

    /** Zeroes the copy of the key held here (best effort: the JCA key object keeps its own); any later use throws. */
    @Override
    public void close() {
        closed = true;
        Bytes.zero(key);
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("backup decryption key: used after close()");
    }

    @Override
    public String toString() {
        return "BackupDecryptionKey[key=<redacted>]";
    }

    private static Curve25519PublicKey basePoint() {
        byte[] u = new byte[Curve25519PublicKey.LENGTH];
        u[0] = 9;
        try {
            return Curve25519PublicKey.fromBytes(u);
        } catch (KeyFormatException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
