package keybackup.workflow;

import java.util.BitSet;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.keys.BackupDecryptionKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.trust.SessionVerdict;
import keybackup.trust.SessionVerifier;
import keybackup.trust.VerifiedSignatures;

/**
 * The three kinds of pass a migration makes over a version ({@link Migrate}, steps 1, 4 and 5): the first
 * read of the old version, the upload passes from the old version into the new one, and the read-back of
 * the new version. Each pass only reads the old version; none deletes anything.
 */
final class MigrationPasses {
    private MigrationPasses() {}

    /** At most this many upload passes while the old version keeps changing. */
    static final int MAX_UPLOAD_PASSES = 3;

    /**
     * A complete read of the old version: its readable entries, and what the audit of the read counted
     * ({@code markedAuthenticated}: readable entries that would be uploaded as {@code authenticated}).
     */
    record Read(OldEntries entries, long total, long rejected, long markedAuthenticated, long unsignedInSignedBackup,
            VerifiedSignatures verified) {}

    /**
     * Reads and decrypts every entry of the version {@code trust} was resolved from; writes nothing. With
     * {@code keepSignatures} the read's valid signatures are kept ({@link Read#verified}), so that the copy pass
     * checks none of them twice; a dry run, which copies nothing, keeps none (then {@code verified} is null).
     */
    static Read readAll(Account account, AuthDataTrust trust, BackupDecryptionKey key, int threads,
                        boolean keepSignatures, LongConsumer progress) throws StoreException, WorkflowException {
        OldEntries.Builder b = new OldEntries.Builder();
        long[] marked = {0};
        VerifiedSignatures verified = keepSignatures ? new VerifiedSignatures() : null;
        BackupAudit audit = narrow(() -> Restore.run(account, trust, key, countsOnly(threads, progress), verified,
                r -> {
                    if (r.sessionData() == null) return;
                    if (add(b, r)) marked[0]++;
                }));
        return new Read(b.build(), audit.total(), audit.rejected(), marked[0], audit.unsignedInSignedBackup(),
                verified);
    }

    /**
     * Adds a read entry; its mark is whether it is uploaded as authenticated (only on a compared key:
     * {@link KeySource#fromRestore}).
     */
    private static boolean add(OldEntries.Builder b, SessionVerifier.Result r) {
        boolean authenticated = KeySource.fromRestore(r.verdict()).authenticated();
        b.add(r.roomId(), r.sessionId(), r.sessionData().sessionKey(), authenticated);
        return authenticated;
    }

    /**
     * What the upload passes did: the last pass's sessions read and uploaded, the entries bound so far (the
     * first read plus what later passes added), the most undecryptable entries any read showed, how many
     * passes ran, the problem that keeps the old version (null: none), and whether {@code bound} holds every
     * entry the record is bound to (false only when a resumed run had only the record's digest and its read
     * did not match it: then {@code bound} is that read, which must not replace the record's).
     */
    record Copy(long total, long migrated, OldEntries bound, long rejected, int rounds, String problem,
            boolean extendsRecord) {}

    /**
     * Uploads every readable entry of the old version to {@code rec.toVersion()}, and again while the old
     * version's etag moves (at most {@link #MAX_UPLOAD_PASSES} passes). {@code bound} is the entries the
     * migration is bound to (the first read, and what later reads added), or null on a resumed run that does
     * not have them: then the first pass's read binds the migration only if it has the digest the record holds.
     */
    static Copy copy(Account account, AuthDataTrust oldTrust, BackupDecryptionKey key, MigrationRecord rec,
            SessionSigner signer, Migrate.Options o, OldEntries bound, VerifiedSignatures verified,
            Migrate.Progress progress, Consumer<String> log) throws StoreException, WorkflowException {
        String oldVersion = rec.fromVersion();
        Pass pass;
        String problem = null;
        String etagBefore;
        String etagAfter = account.store().version(oldVersion).string("etag");
        int round = 0;
        // An entry that some read could not migrate keeps the old version, even if a later read no longer lists it.
        long rejected = rec.oldRejected();
        boolean extendsRecord = true;
        do {
            etagBefore = etagAfter;
            pass = upload(account, oldTrust, key, rec.toVersion(), signer, o, bound, verified, progress.pass(
                    "copying version " + oldVersion + " to " + rec.toVersion(), Migrate.count(oldTrust.versionInfo())));
            round++;
            rejected = Math.max(rejected, pass.rejected);
            log.accept("uploaded " + pass.migrated + " sessions to version " + rec.toVersion() + " (pass " + round
                    + ")");
            if (bound == null) {
                // A resumed run without the bound entries: this read binds the migration only if it is the set
                // the record's digest was made from.
                bound = pass.added;
                if (!bound.digest().equals(rec.oldDigest())) {
                    extendsRecord = false;
                    problem = "the old version now holds " + bound.size() + " readable entries that differ from the "
                            + rec.oldSessions() + " of this migration's first read (the server lost, hid or changed "
                            + "keys or the signatures that made them authenticated, or a client wrote to it since), "
                            + "and this run has no stored entries of the migration's reads to check it against";
                }
            } else {
                if (pass.missing > 0 && problem == null) {
                    problem = "the read of the old version in pass " + round + " returned only "
                            + (bound.size() - pass.missing) + " of the " + bound.size()
                            + " entries of its first read (the server lost or hid keys)";
                }
                bound = bound.plus(pass.added);
            }
            etagAfter = account.store().version(oldVersion).string("etag");
        } while (round < MAX_UPLOAD_PASSES && !Objects.equals(etagBefore, etagAfter));
        if (problem == null && !Objects.equals(etagBefore, etagAfter)) {
            problem = "the old version still changed during the last of " + round
                    + " upload passes, so its newest keys may not be copied (a client still writes to version "
                    + oldVersion + ")";
        }
        return new Copy(pass.total, pass.migrated, bound, rejected, round, problem, extendsRecord);
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

    private static Pass upload(Account account, AuthDataTrust oldTrust, BackupDecryptionKey key,
            String newVersion, SessionSigner signer, Migrate.Options o, OldEntries bound, VerifiedSignatures verified,
            LongConsumer progress) throws StoreException, WorkflowException {
        Pass pass = new Pass();
        BitSet seen = new BitSet(bound == null ? 0 : bound.size());
        OldEntries.Builder added = new OldEntries.Builder();
        try {
            narrow(() -> {
                try (Uploader up = new Uploader(account.store(), newVersion, key.publicKey(), signer, o.names(),
                        o.threads(), o.limits())) {
                    Restore.Options read = countsOnly(o.threads(), progress);
                    BackupAudit audit = Restore.run(account, oldTrust, key, read, verified, r -> {
                        if (r.sessionData() == null) return; // rejected: counted by the audit, cannot be migrated
                        pass.migrated++;
                        int at = bound == null ? -1 : bound.find(OldEntries.location(r.roomId(), r.sessionId()));
                        if (at >= 0) seen.set(at);
                        else add(added, r);
                        up.add(r.roomId(), r.sessionData(), KeySource.fromRestore(r.verdict()));
                    });
                    up.finish();
                    pass.total = audit.total();
                    pass.rejected = audit.rejected();
                }
                return null;
            });
        } catch (MatrixException e) {
            if (!MatrixException.WRONG_ROOM_KEYS_VERSION.equals(e.errcode())) throw e;
            String oldVersion = oldTrust.versionInfo().string("version");
            throw new WorkflowException("another client made version " + e.currentVersion().orElse("?")
                    + " current while this migration was uploading to version " + newVersion + ": the old version "
                    + oldVersion + " is untouched and nothing was deleted; resuming cannot help (version " + newVersion
                    + " is no longer writable): check the new current version, then run migrate --abandon and migrate "
                    + "again if needed", e);
        }
        pass.missing = bound == null ? 0 : bound.size() - seen.cardinality();
        pass.added = added.build();
        return pass;
    }

    /**
     * The read-back of the new version: its sessions, how many are authenticated, and what is wrong (null: nothing).
     * {@code otherCopies}: the problem is only that some sessions hold other key material than the bound read
     * (another copy of the same session was written since), which no later pass of this migration can mend.
     */
    record Check(long newSessions, long authenticated, String problem, boolean otherCopies) {}

    /**
     * Reads the new version back: every entry of {@code bound} must be there with the same key material,
     * decrypt, verify, and keep its {@code authenticated} verdict.
     */
    static Check check(Account account, AuthDataTrust newTrust, BackupDecryptionKey key, OldEntries bound,
            int threads, LongConsumer progress) throws StoreException, WorkflowException {
        BitSet found = new BitSet(bound.size());
        long[] lost = {0};
        long[] other = {0};
        BackupAudit audit = narrow(() -> Restore.run(account, newTrust, key, countsOnly(threads, progress), r -> {
            if (r.sessionData() == null) return;
            int at = bound.find(OldEntries.location(r.roomId(), r.sessionId()));
            if (at < 0) return; // written by another client meanwhile: fine
            // Only the key material read counts. A copy the replacement rule ranks better (an earlier index) is
            // not taken on its word: anyone holding the public backup key, the server included, can write one
            // with a garbage ratchet, so accepting it would need the ratchet advanced and compared.
            if (OldEntries.content(r.sessionData().sessionKey()) != bound.content(at)) {
                other[0]++;
                return;
            }
            found.set(at);
            if (bound.authenticated(at) && !(r.verdict() instanceof SessionVerdict.Authenticated)) lost[0]++;
        }));
        String problem = null;
        long missing = bound.size() - found.cardinality() - other[0];
        if (audit.rejected() > 0) {
            problem = audit.rejected() + " sessions of the new version do not decrypt or verify";
        } else if (missing > 0) {
            problem = missing + " sessions read from the old version are missing from the new version";
        } else if (other[0] > 0) {
            // The bound read's copy is in neither version now: the same pass, run again, finds the same.
            problem = other[0] + " sessions of the new version hold other key material than the old version held "
                    + "when this migration read it (another copy of the same session was written to the old or the "
                    + "new version since)";
        } else if (lost[0] > 0) {
            problem = lost[0] + " sessions lost their authenticated verdict";
        }
        return new Check(audit.total(), audit.authenticated(), problem,
                audit.rejected() == 0 && missing == 0 && other[0] > 0);
    }

    /**
     * How every pass reads a version: the audit keeps the counts only, since each pass keeps what it needs of
     * the entries itself ({@link OldEntries}).
     */
    private static Restore.Options countsOnly(int threads, LongConsumer progress) {
        return Restore.Options.DEFAULT.withThreads(threads).with(Restore.AuditEntries.COUNTS_ONLY)
                .withProgress(progress);
    }

    /** A pass over a version; {@link Restore#run} and {@link Uploader} may throw any exception. */
    @FunctionalInterface
    private interface Work<T> {
        T run() throws Exception;
    }

    /**
     * Runs a pass, letting through what its callers handle: a store failure (the server's fault), a
     * {@link WorkflowException} (a refusal that says what to do) and unchecked exceptions (a bug). An
     * interrupt becomes a {@link WorkflowException} with the thread's interrupt flag set again; any other
     * checked exception, which no pass is known to throw, one whose message names it.
     */
    private static <T> T narrow(Work<T> work) throws StoreException, WorkflowException {
        try {
            return work.run();
        } catch (StoreException | WorkflowException | RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkflowException("interrupted while reading or copying keys: run migrate --resume if status "
                    + "shows an unfinished migration, else migrate again", e);
        } catch (Exception e) {
            throw new WorkflowException("a pass over the keys failed (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
    }
}
