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
import keybackup.secrets.SecretStorageException;
import keybackup.trust.OwnIdentity;

/**
 * Creates a signed backup (protocol.md §11.1): a backup key pair and a backup signing key, an AuthData naming
 * both, signed by the master key (from Secret Storage, checked against the published one) and/or this
 * device, a new backup version, and both private keys in Secret Storage under the default key.
 *
 * <p>Order, so that a failure loses nothing: an account that already has a backup is refused (that is
 * what {@link Migrate} is for); so is a Secret Storage key that secrets must not be written under (no key
 * check, too few passphrase iterations: {@link UnlockedSecretStorage#requireWritable}), and so is a
 * Secret Storage that already holds {@code m.megolm_backup.v1} or {@code m.key_backup.signing} although
 * the server reports no backup (the old key may be the only way into an older backup; only an explicit
 * {@code replaceBackupSecrets} overrides that); the signer is checked before anything is written. Then,
 * so that Secret Storage holds the keys of the current version at every step, the secrets are written
 * before the version is created; if the create request was never sent, the previous secret contents are put
 * back, otherwise the new keys stay, whatever the answer (a server that refuses the request may still have
 * made the version and show it later).
 */
public final class Enable {
    private Enable() {}

    /**
     * The backup that was created. Only public keys: the private ones are in Secret Storage, nowhere else.
     *
     * @param version the new backup version
     * @param backupKey the public backup key, {@code auth_data.public_key}
     * @param signingKey the public backup signing key the AuthData names
     * @param signedByMaster whether the AuthData carries a signature of the master key
     * @param signedByDevice whether the AuthData carries a signature of this device
     */
    public record Result(String version, Curve25519PublicKey backupKey, Ed25519PublicKey signingKey,
                         boolean signedByMaster, boolean signedByDevice) {}

    /**
     * {@link #run(Account, FieldNames, boolean)} that never replaces backup secrets already in Secret Storage.
     *
     * @param account the account, with Secret Storage unlocked
     * @param names the spelling of the AuthData fields written (stable or unstable)
     * @return the new version and its public keys
     * @throws StoreException a read before anything was written failed (network or server failure); nothing
     *         was written
     * @throws WorkflowException a refusal before any write, as {@link #run(Account, FieldNames, boolean)} says,
     *         or a failed write, whose message says what was put back and what to run next
     */
    public static Result run(Account account, FieldNames names) throws StoreException, WorkflowException {
        return run(account, names, false);
    }

    /**
     * Creates the signed backup, in the order the class comment gives. Never deletes a backup version; the
     * previous backup secrets are overwritten only when {@code replaceBackupSecrets} asks for it.
     *
     * @param account the account, with Secret Storage unlocked; this device and the master key in Secret
     *     Storage are the candidate signers
     * @param names the spelling of the AuthData fields written (stable or unstable)
     * @param replaceBackupSecrets overwrite {@code m.megolm_backup.v1} and {@code m.key_backup.signing} even
     *     when Secret Storage already holds them: only on the user's explicit request to start over
     * @return the new version and its public keys
     * @throws StoreException a read before anything was written failed (network or server failure); nothing
     *         was written
     * @throws WorkflowException refused before any write: Secret Storage is locked or may not be written under,
     *     a backup already exists, backup secrets are already stored, or nothing can sign (a
     *     {@link SignerCheckException} when a signer does not match what the server publishes); or a write
     *     failed, and the message says whether the previous secrets were put back and what to run next
     */
    public static Result run(Account account, FieldNames names, boolean replaceBackupSecrets) throws StoreException,
            WorkflowException {
        UnlockedSecretStorage secrets = account.secrets();
        Optional<Json.Obj> existing = account.store().currentVersion();
        if (existing.isPresent()) {
            // Enabling again would replace m.megolm_backup.v1 and leave the keys of that version unreadable.
            throw new WorkflowException("a backup (version " + existing.get().string("version") + ") already exists: "
                    + "use migrate to move it to a new signed version");
        }
        requireWritable(secrets);
        if (!replaceBackupSecrets) requireNoBackupSecrets(secrets);
        requireSigner(account);
        SavedSecrets previous = SavedSecrets.of(secrets, SecretStorage.BACKUP_DECRYPTION_KEY,
                SecretStorage.BACKUP_SIGNING_KEY);
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
            } catch (StoreException | SecretStorageException | RuntimeException e) {
                throw new WorkflowException("could not store the backup keys in Secret Storage (" + e.getMessage()
                        + "); no backup was created; "
                        + putBack(account, previous), e);
            }
            Created c;
            boolean[] posted = {false};
            try {
                c = createSignedVersion(account, backupKey.publicKey(), signingKey, names, posted);
            } catch (StoreException | WorkflowException e) {
                // A failed POST may still have created the version (a timeout, then a retry): if the current
                // version names our signing key, it is ours, and its keys are already stored.
                Json.Obj current;
                try {
                    current = account.store().currentVersion().orElse(null);
                } catch (StoreException unreachable) {
                    e.addSuppressed(unreachable);
                    throw new WorkflowException("could not create the backup version (" + e.getMessage()
                            + "); whether it exists is not "
                            + "known, so Secret Storage keeps its new keys: run "
                            + "status once the server answers; if there is no backup, "
                            + "run enable --replace-backup-secrets", e);
                }
                String ours = CreatedVersion.ours(current, signingKey.publicKey(), java.util.List.of());
                if (ours == null) {
                    // Only a POST that was never sent surely created nothing. Once it was sent no answer proves
                    // that: a server may refuse it (a 4xx) yet have made the version, signed by this account's
                    // signers, and show it later, when other clients would back keys up to it. So the new keys
                    // stay, as in a migration (MigrationStart#createNewVersion).
                    if (posted[0]) {
                        throw new WorkflowException("could not create the backup version (" + e.getMessage()
                                + "); the server shows no version with the new keys, but one may exist (a refusal "
                                + "cannot be checked), so Secret Storage keeps them: run status; if it shows no "
                                + "backup, run enable --replace-backup-secrets", e);
                    }
                    throw new WorkflowException("could not create the backup version (" + e.getMessage() + "); "
                            + putBack(account, previous), e);
                }
                c = new Created(ours, false, account.device() != null);
            }
            return new Result(c.version(), backupKey.publicKey(), signingKey.publicKey(), c.byMaster(), c.byDevice());
        }
    }

    /** Puts the previous secrets back after no version was created; says whether it worked and what to do. */
    private static String putBack(Account account, SavedSecrets previous) {
        String failure = previous.putBack(account);
        if (failure == null) return "the previous secrets were put back: run enable again";
        return "the previous secrets could not be put back (" + failure
                + "): the keys now in Secret Storage belong to no "
                + "backup; run enable --replace-backup-secrets once the server answers";
    }

    /** Fails before anything is written when no secret may be written under the Secret Storage key. */
    static void requireWritable(UnlockedSecretStorage secrets) throws WorkflowException {
        try {
            secrets.requireWritable();
        } catch (SecretStorageException e) {
            throw new WorkflowException(e.getMessage(), e);
        }
    }

    /**
     * Fails before anything is written when Secret Storage already holds a backup key or backup signing key
     * although the server reports no current version (a 404 may be a lie, a lag or a deleted backup; the
     * stored key may be the only way into an older one). Migrate is the way to move an old backup; replacing
     * the secrets is an explicit choice of the caller.
     */
    static void requireNoBackupSecrets(UnlockedSecretStorage secrets) throws StoreException, WorkflowException {
        java.util.List<String> found = new java.util.ArrayList<>();
        for (String name : java.util.List.of(SecretStorage.BACKUP_DECRYPTION_KEY, SecretStorage.BACKUP_SIGNING_KEY)) {
            if (secrets.holds(name)) found.add(name);
        }
        if (found.isEmpty()) return;
        throw new WorkflowException("Secret Storage already holds " + String.join(" and ", found)
                + " but the server reports no backup "
                + "version; the stored key may be the only way into an older "
                + "backup, so nothing was written: if that backup still "
                + "exists, run migrate --from VERSION; to discard these "
                + "secrets and start a new backup on purpose, run enable "
                + "--replace-backup-secrets");
    }

    /**
     * Fails before anything is written when no signer is available for a new AuthData, or when a signer
     * does not match the account as the server publishes it ({@link #checkSigners}).
     */
    static void requireSigner(Account account) throws StoreException, WorkflowException {
        OwnIdentity identity = account.identity();
        checkSigners(account, identity);
        if (account.device() != null) return;
        Optional<Ed25519PrivateKey> master = account.hasSecrets() ? account.masterKeyFromSecretStorage(identity)
                : Optional.empty();
        if (master.isEmpty()) {
            throw new WorkflowException("nothing can sign the new AuthData: store the master key in Secret Storage "
                    + "(m.cross_signing.master, matching the published master key) or give this device's key");
        }
        master.get().close();
    }

    /**
     * The signer checks, so that a new AuthData carries only signatures readers can verify: the user id is
     * a valid Matrix user id and owns the access token ({@code /account/whoami}); this device, if given,
     * is published under the user ({@code /keys/query}, validated) with exactly the public half of the
     * private key given (compared as keys). Each failure says which key or id does not match.
     */
    static void checkSigners(Account account, OwnIdentity identity) throws StoreException, SignerCheckException {
        String user = account.userId();
        String why = keybackup.homeserver.UserId.problem(user);
        if (why != null) throw new SignerCheckException(SignerCheckException.Problem.INVALID_USER_ID, "--user: " + why);
        String owner = account.store().whoami();
        if (!user.equals(owner)) {
            throw new SignerCheckException(SignerCheckException.Problem.NOT_TOKEN_OWNER,
                    "the access token belongs to " + (keybackup.homeserver.UserId.problem(owner) == null ? owner
                            : "another user")
                    + ", not to " + user + " (check --user): refusing to sign for another user");
        }
        Account.Device device = account.device();
        if (device == null) return;
        OwnIdentity.Device published = identity.devices().get(device.id());
        if (published == null) {
            throw new SignerCheckException(SignerCheckException.Problem.UNKNOWN_DEVICE, "device " + device.id()
                    + " is not a valid published device of " + user + " (check --device-id); nothing was signed");
        }
        if (!published.ed25519().equals(device.key().publicKey())) {
            throw new SignerCheckException(SignerCheckException.Problem.DEVICE_KEY_MISMATCH,
                    "device key mismatch: the server publishes ed25519 key "
                    + published.ed25519().toBase64() + " for device " + device.id()
                    + ", but the device key given is the private key of "
                    + device.key().publicKey().toBase64() + " (check --device-key-file); nothing was signed");
        }
    }

    record Created(String version, boolean byMaster, boolean byDevice) {}

    /**
     * Signs a new AuthData with every signer available (master key from Secret Storage when it matches
     * the published one; this device) and creates the version. At least one signer is required:
     * otherwise no reader would ever trust the signing key.
     */
    static Created createSignedVersion(Account account, Curve25519PublicKey backupKey, Ed25519PrivateKey signingKey,
                                       FieldNames names) throws StoreException, WorkflowException {
        return createSignedVersion(account, backupKey, signingKey, names, new boolean[1]);
    }

    /**
     * As above; sets {@code posted[0]} just before the version is requested (after it, a failure may have created it).
     */
    static Created createSignedVersion(Account account, Curve25519PublicKey backupKey, Ed25519PrivateKey signingKey,
                                       FieldNames names, boolean[] posted) throws StoreException, WorkflowException {
        OwnIdentity identity = account.identity();
        checkSigners(account, identity);
        Json.Obj authData = AuthData.create(backupKey.toBase64(), signingKey.publicKey(), names).json();
        Optional<Ed25519PrivateKey> master = account.hasSecrets() ? account.masterKeyFromSecretStorage(identity)
                : Optional.empty();
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
        if (device != null) authData = SignedJson.sign(authData, account.userId(), "ed25519:" + device.id(),
                device.key());
        posted[0] = true;
        String version = account.store().createVersion(MegolmBackupV1.ALGORITHM, authData);
        return new Created(version, master.isPresent(), device != null);
    }
}
