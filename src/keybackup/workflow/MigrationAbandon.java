package keybackup.workflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.secrets.SecretStorageException;

/**
 * Forgetting an unfinished {@link Migrate migration} ({@link Migrate#abandon}): the record on the server and the
 * local checkpoint go, no version and no secret does, and a rotation whose new signing key already replaced the
 * current version's in Secret Storage is refused.
 */
final class MigrationAbandon {
    private MigrationAbandon() {}

    /** See {@link Migrate#abandon(Account, Path)}. */
    static Migrate.Abandoned run(Account account, Path checkpoint) throws StoreException, WorkflowException,
            java.io.IOException {
        Optional<MigrationRecord> rec;
        boolean onServer;
        try {
            rec = MigrationRecord.load(account).filter(m -> !m.finished());
            onServer = rec.isPresent();
        } catch (WorkflowException malformed) {
            rec = Optional.empty();
            onServer = true; // an unreadable record is removed too
        }
        if (!onServer && !Files.exists(checkpoint)) {
            throw new WorkflowException("no migration to abandon: no checkpoint at " + checkpoint
                    + " and no record on the server");
        }
        if (rec.isPresent()) refuseMidRotation(account, rec.get());
        // The checkpoint too: the server may have lost, garbled or replaced its copy of the record.
        Optional<MigrationRecord> local = localRecord(checkpoint);
        if (local.isPresent() && !local.equals(rec)) refuseMidRotation(account, local.get());
        Migrate.Abandoned left = left(account, local.isPresent() ? local.get() : rec.orElse(null));
        if (onServer) MigrationRecord.clear(account);
        Checkpoint.delete(checkpoint);
        return left;
    }

    /**
     * What the forgotten migration {@code rec} (null: no readable record) leaves, and how to go on. Its new version,
     * if any, is not deleted: it may hold keys found nowhere else (written to it by other clients while it was
     * current), and a later {@code migrate --from} of the old version copies into another new version and leaves it
     * as it is, so the note says how to copy its keys on and when it may go. Reads only (the current version).
     */
    private static Migrate.Abandoned left(Account account, MigrationRecord rec) throws StoreException {
        if (rec == null) return new Migrate.Abandoned(null, null, false, "no readable record said more");
        String old = rec.fromVersion();
        if (rec.toVersion() == null) {
            String keys = !rec.createRefused() ? "" : "; the rotation's new signing key " + rec.signingPublicKey()
                    + " stays in Secret Storage (the server refused the version it was made for), so the current "
                    + "version's own signing key is no longer there: migrate --rotate moves the current version to "
                    + "a new signed version";
            return new Migrate.Abandoned(old, null, false, "the abandoned migration recorded no new version; "
                    + "version " + old + " is left as it was: run migrate --from " + old + " to migrate it again"
                    + keys);
        }
        String half = rec.toVersion();
        Json.Obj current = account.store().currentVersion().orElse(null);
        boolean isCurrent = current != null && half.equals(current.string("version"));
        String note = "version " + half + ", which the abandoned migration created, is left as it is ("
                + (isCurrent ? "it is the current version, and Secret Storage holds its signing key"
                        : "it is not the current version")
                + "): it holds the keys copied into it so far, and any a client wrote to it since; version " + old
                + " is left as it was, with all its keys. To migrate it again, run migrate --from " + old
                + ", which copies it into another new version and leaves version " + half + " as it is; keys "
                + "written only to version " + half + " are then in it alone: restore --version " + half
                + " --out FILE, then upload --keys FILE, copies them into the current version. Nothing deletes "
                + "version " + half + ": remove it (with a Matrix client) only once its keys are elsewhere";
        return new Migrate.Abandoned(old, half, isCurrent, note);
    }

    /** The record in the checkpoint file, if there is a readable one (else empty: nothing to check there). */
    private static Optional<MigrationRecord> localRecord(Path checkpoint) {
        if (!Files.exists(checkpoint)) return Optional.empty();
        try {
            return Optional.of(Checkpoint.load(checkpoint)).filter(m -> !m.finished());
        } catch (java.io.IOException | WorkflowException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Refuses to forget a rotation whose new signing key replaced the current version's own in Secret Storage
     * while its new version does not show (a create whose outcome is not known: it may exist). Forgetting it
     * would leave the current version naming a signing key Secret Storage no longer holds; resuming completes
     * the rotation. Without unlocked Secret Storage, or when its signing key does not decrypt, nothing is checked.
     * Not refused after a create request the server refused outright ({@link MigrationRecord#createRefused}): a
     * server may refuse it every time, and resuming would then never go on.
     */
    private static void refuseMidRotation(Account account, MigrationRecord rec) throws StoreException,
            WorkflowException {
        // A create refused outright (a 4xx) may be refused every time: resuming could then never go on. Secret
        // Storage keeps the new key either way, so a version the server made and hid still has its key.
        if (!rec.rotate() || rec.toVersion() != null || rec.createRefused() || !account.hasSecrets()) return;
        Ed25519PublicKey named = CreatedVersion.namedSigningKey(account.store().currentVersion().orElse(null));
        if (named == null || named.equals(rec.signingKey())) {
            return; // the current version names no signing key, or the new one: forgetting loses nothing it needs
        }
        boolean holdsNewKey;
        try {
            Optional<Ed25519PrivateKey> held = account.secrets().backupSigningKey();
            holdsNewKey = held.isPresent() && held.get().publicKey().equals(rec.signingKey());
            if (held.isPresent()) held.get().close();
        } catch (SecretStorageException unreadable) {
            return;
        }
        if (holdsNewKey) {
            throw new WorkflowException("not abandoned: the rotation from version " + rec.fromVersion()
                    + " already replaced the current version's signing key in Secret Storage, and its new version "
                    + "may exist although the server does not show it; forgetting it now would leave the current "
                    + "version without its signing key: run migrate --resume, which takes the new version if it "
                    + "exists and creates it otherwise");
        }
    }
}
