package keybackup.workflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import keybackup.backup.AuthData;
import keybackup.backup.FieldNames;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.trust.SessionVerdict;
import keybackup.trust.TrustedBackupKey;

/**
 * Moves every key of an old (unsigned or differently signed) backup version into a new signed version
 * (protocol.md §11.4). Lossless above all:
 * <ol>
 *   <li>read and decrypt the whole old version first (a wrong key stops here, before anything is written),
 *       and keep a digest of every entry read ({@link OldEntries}): the migration is bound to this read;</li>
 *   <li>record the migration ({@link MigrationRecord}) in the local checkpoint and in account data, so that
 *       it is visible, and resumable, from any client;</li>
 *   <li>choose the signing key so that Secret Storage always holds the signing key of the current version:
 *       the current version's own, when Secret Storage holds it (then nothing there changes); otherwise a
 *       new one, stored <em>before</em> the new version exists (the current version names no key Secret
 *       Storage holds, so nothing it needs is overwritten, and the new version is never current without
 *       its key).
 *       The backup key stays the same, so {@code m.megolm_backup.v1} is never written. No step needs an
 *       undo;</li>
 *   <li>create the new version and re-upload every session that is not {@code rejected}, with the
 *       {@code authenticated} flag its old verdict allows; if the old version changed meanwhile (its etag
 *       moved), upload again. A read that lacks an entry of the first read stops the deletion;</li>
 *   <li>read the new version back: every entry of the first read (and every one added since) must be
 *       there with the same key material, decrypt, verify, and keep its {@code authenticated} verdict;</li>
 *   <li>only then, and only if asked and the old version had no undecryptable entry, delete the old version.</li>
 * </ol>
 * A crash at any point leaves the old version intact. A run that finds the record of an unfinished
 * migration refuses to start another; {@code resume} continues it into the same new version, from the
 * checkpoint or, on another machine, from the record. A resumed run is bound to its own read of the old
 * version only if that read has the digest the first read recorded.
 */
public final class Migrate {
    private Migrate() {}

    public record Options(String fromVersion, Path checkpoint, boolean resume, boolean deleteOld, int threads,
                          FieldNames names, Uploader.Limits limits) {}

    public record Result(String oldVersion, String newVersion, long oldSessions, long oldRejected, long migrated,
                         long newSessions, long newAuthenticated, boolean verified, boolean oldDeleted, String note) {}

    /** An unfinished migration as the account data records it (no secret in it), for {@code status}. */
    public record Pending(String fromVersion, String toVersion, String phase, long oldSessions, long migrated, long startedTs,
                          long finishedTs) {
        public boolean finished() {
            return MigrationRecord.FINISHED.equals(phase);
        }
    }

    /** The migration recorded in account data, if any (finished or not). */
    public static Optional<Pending> recorded(Account account) throws StoreException, WorkflowException {
        return MigrationRecord.load(account).map(r -> new Pending(r.fromVersion(), r.toVersion(), r.phase(), r.oldSessions(),
                r.migrated(), r.startedTs(), r.finishedTs()));
    }

    /**
     * Forgets an unfinished migration: removes the local checkpoint and the account data record. Deletes no
     * version and no secret; the new version, if created, stays current with its keys in Secret Storage.
     */
    public static void abandon(Account account, Path checkpoint) throws StoreException, WorkflowException, java.io.IOException {
        boolean onServer;
        try {
            onServer = MigrationRecord.load(account).filter(m -> !m.finished()).isPresent();
        } catch (WorkflowException malformed) {
            onServer = true; // an unreadable record is removed too
        }
        if (!onServer && !Files.exists(checkpoint)) throw new WorkflowException("no migration to abandon: no checkpoint at " + checkpoint + " and no record on the server");
        if (onServer) MigrationRecord.clear(account);
        Files.deleteIfExists(checkpoint);
    }

    /**
     * Runs or resumes a migration. Every failure is a {@link WorkflowException} that says what to do next
     * (a store failure is its cause).
     */
    public static Result run(Account account, Options o, Consumer<String> log) throws Exception {
        return run(account, o, log, (what, total) -> null);
    }

    /** The progress of each pass over a version: given what it does and its total (-1: unknown), a callback for keys done, or null. */
    @FunctionalInterface
    public interface Progress {
        java.util.function.LongConsumer pass(String what, long total);
    }

    /** As {@link #run(Account, Options, Consumer)}, reporting each read of a version (keys done, after each key) to {@code progress}. */
    public static Result run(Account account, Options o, Consumer<String> log, Progress progress) throws Exception {
        boolean[] recorded = {false};
        try {
            return run(account, o, log, progress, recorded);
        } catch (StoreException e) {
            if (!recorded[0]) throw new WorkflowException(e.getMessage() + "; nothing was changed: run migrate again once the server answers", e);
            throw new WorkflowException(e.getMessage() + "; the migration is recorded on the server and in " + o.checkpoint()
                    + ": run migrate --resume once the server answers", e);
        }
    }

    private static Result run(Account account, Options o, Consumer<String> log, Progress progress, boolean[] recorded) throws Exception {
        MigrationRecord rec = recordToResume(account, o, log);
        recorded[0] = rec != null;
        String oldVersion = rec != null ? rec.fromVersion() : o.fromVersion() != null ? o.fromVersion() : account.currentVersion().string("version");
        Json.Obj oldInfo;
        try {
            oldInfo = account.store().version(oldVersion);
        } catch (MatrixException e) {
            if (rec == null || !e.isNotFound()) throw e;
            if (!rec.atLeast(MigrationRecord.VERIFIED)) {
                throw new WorkflowException("the old version " + oldVersion + " of the unfinished migration no longer exists, so it cannot be "
                        + "completed: check the current version, then run migrate --abandon", e);
            }
            // Crashed after deleting the old version: only the record is left to finish.
            save(account, o, rec.withPhase(MigrationRecord.FINISHED, rec.migrated()));
            Files.deleteIfExists(o.checkpoint());
            return new Result(oldVersion, rec.toVersion(), rec.oldSessions(), 0, rec.migrated(), rec.migrated(), 0, true, true,
                    "the old version had already been deleted after verification; the migration is now recorded as finished");
        }
        AuthDataTrust oldTrust = account.trust(oldInfo);
        try (BackupDecryptionKey key = Restore.keyFromSecretStorage(account)) {
            Restore.checkKeyMatches(key, oldInfo);

            // 1. Read everything once before changing anything; the migration is bound to this read.
            OldEntries bound = null;
            long firstRejected = 0;
            if (rec == null) {
                Read first = readAll(account, oldInfo, oldTrust, key, o.threads(), progress.pass("reading version " + oldVersion, count(oldInfo)));
                bound = first.entries;
                firstRejected = first.rejected;
                log.accept("old version " + oldVersion + ": " + first.total + " sessions read, " + first.rejected + " undecryptable");
                Enable.requireSigner(account); // before anything is written
            }

            // 2–3. The signing key, the record, then the new version.
            if (rec == null || rec.toVersion() == null) {
                boolean[] mustStore = {false};
                try (Ed25519PrivateKey k = chooseSigningKey(account, rec, mustStore)) {
                    String pub = k.publicKey().toBase64();
                    rec = rec == null
                            ? new MigrationRecord(oldVersion, account.currentVersion().string("version"), null, pub, MigrationRecord.STARTED,
                                    bound.size(), bound.digest(), 0, System.currentTimeMillis(), 0, firstRejected)
                            : rec.withSigningKey(pub);
                    recorded[0] = true; // a failure to record turns into its own message inside
                    rec = createNewVersion(account, o, rec, k, mustStore[0], key, log);
                }
            }
            Ed25519PrivateKey signingKey = account.secrets().backupSigningKey()
                    .orElseThrow(() -> new WorkflowException("Secret Storage lost the backup signing key of this migration; "
                            + "another client changed it: check the current version, then run migrate --abandon"));
            if (!signingKey.publicKey().toBase64().equals(rec.signingPublicKey())) {
                signingKey.close();
                throw new WorkflowException("the backup signing key in Secret Storage is not this migration's; another client changed it: "
                        + "check the current version, then run migrate --abandon");
            }
            try (signingKey) {
                Json.Obj newInfo = account.store().version(rec.toVersion());
                AuthDataTrust newTrust = account.trust(newInfo);
                TrustedBackupKey trusted = newTrust.usableSigningKey().orElseThrow(() -> new WorkflowException(
                        "the new version's AuthData is not trusted by this account's anchors (" + newTrust.detail() + "); nothing was deleted"));
                if (!trusted.publicKey().equals(signingKey.publicKey())) {
                    throw new WorkflowException("version " + rec.toVersion() + " names another signing key than this migration's; nothing was deleted: "
                            + "check the current version, then run migrate --abandon");
                }
                SessionSigner signer = SessionSigner.forTrustedBackup(trusted, signingKey, o.names());

                // 4. Upload, and again if the old version changed meanwhile.
                Pass pass;
                String problem = null;
                String etagBefore;
                String etagAfter = account.store().version(oldVersion).string("etag");
                int round = 0;
                // An entry that some read could not migrate keeps the old version, even if a later read no longer lists it.
                long rejected = rec.oldRejected();
                do {
                    etagBefore = etagAfter;
                    try {
                        pass = upload(account, oldInfo, oldTrust, key, rec.toVersion(), signer, o, bound,
                                progress.pass("copying version " + oldVersion + " to " + rec.toVersion(), count(oldInfo)));
                    } catch (MatrixException e) {
                        if (!MatrixException.WRONG_ROOM_KEYS_VERSION.equals(e.errcode())) throw e;
                        throw new WorkflowException("another client made version " + e.currentVersion().orElse("?")
                                + " current while this migration was uploading to version " + rec.toVersion() + ": the old version "
                                + oldVersion + " is untouched and nothing was deleted; resuming cannot help (version " + rec.toVersion()
                                + " is no longer writable): check the new current version, then run migrate --abandon and migrate again if needed", e);
                    }
                    round++;
                    rejected = Math.max(rejected, pass.rejected);
                    log.accept("uploaded " + pass.migrated + " sessions to version " + rec.toVersion() + " (pass " + round + ")");
                    if (bound == null) {
                        // A resumed run: this read binds the migration only if it is the one the first read recorded.
                        bound = pass.added;
                        if (!bound.digest().equals(rec.oldDigest())) {
                            problem = "the old version now holds " + bound.size() + " readable entries that differ from the "
                                    + rec.oldSessions() + " of this migration's first read (the server lost, hid or changed keys, "
                                    + "or another client wrote to it before the new version existed)";
                        }
                    } else {
                        if (pass.missing > 0 && problem == null) {
                            problem = "the read of the old version in pass " + round + " returned only " + (bound.size() - pass.missing)
                                    + " of the " + bound.size() + " entries of its first read (the server lost or hid keys)";
                        }
                        bound = bound.plus(pass.added);
                    }
                    etagAfter = account.store().version(oldVersion).string("etag");
                } while (round < 3 && !Objects.equals(etagBefore, etagAfter));
                if (problem == null && !Objects.equals(etagBefore, etagAfter)) {
                    problem = "the old version still changed during the last of " + round + " upload passes, so its newest keys may not be copied";
                }
                if (problem == null) {
                    rec = rec.withOld(bound.size(), bound.digest(), rejected).withPhase(MigrationRecord.UPLOADED, pass.migrated);
                    save(account, o, rec);
                }

                // 5. Read the new version back.
                Check check = verifyNew(account, newInfo, newTrust, key, bound, o.threads(), progress.pass("checking version " + rec.toVersion(), bound.size()));
                if (problem == null) problem = check.problem;
                if (problem != null) {
                    String hint = "; nothing was deleted: run migrate --resume to try again";
                    return new Result(oldVersion, rec.toVersion(), pass.total, rejected, pass.migrated, check.newSessions,
                            check.authenticated, false, false, "verification failed, old version kept: " + problem + hint);
                }
                rec = rec.withPhase(MigrationRecord.VERIFIED, pass.migrated);
                save(account, o, rec);

                // 6. Delete the old version only now.
                String note = null;
                boolean deleted = false;
                if (o.deleteOld()) {
                    if (rejected > 0) {
                        note = "old version kept: it has " + rejected + " undecryptable entries that could not be migrated";
                    } else {
                        try {
                            account.store().deleteVersion(oldVersion);
                        } catch (MatrixException e) {
                            // 404 after a retried DELETE means the first attempt did it (protocol.md §5.7)
                            if (!e.isNotFound()) throw e;
                        }
                        deleted = true;
                    }
                }
                save(account, o, rec.withPhase(MigrationRecord.FINISHED, pass.migrated));
                Files.deleteIfExists(o.checkpoint());
                return new Result(oldVersion, rec.toVersion(), pass.total, rejected, pass.migrated, check.newSessions,
                        check.authenticated, true, deleted, note);
            }
        } catch (SecretStorageException e) {
            throw new WorkflowException("secret storage: " + e.getMessage());
        }
    }

    /**
     * The migration to resume, or null to start one. Refuses to start while a checkpoint or an unfinished
     * record exists: a second migration would copy the half-filled new version and could delete it.
     */
    private static MigrationRecord recordToResume(Account account, Options o, Consumer<String> log) throws Exception {
        Optional<MigrationRecord> onServer = MigrationRecord.load(account).filter(r -> !r.finished());
        boolean local = Files.exists(o.checkpoint());
        if (!o.resume()) {
            if (local) {
                throw new WorkflowException("a migration checkpoint exists at " + o.checkpoint()
                        + ": run migrate --resume, or migrate --abandon if that migration is abandoned");
            }
            if (onServer.isPresent()) {
                MigrationRecord r = onServer.get();
                String made = r.toVersion() == null ? adoptCreatedVersion(account, r) : null; // created, but not yet recorded
                throw new WorkflowException("unfinished migration " + (made == null ? r : r.withTarget(made)).describe() + "; run with --resume"
                        + " (or --abandon to forget it)");
            }
            return null;
        }
        if (local) {
            MigrationRecord rec = Checkpoint.load(o.checkpoint());
            // The server's copy may know the new version, created by a run elsewhere.
            if (rec.toVersion() == null && onServer.isPresent() && onServer.get().toVersion() != null
                    && onServer.get().fromVersion().equals(rec.fromVersion())
                    && onServer.get().signingPublicKey().equals(rec.signingPublicKey())) {
                rec = rec.withTarget(onServer.get().toVersion());
            }
            return rec;
        }
        if (onServer.isPresent()) {
            log.accept("no checkpoint at " + o.checkpoint() + ": resuming the migration recorded on the server, " + onServer.get().describe());
            return onServer.get();
        }
        throw new WorkflowException("nothing to resume: no checkpoint at " + o.checkpoint() + " and no unfinished migration recorded on the server");
    }

    /** Writes the record to the checkpoint file, then to account data. */
    private static void save(Account account, Options o, MigrationRecord rec) throws StoreException, WorkflowException {
        try {
            Checkpoint.save(rec, o.checkpoint());
        } catch (java.io.IOException e) {
            throw new WorkflowException("checkpoint " + o.checkpoint() + ": cannot write it (" + e.getClass().getSimpleName()
                    + "): give a writable --checkpoint path and run again (with --resume if a migration was recorded)", e);
        }
        rec.publish(account);
    }

    /**
     * The signing key for the new version. {@code mustStore[0]} is set when it is not in Secret Storage yet.
     * Secret Storage must hold the signing key of whichever version is current, at every step, so:
     * the key of this migration's record, when Secret Storage holds it (a resumed run); else the key the
     * current version names (the old one, or a newer one with {@code --from}), when Secret Storage holds it:
     * nothing in Secret Storage changes; else a new key, which overwrites nothing the current version needs.
     */
    private static Ed25519PrivateKey chooseSigningKey(Account account, MigrationRecord rec, boolean[] mustStore)
            throws StoreException, WorkflowException, SecretStorageException {
        Optional<Ed25519PrivateKey> held = account.secrets().backupSigningKey();
        if (held.isPresent()) {
            String pub = held.get().publicKey().toBase64();
            Json.Obj current = account.store().currentVersion().orElse(null);
            Json.Obj ad = current == null ? null : current.object("auth_data");
            boolean namedByCurrent = ad != null && AuthData.of(ad).signingKey() instanceof AuthData.SigningKeyField.Present p
                    && p.key().equals(held.get().publicKey());
            if ((rec != null && pub.equals(rec.signingPublicKey())) || namedByCurrent) return held.get();
            held.get().close();
        }
        account.secrets().requireWritable(); // a new secret: refused under a weak Secret Storage key, before anything is recorded
        mustStore[0] = true;
        return Ed25519PrivateKey.generate();
    }

    /**
     * Records the migration, stores the signing key if new, and creates the new version (or adopts one that
     * a failed request created after all). Every failure leaves Secret Storage holding the keys of the
     * current version, whichever it is, and the record saying what to resume.
     */
    private static MigrationRecord createNewVersion(Account account, Options o, MigrationRecord rec, Ed25519PrivateKey signingKey,
                                                    boolean mustStore, BackupDecryptionKey key, Consumer<String> log) throws Exception {
        String v;
        try {
            save(account, o, rec); // before Secret Storage changes: from here on the migration is visible and resumable
            String adopted = adoptCreatedVersion(account, rec);
            if (adopted != null) {
                v = adopted;
            } else {
                Enable.requireSigner(account);
                if (mustStore) account.secrets().storeBackupSigningKey(signingKey);
                v = Enable.createSignedVersion(account, key.publicKey(), signingKey, o.names()).version();
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
                throw new WorkflowException("could not create the new version (" + e.getMessage() + "); the old version " + rec.fromVersion()
                        + " is still current and nothing was deleted: run migrate --resume once the server answers again", e);
            }
            v = late;
        }
        MigrationRecord created = rec.withTarget(v);
        save(account, o, created);
        log.accept("new signed version " + v + " created");
        return created;
    }

    /**
     * The current version, if it was made after this migration started (neither the old version nor the one
     * current at the start: the signing key may be theirs too) and its AuthData names this migration's
     * signing key.
     */
    private static String adoptCreatedVersion(Account account, MigrationRecord rec) throws StoreException {
        Json.Obj current = account.store().currentVersion().orElse(null);
        if (current == null || rec.fromVersion().equals(current.string("version")) || rec.currentAtStart().equals(current.string("version"))) {
            return null;
        }
        Json.Obj ad = current.object("auth_data");
        if (ad != null && AuthData.of(ad).signingKey() instanceof AuthData.SigningKeyField.Present p
                && p.asWritten().equals(rec.signingPublicKey())) {
            return current.string("version");
        }
        return null;
    }

    /** A complete read of the old version: its readable entries, and how many were read and rejected. */
    private record Read(OldEntries entries, long total, long rejected) {}

    /** A version's {@code count}, or -1 (for progress reports only: the server's word). */
    private static long count(Json.Obj info) {
        return info.get("count") instanceof Json.Int n ? n.value() : -1;
    }

    private static Read readAll(Account account, Json.Obj info, AuthDataTrust trust, BackupDecryptionKey key, int threads,
                                java.util.function.LongConsumer progress) throws Exception {
        OldEntries.Builder b = new OldEntries.Builder();
        BackupAudit audit = Restore.run(account, info, trust, key, threads, false, r -> {
            if (r.sessionData() != null) add(b, r);
        }, progress);
        return new Read(b.build(), audit.total(), audit.rejected());
    }

    /** Adds a read entry; its mark is whether it is uploaded as authenticated (only on a compared key: {@link KeySource#fromRestore}). */
    private static void add(OldEntries.Builder b, keybackup.trust.SessionVerifier.Result r) {
        b.add(r.roomId(), r.sessionId(), r.sessionData().sessionKey(), KeySource.fromRestore(r.verdict()).authenticated());
    }

    /**
     * What one upload pass did: sessions read and rejected, sessions uploaded, how many entries of the
     * bound read it did not see, and the entries it saw that the bound read lacks (all of them when there
     * was no bound read).
     */
    private static final class Pass {
        long total;
        long rejected;
        long migrated;
        long missing;
        OldEntries added = OldEntries.EMPTY;
    }

    private static Pass upload(Account account, Json.Obj oldInfo, AuthDataTrust oldTrust, BackupDecryptionKey key, String newVersion,
                               SessionSigner signer, Options o, OldEntries bound, java.util.function.LongConsumer progress) throws Exception {
        Pass pass = new Pass();
        BitSet seen = new BitSet(bound == null ? 0 : bound.size());
        OldEntries.Builder added = new OldEntries.Builder();
        try (Uploader up = new Uploader(account.store(), newVersion, key.publicKey(), signer, o.names(), o.threads(), o.limits())) {
            BackupAudit audit = Restore.run(account, oldInfo, oldTrust, key, o.threads(), false, r -> {
                if (r.sessionData() == null) return; // rejected: counted by the audit, cannot be migrated
                pass.migrated++;
                int at = bound == null ? -1 : bound.find(OldEntries.location(r.roomId(), r.sessionId()));
                if (at >= 0) seen.set(at);
                else add(added, r);
                up.add(r.roomId(), r.sessionData(), KeySource.fromRestore(r.verdict()));
            }, progress);
            up.finish();
            pass.total = audit.total();
            pass.rejected = audit.rejected();
        }
        pass.missing = bound == null ? 0 : bound.size() - seen.cardinality();
        pass.added = added.build();
        return pass;
    }

    private record Check(long newSessions, long authenticated, String problem) {}

    private static Check verifyNew(Account account, Json.Obj newInfo, AuthDataTrust newTrust, BackupDecryptionKey key, OldEntries bound,
                                   int threads, java.util.function.LongConsumer progress) throws Exception {
        BitSet found = new BitSet(bound.size());
        long[] lost = {0};
        BackupAudit audit = Restore.run(account, newInfo, newTrust, key, threads, false, r -> {
            if (r.sessionData() == null) return;
            int at = bound.find(OldEntries.location(r.roomId(), r.sessionId()));
            if (at < 0) return; // written by another client meanwhile: fine
            // Only the key material read counts. A copy the replacement rule ranks better (an earlier index) is
            // not taken on its word: anyone holding the public backup key, the server included, can write one
            // with a garbage ratchet, so accepting it would need the ratchet advanced and compared.
            if (OldEntries.content(r.sessionData().sessionKey()) != bound.content(at)) return;
            found.set(at);
            if (bound.authenticated(at) && !(r.verdict() instanceof SessionVerdict.Authenticated)) lost[0]++;
        }, progress);
        String problem = null;
        if (audit.rejected() > 0) problem = audit.rejected() + " sessions of the new version do not decrypt or verify";
        else if (found.cardinality() != bound.size()) problem = (bound.size() - found.cardinality()) + " sessions read from the old version are missing from the new version";
        else if (lost[0] > 0) problem = lost[0] + " sessions lost their authenticated verdict";
        return new Check(audit.total(), audit.authenticated(), problem);
    }
}
