package keybackup.secrets;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.KeyFormatException;

/**
 * Secrets in user account data, encrypted with {@code m.secret_storage.v1.aes-hmac-sha2} (protocol.md §8.5).
 * The account-data type of a secret is its name; its content is
 * {@code {"encrypted": {"<key ID>": {"iv", "ciphertext", "mac"}}}}.
 *
 * <p>Security properties: writers use a fresh random IV with bit 63 cleared (protocol.md §8.6) and write
 * unpadded base64. Readers accept padded or unpadded base64, require a 16-byte IV and a 32-byte MAC,
 * verify the MAC in constant time <em>before</em> decrypting, use the stored IV as-is, and decode the
 * plaintext as strict UTF-8. The secret name is bound into the keys (HKDF info), so a ciphertext copied to
 * another account-data type fails its MAC. Error messages name the secret and key ID, never plaintext.
 *
 * <p>Not guaranteed here: that a decrypted key secret is current. After loading any key secret
 * ({@link #loadKeyBytes}, {@link #loadBackupSigningKey}) the caller must check it against the published
 * public key (protocol.md §8.8): the master seed against the {@code /keys/query} master key, the backup key against
 * {@code auth_data.public_key}, the backup signing seed against the trusted {@code signing_public_key}.
 * A mismatch means a stale secret (for example after a reset); the trust layer does that check.
 * Secrets given as {@code String} cannot be wiped; byte-array temporaries are zeroed (best effort).
 */
public final class SecretStorage {
    private SecretStorage() {}

    /** Account-data type naming the default key: content {@code {"key": "<key ID>"}} (protocol.md §8.2). */
    public static final String DEFAULT_KEY_TYPE = "m.secret_storage.default_key";
    /** Prefix of the account-data type of a key description; the key ID follows (protocol.md §8.3). */
    public static final String KEY_TYPE_PREFIX = "m.secret_storage.key.";
    /** The only algorithm the spec defines, and the only one implemented. */
    public static final String ALGORITHM = "m.secret_storage.v1.aes-hmac-sha2";

    /** Backup decryption key: base64 of the 32-byte X25519 private key (spec "Decryption key"). */
    public static final String BACKUP_DECRYPTION_KEY = "m.megolm_backup.v1";
    /** Backup signing key (seed proposal): unpadded base64 of the 32-byte Ed25519 seed (protocol.md §8.8). */
    public static final String BACKUP_SIGNING_KEY = "m.key_backup.signing";
    /** Cross-signing master key seed, base64. */
    public static final String CROSS_SIGNING_MASTER = "m.cross_signing.master";
    /** Cross-signing self-signing key seed, base64. */
    public static final String CROSS_SIGNING_SELF_SIGNING = "m.cross_signing.self_signing";
    /** Cross-signing user-signing key seed, base64. */
    public static final String CROSS_SIGNING_USER_SIGNING = "m.cross_signing.user_signing";

    /** Byte length of every key secret above. */
    private static final int KEY_SECRET_LENGTH = 32;

    /**
     * Encrypts {@code secret} as secret {@code name} under {@code key}, filed under {@code keyId}, with a fresh
     * random IV. The write rule ({@link KeyDescription#requireWritable}) is not applied here. The plaintext
     * bytes are zeroed after use.
     *
     * @param name the secret's name, which is its account-data type; bound into the encryption keys
     * @param secret the secret text
     * @param key the Secret Storage key; it stays the caller's
     * @param keyId the key's ID, under which the entry is filed
     * @return the account-data content {@code {"encrypted": {keyId: {"iv", "ciphertext", "mac"}}}}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code secret} holds a lone surrogate
     * @throws IllegalStateException if {@code key} has been closed
     */
    public static Json.Obj encrypt(String name, String secret, SecretStorageKey key, String keyId) {
        return encryptWithFixedIv(name, secret, key, keyId, randomIv(new SecureRandom()));
    }

    /**
     * As {@link #encrypt} but with the given IV, used as-is (bit 63 not cleared): for test vectors only.
     * Reusing an IV with the same key and name reveals the XOR of the two plaintexts.
     */
    static Json.Obj encryptWithFixedIv(String name, String secret, SecretStorageKey key, String keyId, byte[] iv) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyId, "keyId");
        byte[] plaintext = utf8(Objects.requireNonNull(secret, "secret"));
        try {
            AesHmacSha2.Sealed s = AesHmacSha2.seal(key.material(), name, plaintext, iv);
            Json.Obj entry = Json.obj("iv", Json.of(Base64Unpadded.encode(iv)),
                    "ciphertext", Json.of(Base64Unpadded.encode(s.ciphertext())),
                    "mac", Json.of(Base64Unpadded.encode(s.mac())));
            return Json.obj("encrypted", Json.obj(keyId, entry));
        } finally {
            Bytes.zero(plaintext);
        }
    }

    /**
     * {@code existingContent} with the secret (re)encrypted under {@code keyId}: the entries under other
     * key IDs, and other top-level members, are kept. Meant for storing the <em>same</em> secret under
     * one more key; when the secret's value changes, start from an empty object instead, or the other
     * entries go stale. An {@code encrypted} member that is not an object is replaced.
     *
     * @param existingContent the secret's current account-data content; not changed
     * @param name the secret's name, which is its account-data type
     * @param secret the secret text
     * @param key the Secret Storage key; it stays the caller's
     * @param keyId the key's ID; an entry already under it is replaced
     * @return the new content
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code secret} holds a lone surrogate
     * @throws IllegalStateException if {@code key} has been closed
     */
    public static Json.Obj addTo(Json.Obj existingContent, String name, String secret, SecretStorageKey key, String keyId) {
        Objects.requireNonNull(existingContent, "existingContent");
        Json.Obj fresh = encrypt(name, secret, key, keyId);
        Json.Obj old = existingContent.object("encrypted");
        Map<String, Json> merged = new LinkedHashMap<>(old == null ? Map.of() : old.members());
        merged.put(keyId, fresh.object("encrypted").get(keyId));
        return existingContent.with("encrypted", new Json.Obj(merged));
    }

    /**
     * Decrypts secret {@code name} from its account-data content, using the entry under {@code keyId}. The
     * MAC is checked before anything is decrypted; the plaintext bytes are zeroed after decoding.
     *
     * @param name the secret's name, which must be the one it was encrypted under
     * @param accountDataContent the secret's account-data content, as served
     * @param key the Secret Storage key; it stays the caller's
     * @param keyId the ID of {@code key}, whose entry is used
     * @return the secret text, which cannot be wiped
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code key} has been closed
     * @throws SecretStorageException {@code NOT_STORED} for {@code {}} or no entry under {@code keyId};
     *     {@code MALFORMED} for a bad entry; {@code BAD_MAC} for a wrong key, wrong name or tampered data;
     *     {@code BAD_PLAINTEXT} when the plaintext is not UTF-8
     */
    public static String decrypt(String name, Json.Obj accountDataContent, SecretStorageKey key, String keyId) throws SecretStorageException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(accountDataContent, "accountDataContent");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(keyId, "keyId");
        Json.Obj entry = entry(name, accountDataContent, keyId);
        String where = name + ": encrypted." + keyId + ".";
        byte[] iv = field(entry, where, "iv", AesHmacSha2.IV_LENGTH);
        byte[] ciphertext = field(entry, where, "ciphertext", -1);
        byte[] mac = field(entry, where, "mac", AesHmacSha2.MAC_LENGTH);
        byte[] plaintext = AesHmacSha2.open(key.material(), name, iv, ciphertext, mac);
        if (plaintext == null) {
            throw new SecretStorageException(SecretStorageException.Reason.BAD_MAC,
                    name + ": mac mismatch under key " + keyId + " (wrong key, wrong secret name, or tampered data)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(plaintext)).toString();
        } catch (CharacterCodingException e) {
            throw new SecretStorageException(SecretStorageException.Reason.BAD_PLAINTEXT, name + ": decrypted secret is not valid UTF-8");
        } finally {
            Bytes.zero(plaintext);
        }
    }

    /**
     * Stores the backup signing key's seed as secret {@value #BACKUP_SIGNING_KEY}: the unpadded base64 of
     * its 32-byte seed (protocol.md §8.8), merged into {@code existingOrNull} as {@link #addTo} does. The
     * exported seed is zeroed after use.
     *
     * @param key the backup signing key; it stays the caller's
     * @param ssKey the Secret Storage key; it stays the caller's
     * @param keyId the ID of {@code ssKey}
     * @param existingOrNull the secret's current content, whose entries under other key IDs are kept, or null
     * @return the new content of {@value #BACKUP_SIGNING_KEY}
     * @throws NullPointerException if {@code key}, {@code ssKey} or {@code keyId} is null
     * @throws IllegalStateException if {@code key} or {@code ssKey} has been closed
     */
    public static Json.Obj storeBackupSigningKey(Ed25519PrivateKey key, SecretStorageKey ssKey, String keyId, Json.Obj existingOrNull) {
        byte[] seed = Objects.requireNonNull(key, "key").exportSeed();
        try {
            return storeKeyBytes(BACKUP_SIGNING_KEY, seed, ssKey, keyId, existingOrNull);
        } finally {
            Bytes.zero(seed);
        }
    }

    /**
     * Loads the backup signing key from the content of {@value #BACKUP_SIGNING_KEY} (padded or unpadded
     * base64 of a 32-byte seed). The caller must then check its public key against the trusted
     * {@code signing_public_key} before signing anything with it. The decrypted seed is zeroed.
     *
     * @param content the account-data content of {@value #BACKUP_SIGNING_KEY}, as served
     * @param ssKey the Secret Storage key; it stays the caller's
     * @param keyId the ID of {@code ssKey}
     * @return the signing key, owned by the caller, who closes it when done
     * @throws SecretStorageException as {@link #decrypt} does, or {@code BAD_PLAINTEXT} when the secret is not
     *     base64 of 32 bytes
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code ssKey} has been closed
     */
    public static Ed25519PrivateKey loadBackupSigningKey(Json.Obj content, SecretStorageKey ssKey, String keyId) throws SecretStorageException {
        byte[] seed = loadKeyBytes(BACKUP_SIGNING_KEY, content, ssKey, keyId);
        try {
            return Ed25519PrivateKey.fromSeed(seed);
        } catch (KeyFormatException e) {
            throw new SecretStorageException(SecretStorageException.Reason.BAD_PLAINTEXT, BACKUP_SIGNING_KEY + ": " + e.getMessage());
        } finally {
            Bytes.zero(seed);
        }
    }

    /**
     * Stores a 32-byte key (a seed or an X25519 private key) as secret {@code name}: unpadded base64,
     * merged into {@code existingOrNull} as {@link #addTo} does. The base64 text is a {@code String} and
     * cannot be wiped.
     *
     * @param name the secret's name, which is its account-data type
     * @param key the 32 secret bytes; not changed or kept, so the caller still zeroes them
     * @param ssKey the Secret Storage key; it stays the caller's
     * @param keyId the ID of {@code ssKey}
     * @param existingOrNull the secret's current content, whose entries under other key IDs are kept, or null
     * @return the new content of {@code name}
     * @throws NullPointerException if {@code name}, {@code key}, {@code ssKey} or {@code keyId} is null
     * @throws IllegalArgumentException if {@code key} is not 32 bytes long
     * @throws IllegalStateException if {@code ssKey} has been closed
     */
    public static Json.Obj storeKeyBytes(String name, byte[] key, SecretStorageKey ssKey, String keyId, Json.Obj existingOrNull) {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_SECRET_LENGTH) throw new IllegalArgumentException(name + ": expected a 32-byte key, got " + key.length);
        String encoded = Base64Unpadded.encode(key);
        return addTo(existingOrNull == null ? Json.obj() : existingOrNull, name, encoded, ssKey, keyId);
    }

    /**
     * Loads a 32-byte key secret ({@value #BACKUP_DECRYPTION_KEY}, {@value #CROSS_SIGNING_MASTER}, …):
     * padded or unpadded base64 of exactly 32 bytes. The caller zeroes the result and must check the key
     * against its published public key before use. The legacy comma-separated form of
     * {@code m.megolm_backup.v1} (protocol.md §6.1) is rejected as {@code BAD_PLAINTEXT}.
     *
     * @param name the secret's name, which is its account-data type
     * @param content the secret's account-data content, as served
     * @param ssKey the Secret Storage key; it stays the caller's
     * @param keyId the ID of {@code ssKey}
     * @return the 32 key bytes, a new array owned by the caller
     * @throws SecretStorageException as {@link #decrypt} does, or {@code BAD_PLAINTEXT} when the secret is not
     *     base64 of 32 bytes
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code ssKey} has been closed
     */
    public static byte[] loadKeyBytes(String name, Json.Obj content, SecretStorageKey ssKey, String keyId) throws SecretStorageException {
        String encoded = decrypt(name, content, ssKey, keyId);
        try {
            return Base64Unpadded.decode(name + " (decrypted key)", encoded, KEY_SECRET_LENGTH);
        } catch (KeyFormatException e) {
            throw new SecretStorageException(SecretStorageException.Reason.BAD_PLAINTEXT, e.getMessage());
        }
    }

    /** The entry under {@code keyId}; {@code {}} and a missing entry are "not stored" (protocol.md §8.1). */
    private static Json.Obj entry(String name, Json.Obj content, String keyId) throws SecretStorageException {
        if (!content.has("encrypted")) throw notStored(name, keyId);
        Json.Obj encrypted = content.object("encrypted");
        if (encrypted == null) throw malformed(name + ": encrypted: expected an object");
        if (!encrypted.has(keyId)) throw notStored(name, keyId);
        Json.Obj entry = encrypted.object(keyId);
        if (entry == null) throw malformed(name + ": encrypted." + keyId + ": expected an object");
        return entry;
    }

    /** Decodes one base64 field; {@code length} -1 means any length. */
    private static byte[] field(Json.Obj entry, String where, String key, int length) throws SecretStorageException {
        if (!entry.has(key)) throw malformed(where + key + ": missing");
        String s = entry.string(key);
        if (s == null) throw malformed(where + key + ": expected a string");
        try {
            return length < 0 ? Base64Unpadded.decode(where + key, s) : Base64Unpadded.decode(where + key, s, length);
        } catch (KeyFormatException e) {
            throw malformed(e.getMessage());
        }
    }

    /** 16 random bytes with bit 63 (the top bit of byte 8) cleared, so no counter style wraps (protocol.md §8.6). */
    static byte[] randomIv(SecureRandom random) {
        byte[] iv = new byte[AesHmacSha2.IV_LENGTH];
        random.nextBytes(iv);
        iv[8] &= 0x7F;
        return iv;
    }

    /** Strict UTF-8: a lone surrogate is a caller bug, not silently written as '?'. */
    static byte[] utf8(String s) {
        try {
            ByteBuffer bb = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = Arrays.copyOfRange(bb.array(), bb.arrayOffset() + bb.position(), bb.arrayOffset() + bb.limit());
            Bytes.zero(bb.array());
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("secret: not valid Unicode (lone surrogate)");
        }
    }

    static SecretStorageException notStored(String name, String keyId) {
        return new SecretStorageException(SecretStorageException.Reason.NOT_STORED, name + ": secret not stored under key " + keyId);
    }

    static SecretStorageException malformed(String message) {
        return new SecretStorageException(SecretStorageException.Reason.MALFORMED, message);
    }
}
