package keybackup.workflow;

import java.util.Arrays;
import java.util.Optional;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.KeyDescription;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;

/**
 * Secret Storage of one account, opened with its default key. Reads and writes the secrets this project
 * uses through the account data of a {@link BackupStore}. Every key read here is still only a candidate:
 * callers compare it with the published public key before use.
 *
 * <p>Opening never writes. It fails on a key or passphrase that does not pass the default key's check. It
 * succeeds, for reading only, when the server's description of the key cannot vouch for it: no key check
 * (iv/mac), or a passphrase with fewer than {@value KeyDescription#MIN_ITERATIONS_FOR_WRITING} PBKDF2
 * iterations. {@link #writeWarning} then says why, for the CLI to print, and every method that encrypts a
 * secret ({@link #storeKeyBytes}, {@link #storeSeed}, {@link #storeBackupSigningKey}) and
 * {@link #requireWritable} throw {@link SecretStorageException} {@code WEAK_KEY} before anything is sent: a
 * server that strips the check and lowers the count cannot get new secrets written under a key it can guess
 * cheaply (see {@link KeyDescription#requireWritable}).
 *
 * <p>It owns the Secret Storage key it was opened with: {@link #close()} closes that key (zeroing it), and
 * every later use throws {@link IllegalStateException}. Use it in try-with-resources.
 */
public final class UnlockedSecretStorage implements AutoCloseable {
    private final BackupStore store;
    private final SecretStorageKey key;
    private final String keyId;
    private final KeyDescription description;
    private final KeyDescription.Check check;
    private volatile boolean closed;

    private UnlockedSecretStorage(BackupStore store, SecretStorageKey key, String keyId, KeyDescription description,
            KeyDescription.Check check) {
        this.store = store;
        this.key = key;
        this.keyId = keyId;
        this.description = description;
        this.check = check;
    }

    /**
     * Opens Secret Storage with {@code key}, which must not fail the default key's check. The result owns
     * {@code key}: closing it closes the key. Nothing is written to the server.
     *
     * @param store where the account data of Secret Storage is read
     * @param key the candidate Secret Storage key, for example from a recovery key; owned by the result
     * @return Secret Storage opened for reading, and for writing unless {@link #writeWarning} says otherwise
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws SecretStorageException the server's key description is malformed or uses an unsupported algorithm
     * @throws WorkflowException Secret Storage is not set up on the account, the default key has no description,
     *         or {@code key} fails its check (the user gave the wrong recovery key)
     */
    public static UnlockedSecretStorage unlock(BackupStore store, SecretStorageKey key) throws StoreException,
            SecretStorageException, WorkflowException {
        String id = defaultKeyId(store);
        KeyDescription d = description(store, id);
        KeyDescription.Check c = d.check(key);
        if (c == KeyDescription.Check.MISMATCH) {
            throw new WorkflowException("wrong Secret Storage key: it fails the key check of the account's Secret "
                    + "Storage key '" + id + "' (is it the right recovery key?)");
        }
        return new UnlockedSecretStorage(store, key, id, d, c);
    }

    /**
     * Opens Secret Storage with a passphrase (the caller wipes it), through the default key's {@code m.pbkdf2}
     * parameters. Nothing is written to the server.
     *
     * @param store where the account data of Secret Storage is read
     * @param passphrase the user's passphrase; not kept, and wiped by the caller, not here
     * @return Secret Storage opened with the key derived from {@code passphrase}, which the result owns
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws SecretStorageException the server's key description or its passphrase parameters are malformed
     *         or unsupported
     * @throws WorkflowException Secret Storage is not set up, the default key has no description or no
     *         passphrase (the user must give the recovery key), or the passphrase fails the key check
     */
    public static UnlockedSecretStorage unlockWithPassphrase(BackupStore store,
            char[] passphrase) throws StoreException, SecretStorageException, WorkflowException {
        String id = defaultKeyId(store);
        KeyDescription d = description(store, id);
        if (d.passphrase() == null) {
            throw new WorkflowException("the Secret Storage key '" + id
                    + "' has no passphrase; use its recovery key (--recovery-key-file FILE)");
        }
        SecretStorageKey k = SecretStorageKey.fromPassphrase(passphrase, d);
        KeyDescription.Check c = d.check(k);
        if (c == KeyDescription.Check.MISMATCH) {
            k.close();
            throw new WorkflowException("secret storage: wrong passphrase");
        }
        return new UnlockedSecretStorage(store, k, id, d, c);
    }

    /**
     * Whether the account's default Secret Storage key can be opened with a passphrase (asked before prompting for
     * one). Reads account data only.
     *
     * @param store where the account data of Secret Storage is read
     * @return true when the default key's description carries {@code m.pbkdf2} parameters
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws SecretStorageException the server's key description is malformed or unsupported
     * @throws WorkflowException Secret Storage is not set up, or the default key has no description
     */
    public static boolean defaultKeyHasPassphrase(BackupStore store) throws StoreException, SecretStorageException,
            WorkflowException {
        return description(store, defaultKeyId(store)).passphrase() != null;
    }

    /**
     * Sets up Secret Storage: a key description for {@code key} under {@code keyId}, made the default key.
     * The result owns {@code key}: closing it closes the key. Writes the description first and the default
     * key pointer second; an existing default key is replaced, and its description is left on the server.
     *
     * @param store where the two account data events are written
     * @param key the new Secret Storage key; owned by the result
     * @param keyId the ID to file the key description under
     * @return Secret Storage opened with {@code key}, writable because the description this module writes
     *         carries a key check
     * @throws StoreException a write failed; the description may be stored without being made the default
     */
    public static UnlockedSecretStorage create(BackupStore store, SecretStorageKey key,
            String keyId) throws StoreException {
        UnlockedSecretStorage s = createKey(store, key, keyId);
        s.makeDefault();
        return s;
    }

    /**
     * Files a key description for {@code key} under {@code keyId} without making it the default key, so that
     * secrets can be stored under it before {@link #makeDefault} makes it the account's Secret Storage in one
     * last write: until then nothing of the account depends on the key (a first set-up that fails midway can
     * drop the key and start again). The result owns {@code key}: closing it closes the key.
     *
     * @param store where the key description is written
     * @param key the new Secret Storage key; owned by the result
     * @param keyId the ID to file the key description under
     * @return Secret Storage opened with {@code key}, writable (the description carries a key check)
     * @throws StoreException the write failed; the description may or may not be stored
     */
    public static UnlockedSecretStorage createKey(BackupStore store, SecretStorageKey key,
            String keyId) throws StoreException {
        Json.Obj content = KeyDescription.create(key, "m.default", null);
        KeyDescription d;
        try {
            d = KeyDescription.parse(content);
        } catch (SecretStorageException e) {
            throw new IllegalStateException("a description this module wrote does not parse: " + e.getMessage(), e);
        }
        store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + keyId, content);
        return new UnlockedSecretStorage(store, key, keyId, d, d.check(key));
    }

    /**
     * Makes this key the account's default Secret Storage key ({@code m.secret_storage.default_key}), replacing
     * any other; one write.
     *
     * @throws StoreException the write failed; the default key may or may not have been replaced
     */
    public void makeDefault() throws StoreException {
        requireOpen();
        store.putAccountData(SecretStorage.DEFAULT_KEY_TYPE, Json.obj("key", Json.of(keyId)));
    }

    /**
     * Why no secret will be written under this key (no key check, or too few passphrase iterations), as
     * one line for a warning; empty when writing is allowed. Reading works either way.
     *
     * @return the reason writes are refused, naming the key ID, or empty
     */
    public Optional<String> writeWarning() {
        requireOpen();
        return description.writeWeakness(check)
                .map(w -> "secret storage key " + keyId + ": " + w
                + "; secrets can be read, but none will be written under this key");
    }

    /**
     * Throws unless secrets may be written under this key; workflows call it before their first write, so
     * that a refusal leaves the server untouched.
     *
     * @throws SecretStorageException {@code WEAK_KEY}, saying why and what to do
     */
    public void requireWritable() throws SecretStorageException {
        requireOpen();
        description.requireWritable(keyId, check);
    }

    private static String defaultKeyId(BackupStore store) throws StoreException, SecretStorageException,
            WorkflowException {
        Json.Obj def = store.getAccountData(SecretStorage.DEFAULT_KEY_TYPE)
                .orElseThrow(() -> new WorkflowException("secret storage is not set up (no "
                + SecretStorage.DEFAULT_KEY_TYPE + ")"));
        String id = def.string("key");
        if (id == null) {
            throw new WorkflowException(SecretStorage.DEFAULT_KEY_TYPE + ": key is missing or not a string");
        }
        return id;
    }

    private static KeyDescription description(BackupStore store, String id) throws StoreException,
            SecretStorageException, WorkflowException {
        Json.Obj d = store.getAccountData(SecretStorage.KEY_TYPE_PREFIX + id)
                .orElseThrow(() -> new WorkflowException("secret storage key " + id + " has no description"));
        return KeyDescription.parse(d);
    }

    /**
     * The ID of the key this storage was opened with: the account's default key at the time of opening.
     *
     * @return the Secret Storage key ID
     */
    public String keyId() {
        requireOpen();
        return keyId;
    }

    /**
     * A 32-byte key secret ({@code m.megolm_backup.v1}, {@code m.cross_signing.master}); empty when not stored. Caller
     * zeroes.
     *
     * @param name the account data type of the secret
     * @return the decrypted 32 bytes, owned by the caller, or empty when the account holds no such event
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws SecretStorageException the secret has no copy under this key ({@code NOT_STORED}), is malformed,
     *         fails its MAC (wrong key or tampered by the server) or does not decode to 32 bytes
     * @throws WorkflowException declared for the workflows that call it; not thrown by this method today
     */
    public Optional<byte[]> keyBytes(String name) throws StoreException, SecretStorageException, WorkflowException {
        requireOpen();
        Optional<Json.Obj> content = store.getAccountData(name);
        if (content.isEmpty()) return Optional.empty();
        return Optional.of(SecretStorage.loadKeyBytes(name, content.get(), key, keyId));
    }

    /**
     * The backup signing key ({@code m.key_backup.signing}); empty when not stored. It is only a candidate
     * until compared with the public key the backup publishes.
     *
     * @return the private key, owned (and closed) by the caller, or empty when the account holds no such event
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws SecretStorageException the secret has no copy under this key, is malformed, fails its MAC (wrong
     *         key or tampered by the server) or is not a 32-byte seed
     * @throws WorkflowException declared for the workflows that call it; not thrown by this method today
     */
    public Optional<Ed25519PrivateKey> backupSigningKey() throws StoreException, SecretStorageException,
            WorkflowException {
        requireOpen();
        Optional<Json.Obj> content = store.getAccountData(SecretStorage.BACKUP_SIGNING_KEY);
        if (content.isEmpty()) return Optional.empty();
        return Optional.of(SecretStorage.loadBackupSigningKey(content.get(), key, keyId));
    }

    /**
     * Stores a new value of a 32-byte key secret. Copies of the old value under other Secret Storage keys
     * are dropped, not kept: they would hand another client a stale key.
     *
     * @param name the account data type of the secret
     * @param bytes the 32-byte secret; copied into the ciphertext, not kept, and zeroed by the caller
     * @throws StoreException the write failed; the old value may or may not have been replaced
     * @throws SecretStorageException {@code WEAK_KEY}: this key may not be written under; nothing was sent
     */
    public void storeKeyBytes(String name, byte[] bytes) throws StoreException, SecretStorageException {
        requireOpen();
        requireWritable();
        store.putAccountData(name, SecretStorage.storeKeyBytes(name, bytes, key, keyId, null));
    }

    /**
     * Stores the 32-byte seed of an Ed25519 key (for example {@code m.cross_signing.master}) as a key secret,
     * as {@link #storeKeyBytes} does. The exported seed is zeroed before returning.
     *
     * @param name the account data type of the secret
     * @param key the private key whose seed is stored; still owned by the caller
     * @throws StoreException the write failed; the old value may or may not have been replaced
     * @throws SecretStorageException {@code WEAK_KEY}: this key may not be written under; nothing was sent
     */
    public void storeSeed(String name, Ed25519PrivateKey key) throws StoreException, SecretStorageException {
        requireOpen();
        byte[] seed = key.exportSeed();
        try {
            storeKeyBytes(name, seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /**
     * Stores a new backup signing key ({@code m.key_backup.signing}), dropping copies of the old one.
     *
     * @param signingKey the new key; its seed is encrypted, the key stays owned by the caller
     * @throws StoreException the write failed; the old value may or may not have been replaced
     * @throws SecretStorageException {@code WEAK_KEY}: this key may not be written under; nothing was sent
     */
    public void storeBackupSigningKey(Ed25519PrivateKey signingKey) throws StoreException, SecretStorageException {
        requireOpen();
        requireWritable();
        store.putAccountData(SecretStorage.BACKUP_SIGNING_KEY, SecretStorage.storeBackupSigningKey(signingKey, key,
                keyId, null));
    }

    /**
     * Whether account data {@code name} holds a secret under any key: its {@code encrypted} member is an
     * object with at least one entry. Absent account data, {@code {}} and an empty or unusable
     * {@code encrypted} member hold nothing (protocol.md §8.1). Decrypts nothing.
     *
     * @param name the account data type of the secret
     * @return true when some key, not necessarily this one, holds a copy
     * @throws StoreException the account data could not be fetched (network or server failure)
     */
    public boolean holds(String name) throws StoreException {
        requireOpen();
        Optional<Json.Obj> content = store.getAccountData(name);
        return content.isPresent() && content.get().get("encrypted") instanceof Json.Obj e && !e.members().isEmpty();
    }

    /**
     * The account data of a secret exactly as stored (encrypted), to put back if a workflow must undo a change.
     *
     * @param name the account data type of the secret
     * @return the stored content, or empty when the account has no such event
     * @throws StoreException the account data could not be fetched (network or server failure)
     */
    public Optional<Json.Obj> saved(String name) throws StoreException {
        requireOpen();
        return store.getAccountData(name);
    }

    /**
     * Puts back what {@link #saved} returned; an absent secret is written as {@code {}} ("deleted"). Not
     * subject to the write rule: it encrypts nothing, it only returns ciphertext the server already held,
     * and refusing it could only lose a secret on a failure path.
     *
     * @param name the account data type of the secret
     * @param saved what {@link #saved} returned for {@code name}
     * @throws StoreException the write failed; the secret may still hold the workflow's new value
     */
    public void restore(String name, Optional<Json.Obj> saved) throws StoreException {
        requireOpen();
        store.putAccountData(name, saved.orElse(Json.obj()));
    }

    /** Closes the Secret Storage key; any later use of this object throws {@link IllegalStateException}. */
    @Override
    public void close() {
        closed = true;
        key.close();
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("secret storage: used after close()");
    }
}
