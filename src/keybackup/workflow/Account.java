package keybackup.workflow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * (when known), and the trust anchors the user gave. It only gathers anchors ({@link TrustAnchors}: this
 * device, the master key held in Secret Storage, what the user pinned); what each is worth is decided in
 * {@code keybackup.trust} ({@link TrustResolver}).
 */
public final class Account {
    /**
     * This device: its id and private Ed25519 key (for signing AuthData and as a trust anchor). The caller
     * owns the key and closes it; this record never does.
     *
     * @param id the device ID
     * @param key the device's private Ed25519 key
     */
    public record Device(String id, Ed25519PrivateKey key) {
        /**
         * Checks that both parts are present.
         *
         * @param id the device ID
         * @param key the device's private Ed25519 key
         * @throws NullPointerException {@code id} or {@code key} is null (a caller bug)
         */
        public Device {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(key, "key");
        }
    }

    private final BackupStore store;
    private final UnlockedSecretStorage secrets;
    private final Device device;
    private final List<TrustAnchors.Anchor> given;

    /**
     * An account from anchors already gathered. Reads and writes nothing; Secret Storage and the device key
     * stay owned by the caller.
     *
     * @param store the backup store of the account
     * @param secrets unlocked Secret Storage, or null
     * @param device this device, or null
     * @param given what the user established besides this device (pinned master key, pinned devices,
     *     devices named by id only), passed on as given
     */
    public Account(BackupStore store, UnlockedSecretStorage secrets, Device device,
            List<? extends TrustAnchors.Anchor> given) {
        this.store = Objects.requireNonNull(store, "store");
        this.secrets = secrets;
        this.device = device;
        this.given = List.copyOf(given);
    }

    /**
     * An account from a master key and devices the user verified. Reads and writes nothing; Secret Storage
     * and the device key stay owned by the caller.
     *
     * @param store the backup store of the account
     * @param secrets unlocked Secret Storage, or null
     * @param device this device, or null
     * @param suppliedMasterKey a master key the user verified, or null
     * @param verifiedDevices own devices the user verified, with the keys verified
     */
    public Account(BackupStore store, UnlockedSecretStorage secrets, Device device, Ed25519PublicKey suppliedMasterKey,
                   Map<String, Ed25519PublicKey> verifiedDevices) {
        this(store, secrets, device, TrustAnchors.withoutDevice(store.userId(), suppliedMasterKey,
                verifiedDevices).anchors());
    }

    /**
     * The store every workflow of this account reads and writes through.
     *
     * @return the backup store
     */
    public BackupStore store() {
        return store;
    }

    /**
     * The account's Matrix user ID, as the store knows it.
     *
     * @return the user ID
     */
    public String userId() {
        return store.userId();
    }

    /**
     * This device, when the user gave it.
     *
     * @return this device, or null
     */
    public Device device() {
        return device;
    }

    /**
     * Secret Storage, for a step that cannot go on without it.
     *
     * @return the unlocked Secret Storage
     * @throws WorkflowException Secret Storage was not unlocked: the user must give its recovery key or
     *         passphrase
     */
    public UnlockedSecretStorage secrets() throws WorkflowException {
        if (secrets == null) throw new WorkflowException("this needs Secret Storage: give the secret storage recovery "
                + "key or passphrase");
        return secrets;
    }

    /**
     * Whether Secret Storage was unlocked, for steps that can go on without it.
     *
     * @return true when {@link #secrets()} returns without throwing
     */
    public boolean hasSecrets() {
        return secrets != null;
    }

    /**
     * The published identity, validated for form and self-consistency; nothing in it is trusted yet.
     * Queried from the server on every call.
     *
     * @return the master key, self-signing key and devices the server publishes, whichever are well-formed
     * @throws StoreException the keys query failed (network or server failure)
     */
    public OwnIdentity identity() throws StoreException {
        return OwnIdentity.fromKeysQuery(userId(), store.queryOwnKeys());
    }

    /**
     * The private master key from Secret Storage, if stored there and trusted as a master key by
     * {@link TrustResolver#trustedMasterKey} (it must equal the published one: a stale secret after an
     * identity reset is not used); empty otherwise. Secret Storage is not read when no master key is
     * published.
     *
     * @param identity the published identity, from {@link #identity()}
     * @return the trusted private master key, owned (and closed) by the caller, or empty
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws WorkflowException the stored master key cannot be decrypted or is not a valid seed (wrong Secret
     *         Storage key, or data tampered with)
     */
    public Optional<Ed25519PrivateKey> masterKeyFromSecretStorage(OwnIdentity identity) throws StoreException,
            WorkflowException {
        if (identity.masterKey() == null) return Optional.empty(); // nothing published to match: the secret is not read
        Optional<Ed25519PrivateKey> k = secretStorageMasterKey();
        if (k.isEmpty()) return k;
        TrustAnchors only =
                new TrustAnchors(userId(), List.of(new TrustAnchors.SecretStorageMasterKey(k.get().publicKey())));
        if (TrustResolver.trustedMasterKey(identity, only) == null) {
            k.get().close();
            return Optional.empty();
        }
        return k;
    }

    /** The private master key stored in Secret Storage ({@code m.cross_signing.master}), if any; not yet trusted. */
    private Optional<Ed25519PrivateKey> secretStorageMasterKey() throws StoreException, WorkflowException {
        if (secrets == null) return Optional.empty();
        try {
            Optional<byte[]> seed = secrets.keyBytes(SecretStorage.CROSS_SIGNING_MASTER);
            if (seed.isEmpty()) return Optional.empty();
            try {
                return Optional.of(Ed25519PrivateKey.fromSeed(seed.get()));
            } finally {
                Arrays.fill(seed.get(), (byte) 0);
            }
        } catch (SecretStorageException | KeyFormatException e) {
            throw new WorkflowException(SecretStorage.CROSS_SIGNING_MASTER + ": " + e.getMessage());
        }
    }

    /**
     * The trust anchors, as given: this device (with its own key), what the user pinned or named, and the
     * public half of a master key held in Secret Storage when the user pinned none (it counts only while it
     * matches the published one; that is the resolver's rule, not this method's).
     *
     * @param identity the published identity, from {@link #identity()}
     * @return the anchors for {@link TrustResolver}; no private key is kept in them
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws WorkflowException the master key in Secret Storage cannot be decrypted or is not a valid seed
     */
    public TrustAnchors anchors(OwnIdentity identity) throws StoreException, WorkflowException {
        List<TrustAnchors.Anchor> all = new ArrayList<>();
        if (device != null) all.add(new TrustAnchors.ThisDevice(device.id(), device.key().publicKey()));
        all.addAll(given);
        // Secret Storage is read only when the user pinned no master key (as before), and only when a master
        // key is published: otherwise the one held there could never count.
        if (identity.masterKey() != null && given.stream().noneMatch(a -> a instanceof TrustAnchors.PinnedMasterKey)) {
            Optional<Ed25519PrivateKey> ss = secretStorageMasterKey();
            if (ss.isPresent()) {
                try (Ed25519PrivateKey k = ss.get()) {
                    all.add(new TrustAnchors.SecretStorageMasterKey(k.publicKey()));
                }
            }
        }
        return new TrustAnchors(userId(), all);
    }

    /**
     * Trust of a backup version, from the store's identity and this account's anchors.
     *
     * @param versionInfo the version info as the server returned it ({@code auth_data} included)
     * @return the verdict on the version's AuthData, with its reason
     * @throws StoreException the keys query or the account data failed (network or server failure)
     * @throws WorkflowException the master key in Secret Storage cannot be decrypted or is not a valid seed
     */
    public AuthDataTrust trust(Json.Obj versionInfo) throws StoreException, WorkflowException {
        OwnIdentity identity = identity();
        return TrustResolver.resolve(versionInfo, identity, anchors(identity));
    }

    /**
     * The current backup version info, or an error saying there is none. Not validated beyond what the
     * store checks; nothing in it is trusted.
     *
     * @return the version info as the server returned it
     * @throws StoreException the request failed (network or server failure)
     * @throws WorkflowException the account has no key backup
     */
    public Json.Obj currentVersion() throws StoreException, WorkflowException {
        return store.currentVersion().orElseThrow(() ->
                new WorkflowException("there is no key backup on this account"));
    }
}
