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
 * Secret Storage of one account, opened with its default key after the key check passed. Reads and
 * writes the secrets this project uses through the account data of a {@link BackupStore}. Every key
 * read here is still only a candidate: callers compare it with the published public key before use.
 */
public final class UnlockedSecretStorage {
    private final BackupStore store;
    private final SecretStorageKey key;
    private final String keyId;

    private UnlockedSecretStorage(BackupStore store, SecretStorageKey key, String keyId) {
        this.store = store;
        this.key = key;
        this.keyId = keyId;
    }

    /** Opens Secret Storage with {@code key}, which must pass the default key's check. */
    public static UnlockedSecretStorage unlock(BackupStore store, SecretStorageKey key) throws StoreException, SecretStorageException, WorkflowException {
        String id = defaultKeyId(store);
        KeyDescription d = description(store, id);
        if (!d.checkKey(key)) throw new WorkflowException("secret storage key: wrong key (the key check of " + id + " fails)");
        return new UnlockedSecretStorage(store, key, id);
    }

    /** Opens Secret Storage with a passphrase (the caller wipes it), through the default key's {@code m.pbkdf2} parameters. */
    public static UnlockedSecretStorage unlockWithPassphrase(BackupStore store, char[] passphrase) throws StoreException, SecretStorageException, WorkflowException {
        String id = defaultKeyId(store);
        KeyDescription d = description(store, id);
        if (d.passphrase() == null) throw new WorkflowException("secret storage key " + id + " has no passphrase; use the recovery key");
        SecretStorageKey k = SecretStorageKey.fromPassphrase(passphrase, d);
        if (!d.checkKey(k)) throw new WorkflowException("secret storage: wrong passphrase");
        return new UnlockedSecretStorage(store, k, id);
    }

    /** Sets up Secret Storage: a key description for {@code key} under {@code keyId}, made the default key. */
    public static UnlockedSecretStorage create(BackupStore store, SecretStorageKey key, String keyId) throws StoreException {
        store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + keyId, KeyDescription.create(key, "m.default", null));
        store.putAccountData(SecretStorage.DEFAULT_KEY_TYPE, Json.obj("key", Json.of(keyId)));
        return new UnlockedSecretStorage(store, key, keyId);
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
        return keyId;
    }

    /** A 32-byte key secret ({@code m.megolm_backup.v1}, {@code m.cross_signing.master}); empty when not stored. Caller zeroes. */
    public Optional<byte[]> keyBytes(String name) throws StoreException, SecretStorageException, WorkflowException {
        Optional<Json.Obj> content = store.getAccountData(name);
        if (content.isEmpty()) return Optional.empty();
        return Optional.of(SecretStorage.loadKeyBytes(name, content.get(), key, keyId));
    }

    /** The backup signing key ({@code m.key_backup.signing}); empty when not stored. */
    public Optional<Ed25519PrivateKey> backupSigningKey() throws StoreException, SecretStorageException, WorkflowException {
        Optional<Json.Obj> content = store.getAccountData(SecretStorage.BACKUP_SIGNING_KEY);
        if (content.isEmpty()) return Optional.empty();
        return Optional.of(SecretStorage.loadBackupSigningKey(content.get(), key, keyId));
    }

    /**
     * Stores a new value of a 32-byte key secret. Copies of the old value under other Secret Storage keys
     * are dropped, not kept: they would hand another client a stale key.
     */
    public void storeKeyBytes(String name, byte[] bytes) throws StoreException {
        store.putAccountData(name, SecretStorage.storeKeyBytes(name, bytes, key, keyId, null));
    }

    /** Stores the 32-byte seed of an Ed25519 key (for example {@code m.cross_signing.master}) as a key secret. */
    public void storeSeed(String name, Ed25519PrivateKey key) throws StoreException {
        byte[] seed = key.exportSeed();
        try {
            storeKeyBytes(name, seed);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    /** Stores a new backup signing key ({@code m.key_backup.signing}), dropping copies of the old one. */
    public void storeBackupSigningKey(Ed25519PrivateKey signingKey) throws StoreException {
        store.putAccountData(SecretStorage.BACKUP_SIGNING_KEY, SecretStorage.storeBackupSigningKey(signingKey, key, keyId, null));
    }

    /** The account data of a secret exactly as stored (encrypted), to put back if a workflow must undo a change. */
    public Optional<Json.Obj> saved(String name) throws StoreException {
        return store.getAccountData(name);
    }

    /** Puts back what {@link #saved} returned; an absent secret is written as {@code {}} ("deleted"). */
    public void restore(String name, Optional<Json.Obj> saved) throws StoreException {
        store.putAccountData(name, saved.orElse(Json.obj()));
    }
}
