package keybackup.workflow;

import java.util.function.Consumer;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.SessionSigner;
import keybackup.trust.TrustedBackupKey;
import keybackup.trust.VerifiedSignatures;

/**
 * The steps of a {@link Migrate migration} once the new version exists (steps 4 to 6): copy into it, read
 * it back, and only then delete the old version; and the end of a run that crashed after that deletion.
 * A resumed run whose new version exists starts here.
 */
final class MigrationFinish {
    private MigrationFinish() {}

    /** Crashed after deleting the old version: only the record is left to finish. */
    static Migrate.Result afterDeletion(Account account, Migrate.Options o, MigrationRecord rec,
            MatrixException notFound) throws StoreException, WorkflowException {
        MigrationStart.requireVerified(rec, notFound);
        MigrationStart.save(account, o, rec.withPhase(MigrationRecord.FINISHED, rec.migrated()));
        MigrationStart.removeCheckpoint(o);
        return new Migrate.Result(rec.fromVersion(), rec.toVersion(), rec.oldSessions(), 0, rec.migrated(),
                rec.migrated(), 0, true, true, "the old version had already been deleted after verification; the "
                + "migration is now recorded as finished", false);
    }

    /**
     * What the copy (step 4) leaves for the read-back and the deletion: the record so far (not saved yet), the new
     * version's trust, what the upload passes did, and whether the entries file beside the checkpoint holds the
     * entries whose digest the record names (the copy started from them: not on a resumed run without them).
     * Holds no private key.
     */
    record Copied(MigrationRecord rec, AuthDataTrust newTrust, MigrationPasses.Copy copy, boolean entriesStored) {}

    /**
     * Step 4: uploads into the new version, again while the old one changes; the only step that signs.
     * {@code bound} is the first read, or null on a resumed run; {@code verified}, the first read's valid
     * signatures (empty on a resumed run). The caller closes {@code signingKey} as soon as this returns, then
     * goes on with {@link #checkAndDelete}, which needs no private signing key.
     */
    static Copied copy(Account account, Migrate.Options o, MigrationRecord rec, AuthDataTrust oldTrust,
            OldEntries bound, VerifiedSignatures verified, BackupDecryptionKey key, Ed25519PrivateKey signingKey,
            Consumer<String> log, Migrate.Progress progress) throws StoreException, WorkflowException {
        Json.Obj newInfo = account.store().version(rec.toVersion());
        AuthDataTrust newTrust = account.trust(newInfo);
        TrustedBackupKey trusted = newTrust.usableSigningKey().orElseThrow(() -> new WorkflowException(
                "the new version's AuthData is not trusted by this account's anchors (" + newTrust.detail()
                        + "); nothing was deleted"));
        if (!trusted.publicKey().equals(signingKey.publicKey())) {
            throw new WorkflowException("version " + rec.toVersion()
                    + " names another signing key than this migration's; nothing was deleted: "
                    + "check the current version, then run migrate --abandon");
        }
        SessionSigner signer = SessionSigner.forTrustedBackup(trusted, signingKey, o.names());

        // 4. Upload, and again if the old version changed meanwhile.
        MigrationPasses.Copy copy = MigrationPasses.copy(account, oldTrust, key, rec, signer, o, bound,
                verified, progress, log);
        return new Copied(rec, newTrust, copy, bound != null);
    }

    /**
     * Steps 4 (its record) to 6, with public keys only: saves what the copy bound, reads the new version back
     * (against its trusted AuthData, as {@link #copy} found it), and only then deletes the old version, if asked
     * and allowed.
     */
    static Migrate.Result checkAndDelete(Account account, Migrate.Options o, Copied copied, BackupDecryptionKey key,
            Migrate.Progress progress) throws StoreException, WorkflowException {
        MigrationRecord rec = copied.rec();
        AuthDataTrust newTrust = copied.newTrust();
        MigrationPasses.Copy copy = copied.copy();
        // The entries bound so far (and the undecryptable count) are kept even when the copy is not complete:
        // a resumed run checks its reads against them, and accepts a read that holds them and more.
        // They are written only when the entries file does not hold them yet (they grew, or this run had no file
        // with the record's digest): a million keys take about 25 MB, and a pass that found nothing new changes
        // none of it. Either way the saved record names a digest the file on disk has.
        if (copy.extendsRecord()) {
            String digest = copy.bound().digest();
            boolean unchanged = copied.entriesStored() && digest.equals(rec.oldDigest());
            rec = rec.withOld(copy.bound().size(), digest, copy.rejected());
            if (copy.problem() == null) rec = rec.withPhase(MigrationRecord.UPLOADED, copy.migrated());
            MigrationStart.save(account, o, rec, unchanged ? null : copy.bound());
        }

        // 5. Read the new version back.
        MigrationPasses.Check check = MigrationPasses.check(account, newTrust, key, copy.bound(), o.threads(),
                progress.pass("checking version " + rec.toVersion(), copy.bound().size()));
        String problem = copy.problem() != null ? copy.problem() : check.problem();
        if (problem != null) {
            // A resumed run that could not bind itself to the migration's entries cannot do better when run
            // again here; a new migration from the old version binds itself to its own first read.
            // Nor can one whose new version holds other copies of the bound sessions than the bound read.
            String again = "run migrate --abandon, then migrate --from " + rec.fromVersion()
                    + " to migrate that version again into another new version";
            String next = copy.problem() == null && check.otherCopies() ? again
                    : copy.extendsRecord() ? "run migrate --resume to try again"
                    : "run migrate --resume where this migration started (its checkpoint file, and the same name "
                    + "with .entries added, keep those entries), or " + again;
            return new Migrate.Result(rec.fromVersion(), rec.toVersion(), copy.total(), copy.rejected(),
                    copy.migrated(), check.newSessions(), check.authenticated(), false, false,
                    "verification failed, old version kept: " + problem + "; nothing was deleted: " + next, false);
        }
        rec = rec.withPhase(MigrationRecord.VERIFIED, copy.migrated());
        MigrationStart.save(account, o, rec);

        // 6. Delete the old version only now.
        String note = null;
        boolean deleted = false;
        if (o.oldVersion() == Migrate.OldVersion.DELETE_AFTER_CHECK) {
            if (copy.rejected() > 0) {
                note = "old version kept: it has " + copy.rejected()
                        + " undecryptable entries that could not be migrated";
            } else {
                deleteOld(account, rec.fromVersion());
                deleted = true;
            }
        }
        MigrationStart.save(account, o, rec.withPhase(MigrationRecord.FINISHED, copy.migrated()));
        MigrationStart.removeCheckpoint(o);
        note = join(note, leftBehind(rec));
        return new Migrate.Result(rec.fromVersion(), rec.toVersion(), copy.total(), copy.rejected(), copy.migrated(),
                check.newSessions(), check.authenticated(), true, deleted, note, false);
    }

    /**
     * A migration of an older version ({@code --from}, say after {@code migrate --abandon}) leaves the version that
     * was current when it started as it is: it may hold keys found nowhere else (uploaded by clients while it was
     * current), and nothing deletes it. Says so, and how to copy those keys on; null when that version was the
     * one migrated.
     */
    static String leftBehind(MigrationRecord rec) {
        String was = rec.currentAtStart();
        if (was.equals(rec.fromVersion())) return null;
        return "version " + was + ", current when this migration started, is left as it is: keys written only to it "
                + "are not in version " + rec.toVersion() + "; restore --version " + was + " --out FILE, then upload "
                + "--keys FILE, copies them into the current version, and only then may version " + was
                + " be removed (with a Matrix client)";
    }

    private static String join(String a, String b) {
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    private static void deleteOld(Account account, String oldVersion) throws StoreException {
        try {
            account.store().deleteVersion(oldVersion);
        } catch (MatrixException e) {
            // 404 after a retried DELETE means the first attempt did it (protocol.md §5.7)
            if (!e.isNotFound()) throw e;
        }
    }

}
