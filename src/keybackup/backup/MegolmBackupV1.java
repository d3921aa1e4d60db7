package keybackup.backup;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.IllegalBlockSizeException;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.internal.Bytes;
import keybackup.internal.Hkdf;
import keybackup.internal.Reused;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.EphemeralKey;
import keybackup.keys.KeyFormatException;

/**
 * Encryption of one session for {@code m.megolm_backup.v1.curve25519-aes-sha2} (spec "Backup
 * algorithm"; protocol.md §6.4–§6.6): X25519 with a fresh ephemeral key, HKDF-SHA-256 (salt 32 zero bytes,
 * empty info, 80 bytes = AES key ‖ HMAC key ‖ IV), AES-256-CBC with PKCS#7, and {@code mac} = the first
 * 8 bytes of HMAC-SHA-256(HMAC key, <em>empty string</em>).
 *
 * <p>Security property, and its limit: only the holder of the backup decryption key can read a
 * session. Nothing here authenticates the sender: the {@code mac} covers no data (libolm's bug, kept by
 * every implementation; protocol.md §6.5), so it only proves that the writer agreed on the same X25519
 * secret, which anyone with the public key can do. That is why {@link #decrypt} reports the MAC
 * outcome as a value ({@link MacCheck}) instead of deciding: the signed-backup layer may forgive a
 * non-matching MAC when a trusted signature covers the plaintext (protocol.md §10.6), and must reject
 * otherwise. All methods are stateless and thread-safe (each thread uses its own JCA objects, re-keyed with a public
 * filler after every use: {@link keybackup.internal.Reused}).
 */
public final class MegolmBackupV1 {
    private MegolmBackupV1() {}

    /** The backup algorithm name in {@code /room_keys/version}. */
    public static final String ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
    /** The {@code algorithm} a SessionData must carry. */
    public static final String ROOM_KEY_ALGORITHM = "m.megolm.v1.aes-sha2";

    /** Largest decoded ciphertext accepted: a SessionData is about 1 KiB; this stops memory abuse by a hostile server. */
    public static final int MAX_CIPHERTEXT_BYTES = 1024 * 1024;
    /** Length of the truncated MAC (11 unpadded base64 characters). */
    public static final int MAC_LENGTH = 8;

    static final String EPHEMERAL = "ephemeral";
    static final String CIPHERTEXT = "ciphertext";
    static final String MAC = "mac";

    private static final int AES_BLOCK = 16;
    private static final int OKM_LENGTH = 80; // AES key [0,32) ‖ HMAC key [32,64) ‖ IV [64,80)
    private static final byte[] EMPTY = new byte[0];

    /** The outcome of the {@code mac} check, reported rather than enforced (protocol.md §10.6). */
    public enum MacCheck {
        /** Exactly 8 bytes equal to HMAC(mac key, "")[:8], compared in constant time. */
        MATCH,
        /** No {@code mac} field. */
        MISSING,
        /** Not a string, not base64, or not exactly 8 bytes (a truncated prefix is never a match). */
        MALFORMED,
        /** 8 bytes, wrong value (for example the "intended" MAC over the ciphertext). */
        MISMATCH
    }

    /**
     * A decrypted session.
     *
     * @param plaintext the parsed plaintext object (not yet validated as a {@link SessionData})
     * @param mac whether {@code mac} matched; anything but MATCH means "reject unless a trusted signature forgives it"
     */
    public record Decrypted(Json.Obj plaintext, MacCheck mac) {
        /**
         * Holds a decryption's result.
         *
         * @param plaintext the parsed plaintext object
         * @param mac the outcome of the {@code mac} check
         * @throws NullPointerException if {@code plaintext} or {@code mac} is null
         */
        public Decrypted {
            Objects.requireNonNull(plaintext, "plaintext");
            Objects.requireNonNull(mac, "mac");
        }
    }

    /** The raw plaintext bytes and MAC outcome, for byte-exact tests and non-JSON reference vectors. */
    record RawDecrypted(byte[] plaintext, MacCheck mac) {}

    /**
     * Encrypts {@code plaintextUtf8} (the JSON of a SessionData) to {@code backupKey} with a fresh ephemeral key,
     * used once and dropped. The shared secret and derived keys are zeroed.
     *
     * @param plaintextUtf8 the plaintext; not changed or kept, so the caller still zeroes it (it holds the
     *     session key)
     * @param backupKey the backup's public key, from a trusted {@code auth_data.public_key}
     * @return the {@code session_data} object {@code {ephemeral, ciphertext, mac}}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code backupKey} is a small-order point
     * @throws IllegalStateException if the JCA provider lacks X25519, AES-256-CBC or HMAC-SHA-256
     */
    public static Json.Obj encrypt(byte[] plaintextUtf8, Curve25519PublicKey backupKey) {
        EphemeralKey ephemeral = EphemeralKey.generate();
        return encrypt(plaintextUtf8, backupKey, ephemeral.publicKey(), ephemeral::agree);
    }

    /** X25519 with the ephemeral private key, whichever object holds it. */
    @FunctionalInterface
    private interface Agreement {
        byte[] with(Curve25519PublicKey peer) throws KeyFormatException;
    }

    /**
     * Deterministic variant for reference vectors and test scenarios only, hence not public: the AES key
     * <em>and IV</em> come from the DH output, so reusing {@code ephemeral} for two plaintexts leaks their
     * relation. Tests in other packages reach it through a helper of the test tree.
     *
     * @throws IllegalArgumentException if {@code backupKey} is a small-order point
     */
    static Json.Obj encrypt(byte[] plaintextUtf8, Curve25519PublicKey backupKey, BackupDecryptionKey ephemeral) {
        return encrypt(plaintextUtf8, backupKey, ephemeral.publicKey(), ephemeral::agree);
    }

    private static Json.Obj encrypt(byte[] plaintextUtf8, Curve25519PublicKey backupKey, Curve25519PublicKey ephemeralPublic, Agreement ephemeral) {
        Objects.requireNonNull(plaintextUtf8, "plaintextUtf8");
        byte[] shared = null;
        byte[] okm = null;
        try {
            shared = ephemeral.with(backupKey);
            okm = deriveKeys(shared);
            byte[] ciphertext;
            try (Reused.Lease<Cipher> aes = Reused.aesCbc()) {
                aes.get().init(Cipher.ENCRYPT_MODE, new SecretKeySpec(okm, 0, 32, "AES"), new IvParameterSpec(okm, 64, 16));
                ciphertext = aes.get().doFinal(plaintextUtf8);
            }
            return Json.obj(
                    EPHEMERAL, Json.of(ephemeralPublic.toBase64()),
                    CIPHERTEXT, Json.of(Base64Unpadded.encode(ciphertext)),
                    MAC, Json.of(Base64Unpadded.encode(quirkMac(okm))));
        } catch (KeyFormatException e) {
            throw new IllegalArgumentException("backup public key: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CBC is not available from the JCA provider", e);
        } finally {
            Bytes.zero(shared, okm);
        }
    }

    /**
     * Decrypts one {@code session_data} object. The MAC outcome is part of the result, not an
     * exception; every other failure is a {@link DecryptionException} naming the field. The returned
     * plaintext is parsed strictly but not validated as a SessionData ({@link SessionData#from}).
     *
     * <p>The decrypted bytes and derived keys are zeroed; the returned object holds the session key as a
     * {@code String}, which cannot be.
     *
     * @param sessionData one session's {@code session_data} object, as served
     * @param key the backup decryption key; it stays the caller's
     * @return the plaintext object and the MAC outcome, which the caller must act on
     * @throws DecryptionException if the object cannot be decrypted with {@code key} (the only exception for
     *     any object; the ciphertext is capped at {@link #MAX_CIPHERTEXT_BYTES} before it is decoded)
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code key} has been closed
     */
    public static Decrypted decrypt(Json.Obj sessionData, BackupDecryptionKey key) throws DecryptionException {
        RawDecrypted raw = decryptRaw(sessionData, key);
        try {
            // JsonReader checks UTF-8 strictly and rejects duplicate keys, floats, trailing data.
            if (!(JsonReader.parse(raw.plaintext(), MAX_CIPHERTEXT_BYTES) instanceof Json.Obj obj)) {
                throw new DecryptionException("plaintext: not a JSON object");
            }
            return new Decrypted(obj, raw.mac());
        } catch (JsonException e) {
            throw new DecryptionException("plaintext: " + e.getMessage());
        } finally {
            Bytes.zero(raw.plaintext()); // holds the session key
        }
    }

    /** Decryption down to the padded-checked plaintext bytes (the caller zeroes them). */
    static RawDecrypted decryptRaw(Json.Obj sessionData, BackupDecryptionKey key) throws DecryptionException {
        Objects.requireNonNull(sessionData, "sessionData");
        Objects.requireNonNull(key, "key");
        // Cheap structural checks first, so a malformed entry costs no scalar multiplication.
        Curve25519PublicKey ephemeral;
        byte[] ciphertext;
        try {
            ephemeral = Curve25519PublicKey.parse(EPHEMERAL, stringField(sessionData, EPHEMERAL));
            String ct = stringField(sessionData, CIPHERTEXT);
            if (ct.length() > MAX_CIPHERTEXT_BYTES / 3 * 4 + 8) throw new DecryptionException(CIPHERTEXT + ": over the limit of " + MAX_CIPHERTEXT_BYTES + " bytes");
            ciphertext = Base64Unpadded.decode(CIPHERTEXT, ct);
        } catch (KeyFormatException e) {
            throw new DecryptionException(e.getMessage());
        }
        if (ciphertext.length == 0 || ciphertext.length % AES_BLOCK != 0) {
            throw new DecryptionException(CIPHERTEXT + ": expected a non-zero multiple of 16 bytes, got " + ciphertext.length);
        }
        if (ciphertext.length > MAX_CIPHERTEXT_BYTES) throw new DecryptionException(CIPHERTEXT + ": over the limit of " + MAX_CIPHERTEXT_BYTES + " bytes");

        byte[] shared = null;
        byte[] okm = null;
        try {
            try {
                shared = key.agree(ephemeral);
            } catch (KeyFormatException e) {
                throw new DecryptionException(EPHEMERAL + ": small-order point (all-zero shared secret)");
            }
            okm = deriveKeys(shared);
            MacCheck mac = checkMac(sessionData, okm);
            try (Reused.Lease<Cipher> aes = Reused.aesCbc()) {
                aes.get().init(Cipher.DECRYPT_MODE, new SecretKeySpec(okm, 0, 32, "AES"), new IvParameterSpec(okm, 64, 16));
                // The JDK validates PKCS#7 fully: pad byte 1..16 and every pad byte equal.
                return new RawDecrypted(aes.get().doFinal(ciphertext), mac);
            } catch (BadPaddingException | IllegalBlockSizeException e) {
                throw new DecryptionException(CIPHERTEXT + ": bad padding (wrong key or modified ciphertext)");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-CBC or HMAC-SHA-256 is not available from the JCA provider", e);
        } finally {
            Bytes.zero(shared, okm);
        }
    }

    /** HKDF-SHA-256(IKM = shared secret, salt = 32 zero bytes, info = empty, L = 80); the caller zeroes it. */
    static byte[] deriveKeys(byte[] sharedSecret) {
        return Hkdf.sha256(sharedSecret, Hkdf.ZERO_SALT, EMPTY, OKM_LENGTH);
    }

    /** HMAC-SHA-256(okm[32,64), "")[:8] — the libolm quirk: the MAC covers nothing (protocol.md §6.5). */
    static byte[] quirkMac(byte[] okm) throws GeneralSecurityException {
        byte[] full;
        try (Reused.Lease<Mac> hmac = Reused.hmacSha256()) {
            hmac.get().init(new SecretKeySpec(okm, 32, 32, "HmacSHA256"));
            full = hmac.get().doFinal(EMPTY);
        }
        byte[] truncated = java.util.Arrays.copyOf(full, MAC_LENGTH);
        Bytes.zero(full);
        return truncated;
    }

    private static MacCheck checkMac(Json.Obj sessionData, byte[] okm) throws GeneralSecurityException {
        Json field = sessionData.get(MAC);
        if (field == null) return MacCheck.MISSING;
        if (!(field instanceof Json.Str s)) return MacCheck.MALFORMED;
        byte[] given;
        try {
            given = Base64Unpadded.decode(MAC, s.value()); // lenient: "+U4/6YmriPU=" is the correct MAC
        } catch (KeyFormatException e) {
            return MacCheck.MALFORMED;
        }
        // Exactly 8 bytes: vodozemac's prefix comparison would accept a 1-byte "MAC"; we do not.
        if (given.length != MAC_LENGTH) return MacCheck.MALFORMED;
        byte[] expected = quirkMac(okm);
        try {
            return Bytes.constantTimeEquals(expected, given) ? MacCheck.MATCH : MacCheck.MISMATCH;
        } finally {
            Bytes.zero(expected);
        }
    }

    private static String stringField(Json.Obj o, String field) throws DecryptionException {
        String s = o.string(field);
        if (s == null) throw new DecryptionException(field + (o.has(field) ? ": expected a string" : ": missing"));
        return s;
    }
}
