package keybackup.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.OwnIdentity;

/**
 * What a {@link Migrate#run migration} would do, as {@link Migrate#plan} (the dry run) finds it, having
 * written nothing.
 *
 * @param action            what the run would do
 * @param oldVersion        the version it would migrate (or that needs nothing)
 * @param newVersion        the new version, when a resumed migration already has one; else null
 * @param phase             the recorded phase of a resumed migration; else null
 * @param oldTrust          the old version's AuthData trust, for this account's anchors
 * @param oldSessions       the sessions the read of the old version listed
 * @param oldRejected       those that do not decrypt or verify: never migrated, and they keep the old version
 * @param authenticated     readable sessions that would be uploaded as {@code authenticated}; the others would
 *                          be uploaded signed, as not authenticated
 * @param unsignedInSignedBackup sessions without a signature although the old version's signing key is usable
 * @param signingKey        which signing key the new version would get
 * @param signingPublicKey  that key when it already exists (current or recorded); null for a new one
 * @param signers           who would sign the new AuthData ({@link AuthDataTrust.Via#MASTER_KEY},
 *                          {@link AuthDataTrust.Via#THIS_DEVICE}); empty when no version would be created
 * @param deletesOld        whether the old version would be deleted after the read-back check passed
 * @param why               one line: why there is nothing to do, or why a migration is needed
 */
public record MigrationPlan(Action action, String oldVersion, String newVersion, String phase, AuthDataTrust oldTrust,
                            long oldSessions, long oldRejected, long authenticated, long unsignedInSignedBackup,
                            KeyChoice signingKey, String signingPublicKey, List<AuthDataTrust.Via> signers,
                            boolean deletesOld, String why) {
    /**
     * Copies {@code signers}, so that the plan cannot change after it was made.
     *
     * @param action what the run would do
     * @param oldVersion the version it would migrate (or that needs nothing)
     * @param newVersion the new version, when a resumed migration already has one; else null
     * @param phase the recorded phase of a resumed migration; else null
     * @param oldTrust the old version's AuthData trust, for this account's anchors
     * @param oldSessions the sessions the read of the old version listed
     * @param oldRejected those that do not decrypt or verify: never migrated, and they keep the old version
     * @param authenticated readable sessions that would be uploaded as {@code authenticated}; the others would be
     *        uploaded signed, as not authenticated
     * @param unsignedInSignedBackup sessions without a signature although the old version's signing key is usable
     * @param signingKey which signing key the new version would get
     * @param signingPublicKey that key when it already exists (current or recorded); null for a new one
     * @param signers who would sign the new AuthData ({@link AuthDataTrust.Via#MASTER_KEY},
     *        {@link AuthDataTrust.Via#THIS_DEVICE}); empty when no version would be created
     * @param deletesOld whether the old version would be deleted after the read-back check passed
     * @param why one line: why there is nothing to do, or why a migration is needed
     */
    public MigrationPlan {
        signers = List.copyOf(signers);
    }

    /** What the run would do. */
    public enum Action {
        /** Nothing: the backup is signed, trusted, and its signing key is held ({@link #assess}). */
        NOTHING_TO_DO,
        /** A new migration. */
        MIGRATE,
        /** Go on with the migration recorded in the checkpoint or account data. */
        RESUME
    }

    /** Which signing key the new version would get. */
    public enum KeyChoice {
        /** The current version's, which Secret Storage holds: nothing there changes. */
        CURRENT,
        /** The key the migration record names. */
        RECORDED,
        /** A new key, stored in Secret Storage before the new version is created. */
        NEW
    }

    /** Whether a version needs a migration ({@code upToDate}: it does not), and why, in one line. */
    record Assessment(boolean upToDate, String why) {}

    /**
     * Whether {@code info}'s version already is what a migration makes, so that there is nothing to do. That
     * is a "signed, trusted backup": all of
     * <ul>
     *   <li>its AuthData is {@link AuthDataTrust.Usable} for this account's anchors: signed by a trusted
     *       signer and naming one well-formed signing key;</li>
     *   <li>at least one trusted signer is not {@link AuthDataTrust.Via#weak weak}: trust that rests only on
     *       the server's word for a device key ({@code device_as_published}) needs work, because migrating
     *       re-signs the AuthData with this account's own signer (its keys then go up as not
     *       authenticated; comparing that device's key is the other way out, and keeps their verdicts);</li>
     *   <li>it is the current version (an older one, named with {@code --from}, is what migration is for);</li>
     *   <li>Secret Storage holds its signing key, so this account can sign new keys into it.</li>
     * </ul>
     * Its entries do not count: a migration would sign unsigned or unauthenticated entries with the trusted
     * key, turning keys that anyone holding the public backup key could have written into signed ones, so
     * they are reported ({@code audit} shows them), not migrated. Reads only when the AuthData is trusted
     * strongly (the current version, Secret Storage).
     */
    static Assessment assess(Account account, Json.Obj info, boolean fromGiven, AuthDataTrust trust)
            throws StoreException, WorkflowException, SecretStorageException {
        String version = info.string("version");
        if (!(trust instanceof AuthDataTrust.Usable usable)) {
            return new Assessment(false, "its auth_data is not signed and trusted (" + trust.reason().wire() + ": "
                    + trust.detail() + ")");
        }
        List<String> strong = AuthDataTrust.comparedAnchors(usable.trustedVia()).stream()
                .map(AuthDataTrust.Via::wire).toList();
        if (strong.isEmpty()) {
            return new Assessment(false,
                    "its auth_data is trusted only through device_as_published (the server's word for a device key): "
                    + "a migration re-signs it with this account's signer and uploads its keys as not authenticated; "
                    + "comparing that device's key (--verified-device ID:KEY) would trust the backup as it is");
        }
        if (fromGiven) {
            Optional<Json.Obj> current = account.store().currentVersion();
            String currentVersion = current.map(c -> c.string("version")).orElse(null);
            if (currentVersion == null || !currentVersion.equals(version)) {
                return new Assessment(false, "it is not the current version" + (currentVersion == null ? "" : " ("
                        + currentVersion + ")"));
            }
        }
        Optional<Ed25519PrivateKey> held = account.secrets().backupSigningKey();
        boolean holds;
        try {
            holds = held.isPresent() && held.get().publicKey().equals(usable.key().publicKey());
        } finally {
            if (held.isPresent()) held.get().close();
        }
        if (!holds) {
            return new Assessment(false,
                    "Secret Storage does not hold its signing key, so this account cannot sign new keys into it");
        }
        return new Assessment(true, "version " + version + " is signed and trusted (via " + String.join(", ", strong)
                + ") and Secret Storage holds its signing key");
    }

    /** The dry run behind {@link Migrate#plan}: the run's reads and pre-write checks, in the run's order. */
    static MigrationPlan make(Account account, Migrate.Options o, Migrate.Progress progress)
            throws StoreException, WorkflowException, SecretStorageException {
        MigrationRecord rec = MigrationStart.toResume(account, o, line -> { });
        String oldVersion = MigrationStart.oldVersion(account, o, rec);
        Json.Obj oldInfo;
        try {
            oldInfo = account.store().version(oldVersion);
        } catch (MatrixException e) {
            if (rec == null || !e.isNotFound()) throw e;
            MigrationStart.requireVerified(rec, e);
            return new MigrationPlan(Action.RESUME, oldVersion, rec.toVersion(), rec.phase(), null, rec.oldSessions(),
                    0, 0, 0, KeyChoice.RECORDED, rec.signingPublicKey(), List.of(), false,
                    "the old version was already deleted after verification: the run only records the migration as "
                    + "finished");
        }
        // as the run, which refuses before it copies into a new version that exists
        if (rec != null && rec.toVersion() != null) MigrationStart.requireCurrentEntriesFormat(o, rec);
        AuthDataTrust oldTrust = account.trust(oldInfo);
        try (BackupDecryptionKey key = Restore.keyFromSecretStorage(account)) {
            Restore.checkKeyMatches(key, oldInfo);
            boolean rotate = o.signingKey() == Migrate.SigningKey.NEW || (rec != null && rec.rotate());
            Assessment a = rec != null ? null : MigrationPlan.assess(account, oldInfo, o.fromVersion() != null,
                    oldTrust);
            MigrationPasses.Read read = MigrationPasses.readAll(account, oldTrust, key, o.threads(), false,
                    progress.pass("reading version " + oldVersion, Migrate.count(oldInfo)));
            long rejected = Math.max(read.rejected(), rec == null ? 0 : rec.oldRejected());
            if (a != null && a.upToDate() && !rotate) {
                // as the run: a wrong --user or device key is an error
                Enable.checkSigners(account, account.identity());
                return new MigrationPlan(Action.NOTHING_TO_DO, oldVersion, null, null, oldTrust, read.total(),
                        read.rejected(), read.markedAuthenticated(), read.unsignedInSignedBackup(), KeyChoice.CURRENT,
                        oldTrust.signingPublicKey(), List.of(), false, a.why());
            }
            String why = rec != null ? "resumes the migration " + rec.describe() + ", recorded in phase " + rec.phase()
                    : a.upToDate() ? "a new signing key was asked for (--rotate); " + a.why() : a.why();
            boolean deletes = o.oldVersion() == Migrate.OldVersion.DELETE_AFTER_CHECK && rejected == 0;
            String newVersion = rec == null ? null : rec.toVersion() != null ? rec.toVersion()
                    : MigrationStart.adoptCreatedVersion(account, rec);
            KeyChoice choice = KeyChoice.RECORDED;
            String pub = rec == null ? null : rec.signingPublicKey();
            List<AuthDataTrust.Via> signers = List.of();
            if (newVersion == null) {
                Enable.requireSigner(account); // the run's check before anything is written
                Optional<Ed25519PrivateKey> reused = MigrationStart.reusableKey(account, rec, rotate);
                if (reused.isPresent()) {
                    try (Ed25519PrivateKey k = reused.get()) {
                        pub = k.publicKey().toBase64();
                        choice = rec != null && pub.equals(rec.signingPublicKey()) ? KeyChoice.RECORDED
                                : KeyChoice.CURRENT;
                    }
                } else {
                    account.secrets().requireWritable(); // the run refuses a new secret under a weak Secret Storage key
                    choice = KeyChoice.NEW;
                    pub = null;
                }
                signers = signers(account);
            }
            return new MigrationPlan(rec == null ? Action.MIGRATE : Action.RESUME, oldVersion, newVersion,
                    rec == null ? null : rec.phase(), oldTrust, read.total(), rejected, read.markedAuthenticated(),
                    read.unsignedInSignedBackup(), choice, pub, signers, deletes, why);
        }
    }

    /** Who would sign a new AuthData, as {@link Enable#createSignedVersion} decides it. */
    private static List<AuthDataTrust.Via> signers(Account account) throws StoreException, WorkflowException {
        List<AuthDataTrust.Via> by = new ArrayList<>();
        OwnIdentity identity = account.identity();
        Optional<Ed25519PrivateKey> master = account.hasSecrets() ? account.masterKeyFromSecretStorage(identity)
                : Optional.empty();
        if (master.isPresent()) {
            master.get().close();
            by.add(AuthDataTrust.Via.MASTER_KEY);
        }
        if (account.device() != null) by.add(AuthDataTrust.Via.THIS_DEVICE);
        return by;
    }
}
