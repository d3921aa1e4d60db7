package keybackup.workflow;

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

    private UnlockedSecretStorage(BackupStore store, SecretStorageKey key, String keyId, KeyDescription description, KeyDescription.Check check) {
        this.store = store;
        this.key = key;
        this.keyId = keyId;
        this.description = description;
        this.check = check;
    }

    /**
     * Opens Secret Storage with {@code key}, which must not fail the default key's check. The result owns
     * {@code key}: closing it closes the key.
     */
    public static UnlockedSecretStorage unlock(BackupStore store, SecretStorageKey key) throws StoreException, SecretStorageException, WorkflowException {
        String id = defaultKeyId(store);
        KeyDescription d = description(store, id);
        KeyDescription.Check c = d.check(key);
        if (c == KeyDescription.Check.MISMATCH) throw new WorkflowException("wrong Secret Storage key: it fails the key check of the account's Secret Storage key '" + id + "' (is it the right recovery key?)");
        return new UnlockedSecretStorage(store, key, id, d, c);
    }

    /** Opens Secret Storage with a passphrase (the caller wipes it), through the default key's {@code m.pbkdf2} parameters. */
    public static UnlockedSecretStorage unlockWithPassphrase(BackupStore store, char[] passphrase) throws StoreException, SecretStorageException, WorkflowException {
        String id = defaultKeyId(store);
        KeyDescription d = description(store, id);
        if (d.passphrase() == null) throw new WorkflowException("the Secret Storage key '" + id + "' has no passphrase; use its recovery key (--recovery-key-file FILE)");
        SecretStorageKey k = SecretStorageKey.fromPassphrase(passphrase, d);
        KeyDescription.Check c = d.check(k);
        if (c == KeyDescription.Check.MISMATCH) {
            k.close();
            throw new WorkflowException("secret storage: wrong passphrase");
        }
        return new UnlockedSecretStorage(store, k, id, d, c);
    }

    /** Whether the account's default Secret Storage key can be opened with a passphrase (asked before prompting for one). */
    public static boolean defaultKeyHasPassphrase(BackupStore store) throws StoreException, SecretStorageException, WorkflowException {
        return description(store, defaultKeyId(store)).passphrase() != null;
    }

    /**
     * Sets up Secret Storage: a key description for {@code key} under {@code keyId}, made the default key.
     * The result owns {@code key}: closing it closes the key.
     */
    public static UnlockedSecretStorage create(BackupStore store, SecretStorageKey key, String keyId) throws StoreException {
        Json.Obj content = KeyDescription.create(key, "m.default", null);
        KeyDescription d;
        try {
            d = KeyDescription.parse(content);
        } catch (SecretStorageException e) {
            throw new IllegalStateException("a description this module wrote does not parse: " + e.getMessage(), e);
        }
        store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + keyId, content);
        store.putAccountData(SecretStorage.DEFAULT_KEY_TYPE, Json.obj("key", Json.of(keyId)));
        return new UnlockedSecretStorage(store, key, keyId, d, d.check(key));
    }

    /**
     * Why no secret will be written under this key (no key check, or too few passphrase iterations), as
     * one line for a warning; empty when writing is allowed. Reading works either way.
     */
    public Optional<String> writeWarning() {
        requireOpen();
        return description.writeWeakness(check)
                .map(w -> "secret storage key " + keyId + ": " + w + "; secrets can be read, but none will be written under this key");
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

    private static String defaultKeyId(BackupStore store) throws StoreException, SecretStorageException, WorkflowException {
        Json.Obj def = store.getAccountData(SecretStorage.DEFAULT_KEY_TYPE)
                .orElseThrow(() -> new WorkflowException("secret storage is not set up (no " + SecretStorage.DEFAULT_KEY_TYPE + ")"));
        String id = def.string("key");
        if (id == null) throw new WorkflowException(SecretStorage.DEFAULT_KEY_TYPE + ": key is missing or not a string");
        return id;
    }

    private static KeyDescription description(BackupStore store, String id) throws StoreException, SecretStorageException, WorkflowException {
        Json.Obj d = store.getAccountData(SecretStorage.KEY_TYPE_PREFIX + id)
                .orElseThrow(() -> new WorkflowException("secret storage key " + id + " has no description"));
        return KeyDescription.parse(d);
    }

    public String keyId() {
        requireOpen();
        return keyId;
    }

    /** A 32-byte key secret ({@code m.megolm_backup.v1}, {@code m.cross_signing.master}); empty when not stored. Caller zeroes. */
    public Optional<byte[]> keyBytes(String name) throws StoreException, SecretStorageException, WorkflowException {
        requireOpen();
        Optional<Json.Obj> content = store.getAccountData(name);
        if (content.isEmpty()) return Optional.empty();
        return Optional.of(SecretStorage.loadKeyBytes(name, content.get(), key, keyId));
    }

    /** The backup signing key ({@code m.key_backup.signing}); empty when not stored. */
    public Optional<Ed25519PrivateKey> backupSigningKey() throws StoreException, SecretStorageException, WorkflowException {
        requireOpen();
        Optional<Json.Obj> content = store.getAccountData(SecretStorage.BACKUP_SIGNING_KEY);
        if (content.isEmpty()) return Optional.empty();
        return Optional.of(SecretStorage.loadBackupSigningKey(content.get(), key, keyId));
    }

    /**
     * Stores a new value of a 32-byte key secret. Copies of the old value under other Secret Storage keys
     * are dropped, not kept: they would hand another client a stale key.
     */
    public void storeKeyBytes(String name, byte[] bytes) throws StoreException, SecretStorageException {
        requireOpen();
        requireWritable();
        store.putAccountData(name, SecretStorage.storeKeyBytes(name, bytes, key, keyId, null));
    }

    /** Stores the 32-byte seed of an Ed25519 key (for example {@code m.cross_signing.master}) as a key secret. */
    public void storeSeed(String name, Ed25519PrivateKey key) throws StoreException, SecretStorageException {
        requireOpen();
        byte[] seed = key.exportSeed();
        try {
            storeKeyBytes(name, seed);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    /** Stores a new backup signing key ({@code m.key_backup.signing}), dropping copies of the old one. */
    public void storeBackupSigningKey(Ed25519PrivateKey signingKey) throws StoreException, SecretStorageException {
        requireOpen();
        requireWritable();
        store.putAccountData(SecretStorage.BACKUP_SIGNING_KEY, SecretStorage.storeBackupSigningKey(signingKey, key, keyId, null));
    }

    /**
     * Whether account data {@code name} holds a secret under any key: its {@code encrypted} member is an
     * object with at least one entry. Absent account data, {@code {}} and an empty or unusable
     * {@code encrypted} member hold nothing (protocol.md §8.1). Decrypts nothing.
     */
    public boolean holds(String name) throws StoreException {
        requireOpen();
        Optional<Json.Obj> content = store.getAccountData(name);
        return content.isPresent() && content.get().get("encrypted") instanceof Json.Obj e && !e.members().isEmpty();
    }

    /** The account data of a secret exactly as stored (encrypted), to put back if a workflow must undo a change. */
    public Optional<Json.Obj> saved(String name) throws StoreException {
        requireOpen();
        return store.getAccountData(name);
    }

    /**
     * Puts back what {@link #saved} returned; an absent secret is written as {@code {}} ("deleted"). Not
     * subject to the write rule: it encrypts nothing, it only returns ciphertext the server already held,
     * and refusing it could only lose a secret on a failure path.
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
