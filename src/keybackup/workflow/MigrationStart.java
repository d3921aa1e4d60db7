package keybackup.workflow;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;

/**
 * The steps of a {@link Migrate migration} that decide what to resume and create the new version (steps 2
 * and 3): the record to resume or the refusal to start a second migration, the choice of the signing key,
 * the record saved before Secret Storage changes, and the new version, created or adopted.
 */
final class MigrationStart {
    private MigrationStart() {}

    /** The version to migrate: the resumed record's, else {@code --from}, else the current one. */
    static String oldVersion(Account account, Migrate.Options o, MigrationRecord rec) throws StoreException,
            WorkflowException {
        if (rec != null) return rec.fromVersion();
        return o.fromVersion() != null ? o.fromVersion() : account.currentVersion().string("version");
    }

    /**
     * The migration to resume, or null to start one. Refuses to start while a checkpoint or an unfinished
     * record exists: a second migration would copy the half-filled new version and could delete it. Reads
     * only.
     */
    static MigrationRecord toResume(Account account, Migrate.Options o, Consumer<String> log) throws StoreException,
            WorkflowException {
        boolean local = Files.exists(o.checkpoint());
        Optional<MigrationRecord> onServer;
        try {
            onServer = MigrationRecord.load(account).filter(r -> !r.finished());
        } catch (WorkflowException malformed) {
            if (!local) throw malformed;
            // The checkpoint is this migration's record; the server's garbled copy is replaced at the next save.
            onServer = Optional.empty();
        }
        if (o.start() == Migrate.Start.NEW) {
            if (local) {
                throw new WorkflowException("a migration checkpoint exists at " + o.checkpoint()
                        + ": run migrate --resume, or migrate --abandon if that migration is abandoned");
            }
            if (onServer.isPresent()) {
                MigrationRecord r = onServer.get();
                // created, but not yet recorded
                String made = r.toVersion() == null ? adoptCreatedVersion(account, r) : null;
                MigrationRecord shown = made == null ? r : r.withTarget(made);
                throw new WorkflowException("unfinished migration " + shown.describe()
                        + "; run with --resume (or --abandon to "
                        + "forget it)");
            }
            return null;
        }
        if (local) {
            MigrationRecord rec = loadCheckpoint(o);
            // The server's copy may know the new version, created by a run elsewhere.
            if (rec.toVersion() == null && onServer.isPresent() && onServer.get().toVersion() != null
                    && onServer.get().fromVersion().equals(rec.fromVersion())
                    && onServer.get().signingPublicKey().equals(rec.signingPublicKey())) {
                rec = rec.withTarget(onServer.get().toVersion());
            }
            return rec;
        }
        if (onServer.isPresent()) {
            log.accept("no checkpoint at " + o.checkpoint() + ": resuming the migration recorded on the server, "
                    + onServer.get().describe());
            return onServer.get();
        }
        throw new WorkflowException("nothing to resume: no checkpoint at " + o.checkpoint()
                + " and no unfinished migration recorded on the server");
    }

    private static MigrationRecord loadCheckpoint(Migrate.Options o) throws WorkflowException {
        try {
            return Checkpoint.load(o.checkpoint());
        } catch (IOException e) {
            throw new WorkflowException("checkpoint " + o.checkpoint() + ": cannot read it ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "): make it readable and run again with --resume", e);
        }
    }

    /**
     * The old version of an unfinished migration is gone: that is expected only once the new version was
     * verified (a crash after the deletion); otherwise the migration cannot be completed.
     */
    static void requireVerified(MigrationRecord rec, MatrixException notFound) throws WorkflowException {
        if (!rec.atLeast(MigrationRecord.VERIFIED)) {
            throw new WorkflowException("the old version " + rec.fromVersion()
                    + " of the unfinished migration no longer exists, so it "
                    + "cannot be completed: check the current version, then run migrate --abandon", notFound);
        }
    }

    /** Writes the record to the checkpoint file, then to account data. */
    static void save(Account account, Migrate.Options o, MigrationRecord rec) throws StoreException, WorkflowException {
        save(account, o, rec, null);
    }

    /**
     * Writes {@code bound}, the entries whose digest the record holds (null: they did not change), beside the
     * checkpoint, then the record to the checkpoint file, then to account data. The entries are staged first
     * and take the place of the entries file only once the record naming them is saved
     * ({@link Checkpoint#stageEntries}), so that a stop in between leaves the set the checkpoint names.
     */
    static void save(Account account, Migrate.Options o, MigrationRecord rec, OldEntries bound)
            throws StoreException, WorkflowException {
        try {
            if (bound != null) Checkpoint.stageEntries(bound, o.checkpoint());
            Checkpoint.save(rec, o.checkpoint());
            if (bound != null) Checkpoint.commitEntries(o.checkpoint());
        } catch (IOException e) {
            throw cannotWrite(o, e);
        }
        rec.publish(account);
    }

    /** Writes the entries a new record is about to be bound to beside the checkpoint (no checkpoint exists yet). */
    static void saveEntries(Migrate.Options o, OldEntries bound) throws WorkflowException {
        try {
            Checkpoint.saveEntries(bound, o.checkpoint());
        } catch (IOException e) {
            throw cannotWrite(o, e);
        }
    }

    private static WorkflowException cannotWrite(Migrate.Options o, IOException e) {
        return new WorkflowException("checkpoint " + o.checkpoint() + ": cannot write it ("
                + e.getClass().getSimpleName()
                + "): give a writable --checkpoint path and run again (with --resume if a migration was "
                + "recorded)", e);
    }

    /** Removes the checkpoint of a finished migration, and the entries beside it. */
    static void removeCheckpoint(Migrate.Options o) throws WorkflowException {
        try {
            Checkpoint.delete(o.checkpoint());
        } catch (IOException e) {
            throw new WorkflowException("checkpoint " + o.checkpoint()
                    + ": the migration is finished but the file (or " + Checkpoint.entriesFile(o.checkpoint()) + ", or "
                    + Checkpoint.stagedEntriesFile(o.checkpoint())
                    + ") cannot be removed (" + e.getClass().getSimpleName() + "): delete it by hand", e);
        }
    }

    /**
     * For a resumed run: the entries the migration is bound to, as stored beside the checkpoint when their
     * digest is the record's; else null (another machine, or the file is gone), and the run's first read
     * must then have that digest itself.
     */
    static OldEntries boundEntries(Migrate.Options o, MigrationRecord rec) throws WorkflowException {
        try {
            return Checkpoint.loadEntries(o.checkpoint(), rec.oldDigest()).orElse(null);
        } catch (IOException e) {
            throw new WorkflowException("checkpoint entries " + Checkpoint.entriesFile(o.checkpoint())
                    + ": cannot read them (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "): make the file readable and run again with --resume", e);
        }
    }

    /**
     * Refuses to copy for a migration recorded by an earlier release, whose entries digest (format 1) does not
     * cover the {@code authenticated} bits and has 64-bit locations: its entries file could be swapped for a
     * weaker one unseen. Nothing is deleted; the message says how to go on (the earlier release, or abandon and
     * migrate again). Called once the new version exists, so that a rotation that replaced the current version's
     * signing key is completed up to its new version first, and can then be abandoned.
     */
    static void requireCurrentEntriesFormat(Migrate.Options o, MigrationRecord rec) throws WorkflowException {
        if (rec.oldDigest() == null || rec.entriesFormat() == OldEntries.FORMAT) return;
        throw new WorkflowException("the migration " + rec.describe() + " was recorded by an earlier release of "
                + "keybackup, whose entries file (" + Checkpoint.entriesFile(o.checkpoint()) + ") is bound by a digest "
                + "that does not cover the authenticated verdicts, so this release does not go on with it; nothing "
                + "was deleted: finish it with the release that started it (migrate --resume where its checkpoint "
                + "is), or run migrate --abandon, then migrate --from " + rec.fromVersion()
                + " to migrate that version again");
    }

    /**
     * The signing key Secret Storage holds, when the new version may reuse it: it is this migration's own
     * (a resumed run), or the key the current version names (the old one, or a newer one with
     * {@code --from}) and no new key was asked for ({@code rotate}). Else empty. Reads only.
     */
    static Optional<Ed25519PrivateKey> reusableKey(Account account, MigrationRecord rec, boolean rotate)
            throws StoreException, WorkflowException, SecretStorageException {
        Optional<Ed25519PrivateKey> held = account.secrets().backupSigningKey();
        if (held.isEmpty()) return held;
        boolean reuse = false;
        try {
            String pub = held.get().publicKey().toBase64();
            boolean namedByCurrent = held.get().publicKey().equals(
                    CreatedVersion.namedSigningKey(account.store().currentVersion().orElse(null)));
            reuse = (rec != null && pub.equals(rec.signingPublicKey())) || (namedByCurrent && !rotate);
        } finally {
            if (!reuse) held.get().close(); // also when the current version could not be read: zeroed at once
        }
        return reuse ? held : Optional.empty();
    }

    /**
     * The signing key for the new version. {@code mustStore[0]} is set when it is not in Secret Storage yet.
     * Secret Storage must hold the signing key of whichever version is current, at every step, so: the
     * {@link #reusableKey reusable key}, if any: nothing in Secret Storage changes; else a new key, which
     * overwrites nothing the current version needs, unless {@code rotate} replaces the current version's
     * own key on purpose (then, until the new version exists, the record names the key Secret Storage holds).
     */
    static Ed25519PrivateKey chooseSigningKey(Account account, MigrationRecord rec, boolean rotate, boolean[] mustStore)
            throws StoreException, WorkflowException, SecretStorageException {
        Optional<Ed25519PrivateKey> reused = reusableKey(account, rec, rotate);
        if (reused.isPresent()) return reused.get();
        // a new secret: refused under a weak Secret Storage key, before anything is recorded
        account.secrets().requireWritable();
        mustStore[0] = true;
        return Ed25519PrivateKey.generate();
    }

    /**
     * Records the migration, stores the signing key if new, and creates the new version (or adopts one that
     * a failed request created after all). Every failure leaves the record saying what to resume, and Secret
     * Storage holding the signing key of any version this migration may have created.
     *
     * <p>The signing key Secret Storage held before is put back only when the create request was never sent.
     * Once it was sent, no answer proves that nothing was created: a server that refuses it (a 4xx) may have
     * made the version all the same and hide it (it is not current, or not listed, until later), and putting
     * the previous key back would then cost the new version its signing key for good. Keeping the new key
     * loses nothing: the backup key does not change, the previous signing key is either one the current
     * version does not name (nothing needs it) or, with {@code rotate}, the very key the rotation replaces;
     * the record names the new key, and {@code migrate --resume} takes the new version if it exists and
     * creates it otherwise. (A rotation whose version does not show cannot be abandoned meanwhile:
     * {@link MigrationAbandon}.) {@link Enable} follows the same rule for its two secrets.
     */
    static MigrationRecord createNewVersion(Account account, Migrate.Options o, MigrationRecord rec,
            Ed25519PrivateKey signingKey, boolean mustStore, BackupDecryptionKey key,
            Consumer<String> log) throws StoreException, WorkflowException, SecretStorageException {
        String v;
        SavedSecrets previous = null; // set once the new key is about to be stored
        boolean[] posted = {false};
        rec = rec.withCreateRefused(false); // this attempt's outcome is not known yet
        try {
            save(account, o, rec); // before Secret Storage changes: from here on the migration is visible and resumable
            String adopted = adoptCreatedVersion(account, rec);
            if (adopted != null) {
                v = adopted;
            } else {
                Enable.requireSigner(account);
                if (mustStore) {
                    previous = SavedSecrets.of(account.secrets(), SecretStorage.BACKUP_SIGNING_KEY);
                    account.secrets().storeBackupSigningKey(signingKey);
                }
                v = Enable.createSignedVersion(account, key.publicKey(), signingKey, o.names(), posted).version();
            }
        } catch (StoreException | WorkflowException e) {
            // A failed POST may still have created the version (a timeout after the server acted): look.
            String late = null;
            try {
                late = adoptCreatedVersion(account, rec);
            } catch (StoreException unreachable) {
                e.addSuppressed(unreachable);
            }
            if (late == null) {
                // A rotation refused outright may be refused every time: recorded, so that --abandon can go on.
                boolean refused = posted[0] && rec.rotate() && SavedSecrets.refusedOutright(e);
                if (refused) {
                    try {
                        save(account, o, rec.withCreateRefused(true));
                    } catch (StoreException | WorkflowException unsaved) {
                        e.addSuppressed(unsaved);
                        refused = false;
                    }
                }
                throw new WorkflowException("could not create the new version (" + e.getMessage()
                        + "); the old version " + rec.fromVersion() + " is still current and nothing was deleted; "
                        + signingKeyAfterFailure(account, rec, previous, posted[0])
                        + (refused ? "; if the server refuses it every time, migrate --abandon stops here (Secret "
                        + "Storage keeps the new signing key)" : ""), e);
            }
            v = late;
        }
        MigrationRecord created = rec.withTarget(v);
        save(account, o, created);
        log.accept("new signed version " + v + " created");
        return created;
    }

    /**
     * After the new version could not be created: puts the previous signing key back only when the create
     * request was never sent ({@link #createNewVersion} says why), and says where the signing keys are and what
     * to run next.
     */
    private static String signingKeyAfterFailure(Account account, MigrationRecord rec, SavedSecrets previous,
            boolean posted) {
        String resume = "run migrate --resume once the server answers again";
        if (previous == null) return resume; // Secret Storage was not changed
        if (posted) {
            return "the new version may exist although the server does not show it (a refusal cannot be checked), "
                    + "so Secret Storage keeps its "
                    + "new signing key " + rec.signingPublicKey() + " (the migration record names it"
                    + (rec.rotate() ? "; it replaced the signing key of version " + rec.fromVersion() : "")
                    + "): " + resume + ", which takes that version if it exists and creates it otherwise";
        }
        String failed = previous.putBack(account);
        if (failed == null) {
            return "the signing key Secret Storage held before was put back: " + resume
                    + " (or migrate --abandon to stop here)";
        }
        return "the signing key Secret Storage held before could not be put back (" + failed
                + "), so Secret Storage holds the new signing key " + rec.signingPublicKey()
                + ", which the migration record names: " + resume;
    }

    /**
     * The current version, if a request of this migration created it ({@link CreatedVersion}): it is neither
     * the old version nor the one current at the start (the signing key may be theirs too) and its AuthData
     * names this migration's signing key.
     */
    static String adoptCreatedVersion(Account account, MigrationRecord rec) throws StoreException {
        Json.Obj current = account.store().currentVersion().orElse(null);
        return CreatedVersion.ours(current, rec.signingKey(), List.of(rec.fromVersion(), rec.currentAtStart()));
    }
}
