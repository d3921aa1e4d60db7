package keybackup.workflow;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import keybackup.backup.FieldNames;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.VerifiedSignatures;

/**
 * Moves every key of an old (unsigned or differently signed) backup version into a new signed version
 * (protocol.md §11.4). Lossless above all:
 * <ol>
 *   <li>read and decrypt the whole old version first (a wrong key stops here, before anything is written),
 *       and keep a digest of every entry read ({@link OldEntries}, also stored beside the checkpoint): the
 *       migration is bound to this read;</li>
 *   <li>record the migration ({@link MigrationRecord}) in the local checkpoint and in account data, so that
 *       it is visible, and resumable, from any client;</li>
 *   <li>choose the signing key so that Secret Storage always holds the signing key of the current version:
 *       the current version's own, when Secret Storage holds it (then nothing there changes); otherwise a
 *       new one, stored <em>before</em> the new version exists (the current version names no key Secret
 *       Storage holds, so nothing it needs is overwritten, and the new version is never current without
 *       its key). A rotation ({@link SigningKey#NEW}) always takes a new one, and so replaces the current
 *       version's key in Secret Storage just before the new version exists; its record says so. The key
 *       Secret Storage held before is put back only if the create request was never sent: a refusal (4xx)
 *       cannot be checked, since a lying server may have created the version and hide it, and keeping the
 *       new key loses nothing ({@link MigrationStart#createNewVersion} says why).
 *       The backup key stays the same, so {@code m.megolm_backup.v1} is never written;</li>
 *   <li>create the new version and re-upload every session that is not {@code rejected}, with the
 *       {@code authenticated} flag its old verdict allows; if the old version changed meanwhile (its etag
 *       moved), upload again. A read that lacks an entry of the first read stops the deletion. Each pass decrypts
 *       and verifies again, but a signature the first read found valid, on the very same bytes, is not
 *       checked a second time ({@link keybackup.trust.VerifiedSignatures}): a speed measure, no verdict changes;</li>
 *   <li>read the new version back: every entry of the first read (and every one added since) must be
 *       there with the same key material, decrypt, verify, and keep its {@code authenticated} verdict;</li>
 *   <li>only then, and only if asked and the old version had no undecryptable entry, delete the old version.</li>
 * </ol>
 * A backup that needs none of this (signed, trusted, its signing key held: {@link MigrationPlan#assess}) is
 * left as it is, unless {@link SigningKey#NEW} asks for a new signing key. {@link #plan} says what a run
 * would do, and writes nothing. The steps live in {@link MigrationStart} (what to resume, the signing key,
 * the new version), {@link MigrationPasses} (the reads and uploads) and {@link MigrationFinish} (copy,
 * check, delete); this class puts them in order.
 *
 * <p>A crash at any point leaves the old version intact. A run that finds the record of an unfinished
 * migration refuses to start another; {@code resume} continues it into the same new version, from the
 * checkpoint or, on another machine, from the record. A resumed run is bound to the entries stored beside
 * the checkpoint (its reads must hold them all, and may hold more: keys written to the old version since);
 * without them (another machine) it is bound to its own read of the old version only if that read has the
 * digest the record holds, and otherwise says to resume where the checkpoint is, or to abandon and migrate
 * the old version again.
 */
public final class Migrate {
    private Migrate() {}

    /** Whether to start a migration or to continue the one recorded (checkpoint or account data). */
    public enum Start {
        /** Start a new migration; refused while the record of an unfinished one exists. */
        NEW,
        /** Continue the unfinished migration into the new version it already names. */
        RESUME
    }

    /** What becomes of the old version once the new one was read back and checked. */
    public enum OldVersion {
        /** It is kept. */
        KEEP,
        /** It is deleted after the check passed, and only if no read of it showed an undecryptable entry. */
        DELETE_AFTER_CHECK
    }

    /** Which signing key the new version gets. */
    public enum SigningKey {
        /**
         * The key Secret Storage holds for the current version, if any, else a new one. A backup that is
         * signed, trusted and whose key is held needs no migration: the run does nothing.
         */
        KEEP_WHEN_HELD,
        /**
         * Always a new one (a rotation), also for a backup that needs no migration. Secret Storage holds one
         * backup signing key, so the current version's key is replaced just before the new version is
         * created; the record names the new key, and a resumed run keeps rotating.
         */
        NEW
    }

    /**
     * How a migration runs, by name.
     *
     * @param fromVersion the version to migrate; null for the current version (a resumed run takes the
     *                    recorded one)
     * @param checkpoint the local file that records the migration's progress; written by a run, never by a plan
     * @param start whether to start a migration or resume the recorded one
     * @param oldVersion whether the old version is kept or deleted once the new one was checked
     * @param signingKey whether the new version keeps the held signing key or gets a new one
     * @param threads worker threads of every pass (decrypt and verify the reads, sign and encrypt the uploads)
     * @param names the spelling of the {@code authenticated} flag written
     * @param limits the size of each upload request
     */
    public record Options(String fromVersion, Path checkpoint, Start start, OldVersion oldVersion,
            SigningKey signingKey, int threads, FieldNames names, Uploader.Limits limits) {
        /**
         * Checks that the options the run always needs are present.
         *
         * @param fromVersion the version to migrate; null for the current version (a resumed run takes the recorded
         *        one)
         * @param checkpoint the local file that records the migration's progress; written by a run, never by a plan
         * @param start whether to start a migration or resume the recorded one
         * @param oldVersion whether the old version is kept or deleted once the new one was checked
         * @param signingKey whether the new version keeps the held signing key or gets a new one
         * @param threads worker threads of every pass (decrypt and verify the reads, sign and encrypt the uploads)
         * @param names the spelling of the {@code authenticated} flag written
         * @param limits the size of each upload request
         * @throws NullPointerException {@code checkpoint}, {@code start}, {@code oldVersion}, {@code signingKey}
         *         or {@code names} is null (a caller bug)
         */
        public Options {
            Objects.requireNonNull(checkpoint, "checkpoint");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(oldVersion, "oldVersion");
            Objects.requireNonNull(signingKey, "signingKey");
            Objects.requireNonNull(names, "names");
        }
    }

    /**
     * What a run did. {@code nothingToDo}: the backup needed no migration ({@code note} says why) and nothing
     * was written; then {@code newVersion} is null and the counts are 0.
     *
     * @param oldVersion the version migrated from
     * @param newVersion the version migrated to, or null when there was nothing to do
     * @param oldSessions the entries read from the old version
     * @param oldRejected entries of the old version whose verdict was {@code rejected}: not re-uploaded
     * @param migrated the entries uploaded to the new version
     * @param newSessions the entries the read-back of the new version found
     * @param newAuthenticated of those, the ones that verified as {@code authenticated}
     * @param verified whether the read-back check of the new version passed
     * @param oldDeleted whether the old version was deleted
     * @param note a line for the user (why nothing was done, or what was left), or null
     * @param nothingToDo whether the backup needed no migration
     */
    public record Result(String oldVersion, String newVersion, long oldSessions, long oldRejected, long migrated,
                         long newSessions, long newAuthenticated, boolean verified, boolean oldDeleted, String note,
                         boolean nothingToDo) {
        static Result nothingToDo(String version, String why) {
            return new Result(version, null, 0, 0, 0, 0, 0, false, false, why, true);
        }
    }

    /**
     * An unfinished migration as the account data records it (no secret in it), for {@code status}. All of
     * it is the server's word, to show and never to trust.
     *
     * @param fromVersion the version being migrated
     * @param toVersion the new version, or null before it was created
     * @param phase the step the record last reached
     * @param oldSessions the entries the first read of the old version found
     * @param migrated the entries uploaded to the new version so far
     * @param startedTs when the migration started, in milliseconds since the epoch
     * @param finishedTs when it finished, in milliseconds since the epoch; meaningful only when finished
     */
    public record Pending(String fromVersion, String toVersion, String phase, long oldSessions, long migrated,
            long startedTs, long finishedTs) {
        /**
         * Whether the record says the migration reached its end.
         *
         * @return true when {@code phase} is the finished phase
         */
        public boolean finished() {
            return MigrationRecord.FINISHED.equals(phase);
        }
    }

    /**
     * The migration recorded in account data, if any (finished or not). Reads only.
     *
     * @param account the account whose account data is read
     * @return the record, or empty when there is none
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws WorkflowException the record on the server is malformed
     */
    public static Optional<Pending> recorded(Account account) throws StoreException, WorkflowException {
        return MigrationRecord.load(account).map(r -> new Pending(r.fromVersion(), r.toVersion(), r.phase(),
                r.oldSessions(), r.migrated(), r.startedTs(), r.finishedTs()));
    }

    /**
     * What {@link #abandon} left, for the user: a forgotten migration's new version is never deleted.
     *
     * @param fromVersion the version the forgotten migration copied from, or null when no readable record said
     * @param newVersion the new version it created, or null when none was recorded; left as it is, with the keys
     *        copied into it and any a client wrote to it since
     * @param newVersionCurrent whether that new version was the current one
     * @param note what is left and how to go on (migrate the old version again, copy the new version's own keys
     *        on, and when it may be removed), in words; names versions, never key material
     */
    public record Abandoned(String fromVersion, String newVersion, boolean newVersionCurrent, String note) {}

    /**
     * Forgets an unfinished migration: removes the local checkpoint (and the entries beside it) and the
     * account data record. Deletes no version and no secret; the new version, if created, stays (current, with
     * its keys in Secret Storage, unless another client changed that), and the result says so and how to go
     * on. A malformed record on the server is removed too. Refused while a rotation's
     * new signing key has replaced the current version's in Secret Storage and its new version may exist, as
     * the record on the server or the one in the checkpoint says.
     *
     * <p>What a careful user expects of {@code migrate --from OLD} after this: the old version migrated again
     * into another new version, with nothing deleted. The new version of the forgotten run may hold keys found
     * nowhere else (other clients upload to it while it is current), so it is left as it is, and both this
     * result and the next migration's {@link Result#note} name it and say how to copy its keys on.
     *
     * @param account the account whose record is cleared
     * @param checkpoint the local checkpoint file to delete, if it exists
     * @return what was left: the versions, and a note for the user
     * @throws StoreException the record could not be read or cleared (network or server failure); the
     *         checkpoint is then kept
     * @throws WorkflowException there is neither an unfinished record nor a checkpoint: nothing to abandon; or
     *         the record is of a rotation that already replaced the current version's signing key in Secret
     *         Storage, and its new version may exist (then run it again with resume)
     * @throws java.io.IOException the checkpoint file could not be deleted; the record may already be gone
     */
    public static Abandoned abandon(Account account, Path checkpoint) throws StoreException, WorkflowException,
            java.io.IOException {
        return MigrationAbandon.run(account, checkpoint);
    }

    /**
     * Runs or resumes a migration without progress reports; see {@link #run(Account, Options, Consumer, Progress)}.
     *
     * @param account the account, with Secret Storage unlocked
     * @param o how the migration runs
     * @param log gets one line per step, for the user; never key material
     * @return what the run did
     * @throws WorkflowException whatever stopped it, as {@link #run(Account, Options, Consumer, Progress)} says
     */
    public static Result run(Account account, Options o, Consumer<String> log) throws WorkflowException {
        return run(account, o, log, (what, total) -> null);
    }

    /**
     * The progress of each pass over a version: given what it does and its total (-1: unknown), a callback for keys
     * done, or null.
     */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called when a pass over a version begins.
         *
         * @param what what the pass does, in words
         * @param total the keys it will go through, or -1 when unknown
         * @return a callback given the keys done so far, or null for no reports of this pass
         */
        LongConsumer pass(String what, long total);
    }

    /**
     * Runs or resumes a migration, reporting each read of a version (keys done, after each key) to
     * {@code progress}.
     *
     * @param account the account, with Secret Storage unlocked
     * @param o how the migration runs
     * @param log gets one line per step, for the user; never key material
     * @param progress asked for a callback at the start of each pass
     * @return what the run did; the old version is never deleted before the new one was read back and checked
     * @throws WorkflowException whatever stopped it, saying what was left as it was and what to run next.
     *     Its cause says whose fault it was: a {@link StoreException} when the store or the server failed
     *     (run again, or resume, once it answers); an {@link java.io.IOException} when the checkpoint file
     *     could not be read or written; no cause when the account's state or the input stops it (a wrong
     *     backup key, an unfinished migration, another client's change). A caller's mistake (a null option)
     *     is an unchecked exception.
     */
    public static Result run(Account account, Options o, Consumer<String> log, Progress progress)
            throws WorkflowException {
        return run(account, o, log, progress, k -> { });
    }

    /**
     * As {@link #run(Account, Options, Consumer, Progress)}, handing {@code signingKeyOpened} the signing key
     * object each copy into the new version signs with, as soon as it is taken from Secret Storage: so that
     * tests can see when it is closed. It must not use or keep the key beyond the run.
     */
    static Result run(Account account, Options o, Consumer<String> log, Progress progress,
            Consumer<Ed25519PrivateKey> signingKeyOpened) throws WorkflowException {
        boolean[] recorded = {false};
        try {
            return migrate(account, o, log, progress, signingKeyOpened, recorded);
        } catch (StoreException e) {
            if (!recorded[0]) throw new WorkflowException(e.getMessage()
                    + "; nothing was changed: run migrate again once the server answers", e);
            throw new WorkflowException(e.getMessage() + "; the migration is recorded on the server and in "
                    + o.checkpoint() + ": run migrate --resume once the server answers", e);
        }
    }

    /**
     * What {@link #run} would do with these options, from the same reads and checks, writing nothing: no
     * checkpoint, no account data, no secret, no version. It reads the whole old version (for the counts)
     * and refuses what the run would refuse before writing (an unfinished migration, a wrong backup key,
     * no usable signer, a weak Secret Storage key for a new signing key).
     *
     * @param account the account, with Secret Storage unlocked
     * @param o how the run would go; the checkpoint is read, not written
     * @param progress asked for a callback at the start of each read
     * @return what a run would do
     * @throws WorkflowException what the run would refuse, or a read that failed: the cause is the
     *         {@link StoreException} when the server failed; a Secret Storage failure is reported in the message
     */
    public static MigrationPlan plan(Account account, Options o, Progress progress) throws WorkflowException {
        try {
            return MigrationPlan.make(account, o, progress);
        } catch (StoreException e) {
            throw new WorkflowException(e.getMessage()
                    + "; nothing was changed (a dry run writes nothing): run it again once the server answers", e);
        } catch (SecretStorageException e) {
            throw new WorkflowException("secret storage: " + e.getMessage());
        }
    }

    private static Result migrate(Account account, Options o, Consumer<String> log, Progress progress,
            Consumer<Ed25519PrivateKey> signingKeyOpened, boolean[] recorded) throws StoreException, WorkflowException {
        MigrationRecord rec = MigrationStart.toResume(account, o, log);
        recorded[0] = rec != null;
        String oldVersion = MigrationStart.oldVersion(account, o, rec);
        Json.Obj oldInfo;
        try {
            oldInfo = account.store().version(oldVersion);
        } catch (MatrixException e) {
            if (rec == null || !e.isNotFound()) throw e;
            return MigrationFinish.afterDeletion(account, o, rec, e);
        }
        AuthDataTrust oldTrust = account.trust(oldInfo);
        try (BackupDecryptionKey key = Restore.keyFromSecretStorage(account)) {
            Restore.checkKeyMatches(key, oldInfo);
            if (rec == null && o.signingKey() == SigningKey.KEEP_WHEN_HELD) {
                MigrationPlan.Assessment a = MigrationPlan.assess(account, oldInfo, o.fromVersion() != null, oldTrust);
                if (a.upToDate()) {
                    Enable.checkSigners(account, account.identity()); // a wrong --user or device key is still an error
                    return Result.nothingToDo(oldVersion, a.why());
                }
            }
            // 1. Read everything once before changing anything; the migration is bound to this read.
            MigrationPasses.Read first = null;
            if (rec == null) {
                first = MigrationPasses.readAll(account, oldTrust, key, o.threads(), true,
                        progress.pass("reading version " + oldVersion, count(oldInfo)));
                log.accept("old version " + oldVersion + ": " + first.total() + " sessions read, " + first.rejected()
                        + " undecryptable");
                Enable.requireSigner(account); // before anything is written
            }
            // 2–3. The signing key, the record, then the new version.
            if (rec == null || rec.toVersion() == null) {
                rec = create(account, o, rec, oldVersion, first, key, log, recorded);
            }
            if (first == null) MigrationStart.requireCurrentEntriesFormat(o, rec);
            // A resumed run is bound to the entries kept beside the checkpoint, if they are the record's.
            OldEntries bound = first != null ? first.entries() : MigrationStart.boundEntries(o, rec);
            VerifiedSignatures verified = first == null ? new VerifiedSignatures() : first.verified();
            MigrationFinish.Copied copied;
            try (Ed25519PrivateKey signingKey = recordedSigningKey(account, rec)) {
                signingKeyOpened.accept(signingKey);
                copied = MigrationFinish.copy(account, o, rec, oldTrust, bound, verified, key, signingKey, log,
                        progress);
            }
            // The last signature is made: the private signing key is closed (zeroed) before the read-back and the
            // deletion, which need only the new version's trusted public key.
            return MigrationFinish.checkAndDelete(account, o, copied, key, progress);
        } catch (SecretStorageException e) {
            throw new WorkflowException("secret storage: " + e.getMessage());
        }
    }

    /** Steps 2–3: chooses the signing key, records the migration and creates (or adopts) the new version. */
    private static MigrationRecord create(Account account, Options o, MigrationRecord rec, String oldVersion,
            MigrationPasses.Read first, BackupDecryptionKey key, Consumer<String> log, boolean[] recorded)
            throws StoreException, WorkflowException, SecretStorageException {
        boolean rotate = o.signingKey() == SigningKey.NEW || (rec != null && rec.rotate());
        boolean[] mustStore = {false};
        try (Ed25519PrivateKey k = MigrationStart.chooseSigningKey(account, rec, rotate, mustStore)) {
            String pub = k.publicKey().toBase64();
            MigrationRecord started = rec == null
                    ? new MigrationRecord(oldVersion, account.currentVersion().string("version"), null, pub,
                            MigrationRecord.STARTED, first.entries().size(), first.entries().digest(), 0,
                            System.currentTimeMillis(), 0, first.rejected(), rotate)
                    : rec.withSigningKey(pub, rotate);
            if (rec == null) MigrationStart.saveEntries(o, first.entries()); // before the record that names them
            recorded[0] = true; // a failure to record turns into its own message inside
            return MigrationStart.createNewVersion(account, o, started, k, mustStore[0], key, log);
        }
    }

    /** The migration's signing key from Secret Storage; refused when another client replaced it. */
    private static Ed25519PrivateKey recordedSigningKey(Account account, MigrationRecord rec)
            throws StoreException, WorkflowException, SecretStorageException {
        Ed25519PrivateKey signingKey = account.secrets().backupSigningKey()
                .orElseThrow(() -> new WorkflowException("Secret Storage lost the backup signing key of this "
                        + "migration; another client changed it: check the current version, then run migrate "
                        + "--abandon"));
        if (!signingKey.publicKey().toBase64().equals(rec.signingPublicKey())) {
            signingKey.close();
            throw new WorkflowException("the backup signing key in Secret Storage is not this migration's; another "
                    + "client changed it: check the current version, then run migrate --abandon");
        }
        return signingKey;
    }

    /** A version's {@code count}, or -1 (for progress reports only: the server's word). */
    static long count(Json.Obj info) {
        return info.get("count") instanceof Json.Int n ? n.value() : -1;
    }
}
