package keybackup.workflow;

import java.util.Optional;
import keybackup.backup.AuthData;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.secrets.SecretStorage;
import keybackup.trust.OwnIdentity;

/**
 * Creates a signed backup (digest 07 §7.1): a backup key pair and a backup signing key, an AuthData naming
 * both, signed by the master key (from Secret Storage, checked against the published one) and/or this
 * device, a new backup version, and both private keys in Secret Storage under the default key.
 *
 * <p>Order, so that Secret Storage holds the keys of the current version at every step: an account that
 * already has a backup is refused (that is what {@link Migrate} is for); the signer is checked before
 * anything is written; the secrets are written before the version is created; if no version was created,
 * the previous secret contents are put back.
 */
public final class Enable {
    private Enable() {}

    public record Result(String version, Curve25519PublicKey backupKey, Ed25519PublicKey signingKey, boolean signedByMaster,
                         boolean signedByDevice) {}

    public static Result run(Account account, FieldNames names) throws StoreException, WorkflowException {
        UnlockedSecretStorage secrets = account.secrets();
        Optional<Json.Obj> existing = account.store().currentVersion();
        if (existing.isPresent()) {
            // Enabling again would replace m.megolm_backup.v1 and leave the keys of that version unreadable.
            throw new WorkflowException("a backup (version " + existing.get().string("version") + ") already exists: "
                    + "use migrate to move it to a new signed version");
        }
        requireSigner(account);
        Optional<Json.Obj> oldBackupKey = secrets.saved(SecretStorage.BACKUP_DECRYPTION_KEY);
        Optional<Json.Obj> oldSigningKey = secrets.saved(SecretStorage.BACKUP_SIGNING_KEY);
        try (BackupDecryptionKey backupKey = BackupDecryptionKey.generate();
             Ed25519PrivateKey signingKey = Ed25519PrivateKey.generate()) {
            // The secrets first: while no version exists nothing needs them, and once the version exists
            // (the moment the POST succeeds, even if its answer is lost) Secret Storage already holds its keys.
            try {
                byte[] raw = backupKey.exportBytes();
                try {
                    secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
                } finally {
                    java.util.Arrays.fill(raw, (byte) 0);
                }
                secrets.storeBackupSigningKey(signingKey);
            } catch (StoreException | RuntimeException e) {
                throw new WorkflowException("could not store the backup keys in Secret Storage (" + e.getMessage() + "); no backup was created; "
                        + putBack(account, oldBackupKey, oldSigningKey) + ": run enable again", e);
            }
            Created c;
            try {
                c = createSignedVersion(account, backupKey.publicKey(), signingKey, names);
            } catch (StoreException | WorkflowException e) {
                // A failed POST may still have created the version (a timeout, then a retry): if the current
                // version names our signing key, it is ours, and its keys are already stored.
                Json.Obj current;
                try {
                    current = account.store().currentVersion().orElse(null);
                } catch (StoreException unreachable) {
                    e.addSuppressed(unreachable);
                    throw new WorkflowException("could not create the backup version (" + e.getMessage() + "); whether it exists is not "
                            + "known, so Secret Storage keeps its new keys: run status, then enable again if there is no backup", e);
                }
                Json.Obj ad = current == null ? null : current.object("auth_data");
                if (ad == null || !(keybackup.backup.AuthData.of(ad).signingKey() instanceof keybackup.backup.AuthData.SigningKeyField.Present p)
                        || !p.key().equals(signingKey.publicKey())) {
                    throw new WorkflowException("could not create the backup version (" + e.getMessage() + "); "
                            + putBack(account, oldBackupKey, oldSigningKey) + ": run enable again", e);
                }
                c = new Created(current.string("version"), ad, false, account.device() != null);
            }
            return new Result(c.version(), backupKey.publicKey(), signingKey.publicKey(), c.byMaster(), c.byDevice());
        }
    }

    /** Puts the previous secrets back after no version was created; says whether it worked. */
    private static String putBack(Account account, Optional<Json.Obj> oldBackupKey, Optional<Json.Obj> oldSigningKey) {
        try {
            UnlockedSecretStorage secrets = account.secrets();
            secrets.restore(SecretStorage.BACKUP_DECRYPTION_KEY, oldBackupKey);
            secrets.restore(SecretStorage.BACKUP_SIGNING_KEY, oldSigningKey);
            return "the previous secrets were put back";
        } catch (StoreException | WorkflowException e) {
            return "the previous secrets could not be put back (" + e.getMessage() + ")";
        }
    }

    /** Fails before anything is written when no signer is available for a new AuthData. */
    static void requireSigner(Account account) throws StoreException, WorkflowException {
        if (account.device() != null) return;
        Optional<Ed25519PrivateKey> master = account.hasSecrets() ? account.masterKeyFromSecretStorage(account.identity()) : Optional.empty();
        if (master.isEmpty()) {
            throw new WorkflowException("nothing can sign the new AuthData: store the master key in Secret Storage "
                    + "(m.cross_signing.master, matching the published master key) or give this device's key");
        }
        master.get().close();
    }

    record Created(String version, Json.Obj authData, boolean byMaster, boolean byDevice) {}

    /**
     * Signs a new AuthData with every signer available (master key from Secret Storage when it matches
     * the published one; this device) and creates the version. At least one signer is required:
     * otherwise no reader would ever trust the signing key.
     */
    static Created createSignedVersion(Account account, Curve25519PublicKey backupKey, Ed25519PrivateKey signingKey,
                                       FieldNames names) throws StoreException, WorkflowException {
        OwnIdentity identity = account.identity();
        Json.Obj authData = AuthData.create(backupKey.toBase64(), signingKey.publicKey(), names).json();
        Optional<Ed25519PrivateKey> master = account.hasSecrets() ? account.masterKeyFromSecretStorage(identity) : Optional.empty();
        Account.Device device = account.device();
        if (master.isEmpty() && device == null) {
            throw new WorkflowException("nothing can sign the new AuthData: store the master key in Secret Storage "
                    + "(m.cross_signing.master, matching the published master key) or give this device's key");
        }
        if (master.isPresent()) {
            try (Ed25519PrivateKey m = master.get()) {
                authData = SignedJson.sign(authData, account.userId(), "ed25519:" + m.publicKey().toBase64(), m);
            }
        }
        if (device != null) authData = SignedJson.sign(authData, account.userId(), "ed25519:" + device.id(), device.key());
        String version = account.store().createVersion(MegolmBackupV1.ALGORITHM, authData);
        return new Created(version, authData, master.isPresent(), device != null);
    }
}
