package keybackup.workflow;

import java.util.Objects;
import java.util.Optional;
import java.util.Map;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.OwnIdentity;
import keybackup.trust.TrustAnchors;
import keybackup.trust.TrustResolver;

/**
 * One user's backup as the workflows see it: the store, Secret Storage (when unlocked), this device
 * (when known), and the trust anchors the user gave. The master key is trusted only if the user supplied
 * it or if the private master key from Secret Storage matches the published one (digest 06 §4).
 */
public final class Account {
    /** This device: its id and private Ed25519 key (for signing AuthData and as a trust anchor). */
    public record Device(String id, Ed25519PrivateKey key) {
        public Device {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(key, "key");
        }
    }

    private final BackupStore store;
    private final UnlockedSecretStorage secrets;
    private final Device device;
    private final Ed25519PublicKey suppliedMasterKey;
    private final Map<String, Ed25519PublicKey> verifiedDevices;

    /**
     * @param secrets unlocked Secret Storage, or null
     * @param device this device, or null
     * @param suppliedMasterKey a master key the user verified, or null
     * @param verifiedDevices own devices the user verified, with the keys verified
     */
    public Account(BackupStore store, UnlockedSecretStorage secrets, Device device, Ed25519PublicKey suppliedMasterKey,
                   Map<String, Ed25519PublicKey> verifiedDevices) {
        this.store = Objects.requireNonNull(store, "store");
        this.secrets = secrets;
        this.device = device;
        this.suppliedMasterKey = suppliedMasterKey;
        this.verifiedDevices = Map.copyOf(verifiedDevices);
    }

    public BackupStore store() {
        return store;
    }

    public String userId() {
        return store.userId();
    }

    public Device device() {
        return device;
    }

    public UnlockedSecretStorage secrets() throws WorkflowException {
        if (secrets == null) throw new WorkflowException("this needs Secret Storage: give the secret storage recovery key or passphrase");
        return secrets;
    }

    public boolean hasSecrets() {
        return secrets != null;
    }

    /** The published identity, validated. */
    public OwnIdentity identity() throws StoreException {
        return OwnIdentity.fromKeysQuery(userId(), store.queryOwnKeys());
    }

    /**
     * The private master key from Secret Storage, if stored there and equal to the published master key;
     * empty otherwise (a stale secret after an identity reset is not used).
     */
    public Optional<Ed25519PrivateKey> masterKeyFromSecretStorage(OwnIdentity identity) throws StoreException, WorkflowException {
        if (secrets == null || identity.masterKey() == null) return Optional.empty();
        try {
            Optional<byte[]> seed = secrets.keyBytes(SecretStorage.CROSS_SIGNING_MASTER);
            if (seed.isEmpty()) return Optional.empty();
            Ed25519PrivateKey k;
            try {
                k = Ed25519PrivateKey.fromSeed(seed.get());
            } finally {
                java.util.Arrays.fill(seed.get(), (byte) 0);
            }
            if (!k.publicKey().equals(identity.masterKey())) {
                k.close();
                return Optional.empty();
            }
            return Optional.of(k);
        } catch (SecretStorageException | KeyFormatException e) {
            throw new WorkflowException(SecretStorage.CROSS_SIGNING_MASTER + ": " + e.getMessage());
        }
    }

    /** The trust anchors: the supplied master key, else a Secret Storage master key matching the published one. */
    public TrustAnchors anchors(OwnIdentity identity) throws StoreException, WorkflowException {
        Ed25519PublicKey master = suppliedMasterKey;
        if (master == null) {
            Optional<Ed25519PrivateKey> fromSecrets = masterKeyFromSecretStorage(identity);
            if (fromSecrets.isPresent()) {
                master = fromSecrets.get().publicKey();
                fromSecrets.get().close();
            }
        }
        return new TrustAnchors(userId(), device == null ? null : device.id(), device == null ? null : device.key().publicKey(),
                master, verifiedDevices);
    }

    /** Trust of a backup version, from the store's identity and this account's anchors. */
    public AuthDataTrust trust(Json.Obj versionInfo) throws StoreException, WorkflowException {
        OwnIdentity identity = identity();
        return TrustResolver.resolve(versionInfo, identity, anchors(identity));
    }

    /** The current backup version info, or an error saying there is none. */
    public Json.Obj currentVersion() throws StoreException, WorkflowException {
        return store.currentVersion().orElseThrow(() -> new WorkflowException("there is no key backup on this account"));
    }
}
