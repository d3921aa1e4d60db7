package keybackup.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.workflow.Account;
import keybackup.workflow.Enable;
import keybackup.workflow.Migrate;
import keybackup.workflow.MigrationPlan;
import keybackup.workflow.Upload;
import keybackup.workflow.WorkflowException;

/**
 * The {@code --json} results of the store commands (README "Output for scripts"): one object each, printed
 * with {@link Io#printCanonical}. Field names are snake_case and stable; a number the command does not know
 * is {@code null}, never {@code -1}. What the AuthData trust is comes from {@link BackupAudit#toJson()}, the
 * audit's own contract, so {@code status}, {@code restore} and {@code audit} describe it with one schema.
 */
final class JsonOutput {
    private JsonOutput() {}

    /**
     * {@code status}: the current version (null: no backup), its count, its AuthData trust, Secret Storage, and
     * the migration recorded in account data ({@link #migration}).
     */
    static Json.Obj status(String userId, Json.Obj info, AuthDataTrust trust, boolean secretsUnlocked, Json migration) {
        Json secrets = Json.of(secretsUnlocked ? "unlocked" : "locked");
        if (info == null) {
            return Json.obj("user_id", Json.of(userId), "version", Json.Null.INSTANCE, "secret_storage", secrets,
                    "migration", migration);
        }
        return Json.obj("user_id", Json.of(userId),
                "version", str(info.string("version")),
                "algorithm", str(info.string("algorithm")),
                "count", info.get("count") instanceof Json.Int n ? n : Json.Null.INSTANCE,
                "backup", backup(userId, trust),
                "secret_storage", secrets,
                "migration", migration);
    }

    /**
     * The recorded migration, finished or not; null if none; {@code {"unreadable": why}} if its record is malformed.
     */
    static Json migration(Account account) throws StoreException {
        Optional<Migrate.Pending> m;
        try {
            m = Migrate.recorded(account);
        } catch (WorkflowException e) {
            return Json.obj("unreadable", Json.of(e.getMessage()));
        }
        if (m.isEmpty()) return Json.Null.INSTANCE;
        Migrate.Pending p = m.get();
        return Json.obj("from_version", str(p.fromVersion()),
                "to_version", str(p.toVersion()),
                "phase", str(p.phase()),
                "finished", Json.of(p.finished()),
                "old_sessions", Json.of(p.oldSessions()),
                "migrated", Json.of(p.migrated()),
                "started_ts", Json.of(p.startedTs()),
                "finished_ts", p.finishedTs() > 0 ? Json.of(p.finishedTs()) : Json.Null.INSTANCE);
    }

    /** {@code enable}: the new version, its keys, and who signed its AuthData. */
    static Json.Obj enable(Enable.Result r) {
        List<Json> by = new ArrayList<>();
        if (r.signedByMaster()) by.add(Json.of("master_key"));
        if (r.signedByDevice()) by.add(Json.of("this_device"));
        return Json.obj("version", str(r.version()),
                "backup_public_key", Json.of(r.backupKey().toBase64()),
                "signing_public_key", Json.of(r.signingKey().toBase64()),
                "signed_by", Json.arr(by));
    }

    /** {@code upload}: what went up; {@code entries} is the number of entries read from the file. */
    static Json.Obj upload(Upload.Result r, KeySource source, long entries) {
        return Json.obj("version", str(r.version()),
                "entries", Json.of(entries),
                "uploaded", Json.of(r.sessions()),
                "requests", Json.of(r.batches()),
                "signed", Json.of(r.signed()),
                "source", Json.of(source.name()),
                "lowered", Json.of(r.lowered()),
                "server_count", r.serverCount() < 0 ? Json.Null.INSTANCE : Json.of(r.serverCount()),
                "unsigned_reason", str(r.note()));
    }

    /**
     * {@code restore}: the version, its AuthData trust, the file written, the keys left out of it because they held a
     * piece of the access token ({@code withheld}), and the audit's summary.
     */
    static Json.Obj restore(String version, BackupAudit audit, String out, boolean encrypted, int rounds,
            long written, long withheld) {
        Json.Obj report = audit.toJson();
        return Json.obj("version", str(version),
                "backup", report.get("backup"),
                "out", Json.of(out),
                "encrypted", Json.of(encrypted),
                "rounds", encrypted ? Json.of(rounds) : Json.Null.INSTANCE,
                "written", Json.of(written),
                "withheld", Json.of(withheld),
                "summary", report.get("summary"));
    }

    /**
     * {@code migrate}: the fields of {@link Migrate.Result}. When there was nothing to do, {@code nothing_to_do}
     * is true, {@code note} says why, and the counts, {@code new_version} and {@code verified} are null.
     */
    static Json.Obj migrate(Migrate.Result r) {
        boolean ran = !r.nothingToDo();
        return Json.obj("old_version", str(r.oldVersion()),
                "new_version", str(r.newVersion()),
                "old_sessions", count(ran, r.oldSessions()),
                "old_rejected", count(ran, r.oldRejected()),
                "migrated", count(ran, r.migrated()),
                "new_sessions", count(ran, r.newSessions()),
                "new_authenticated", count(ran, r.newAuthenticated()),
                "verified", ran ? Json.of(r.verified()) : Json.Null.INSTANCE,
                "old_deleted", Json.of(r.oldDeleted()),
                "note", str(r.note()),
                "nothing_to_do", Json.of(r.nothingToDo()));
    }

    /** {@code migrate --dry-run}: what the run would do ({@link MigrationPlan}); nothing was written. */
    static Json.Obj migratePlan(String userId, MigrationPlan p) {
        List<Json> by = new ArrayList<>();
        for (AuthDataTrust.Via v : p.signers()) by.add(Json.of(v.wire()));
        boolean creates = p.action() != MigrationPlan.Action.NOTHING_TO_DO && p.newVersion() == null;
        long readable = p.oldSessions() - p.oldRejected();
        boolean nothing = p.action() == MigrationPlan.Action.NOTHING_TO_DO;
        return Json.obj("dry_run", Json.of(true),
                "action", Json.of(p.action().name().toLowerCase(Locale.ROOT)),
                "why", str(p.why()),
                "old_version", str(p.oldVersion()),
                "old_backup", p.oldTrust() == null ? Json.Null.INSTANCE : backup(userId, p.oldTrust()),
                "old_sessions", Json.of(p.oldSessions()),
                "old_rejected", Json.of(p.oldRejected()),
                "unsigned_in_signed_backup", Json.of(p.unsignedInSignedBackup()),
                "new_version", str(p.newVersion()),
                "phase", str(p.phase()),
                "creates_version", Json.of(creates),
                "signed_by", creates ? Json.arr(by) : Json.Null.INSTANCE,
                "signing_key", nothing ? Json.Null.INSTANCE : Json.of(p.signingKey().name().toLowerCase(Locale.ROOT)),
                "signing_public_key", nothing ? Json.Null.INSTANCE : str(p.signingPublicKey()),
                "upload_authenticated", nothing ? Json.Null.INSTANCE : Json.of(p.authenticated()),
                "upload_not_authenticated", nothing ? Json.Null.INSTANCE : Json.of(readable - p.authenticated()),
                "old_deleted", Json.of(p.deletesOld()));
    }

    private static Json count(boolean known, long n) {
        return known ? Json.of(n) : Json.Null.INSTANCE;
    }

    /** The audit's {@code backup} object for {@code trust} (an audit of no session). */
    private static Json backup(String userId, AuthDataTrust trust) {
        return new BackupAudit(userId, trust, false).toJson().get("backup");
    }

    private static Json str(String s) {
        return s == null ? Json.Null.INSTANCE : Json.of(s);
    }
}
