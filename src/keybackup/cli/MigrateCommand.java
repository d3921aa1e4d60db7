package keybackup.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Locale;
import keybackup.backup.FieldNames;
import keybackup.trust.AuthDataTrust;
import keybackup.workflow.Account;
import keybackup.workflow.Migrate;
import keybackup.workflow.MigrationPlan;
import keybackup.workflow.Uploader;

/**
 * {@code keybackup migrate}: moves an old backup into a new signed version without losing a key.
 */
final class MigrateCommand implements Command {
    public String name() { return "migrate"; }
    public String summary() { return "move an old backup into a new signed version, losslessly"; }
    public String usage() {
        return "keybackup migrate STORE-OPTIONS [--from VERSION] [--resume "
                + "| --abandon] [--delete-old] [--rotate] [--dry-run]\n"
                + "                 [--checkpoint FILE] [--stable-names] [--json] [--quiet]\n"
                + "Reads and decrypts every key of the old version (the "
                + "current one, or VERSION), stores a new backup signing\n"
                + "key in Secret Storage, creates a new signed version "
                + "(same backup key), re-uploads every key with the\n"
                + "authenticated flag its old verdict allows, uploads "
                + "again if the old version changed meanwhile, and reads\n"
                + "the new version back to check that every key is there "
                + "and verifies. The old version is deleted only with\n"
                + "--delete-old and only after that check passed, and "
                + "only if every later read of the old version still\n"
                + "held every key of the first read. Progress is kept in the checkpoint file (default\n"
                + "keybackup-migration.json; the entries read are kept beside it, in FILE.entries) and in "
                + "account data\n(org.keybackup.migration), so an unfinished migration is\n"
                + "refused a second start anywhere; after a crash, run "
                + "again with --resume, here or on another machine.\n"
                + "--abandon forgets an unfinished migration (checkpoint and record) and deletes nothing; it "
                + "says what\nis left (the new version, if created) and how to go on.\n"
                + "A backup that is already signed and trusted (not "
                + "only through a device taken as published), whose\n"
                + "signing key Secret Storage holds, needs nothing: "
                + "migrate says so and exits 0. --rotate moves it (or\n"
                + "any backup) to a new version with a new signing key. "
                + "--dry-run says what would happen (versions, counts,\n"
                + "what is signed, what is deleted) and writes nothing.\n"
                + "Each step, and the progress of each read of a version "
                + "about once a second, go to stderr unless --quiet.\n"
                + "--json prints the result (or the dry run) as one JSON object (README: Output for scripts).\n"
                + StoreOptions.USAGE;
    }
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, StoreOptions.valued("from", "checkpoint"),
                StoreOptions.flags("resume", "abandon", "delete-old", "rotate", "dry-run", "stable-names", "json",
                        "quiet"));
        if (a.flag("abandon") && (a.flag("resume") || a.flag("delete-old") || a.flag("rotate")
                || a.flag("dry-run"))) {
            throw new UsageException(
                    "--abandon goes alone: not with --resume, --delete-old, --rotate or --dry-run");
        }
        Account account = StoreOptions.account(a, StoreOptions.open(a, io), io, true);
        String cp = a.optional("checkpoint");
        if (a.flag("abandon")) {
            Migrate.Abandoned left = Migrate.abandon(account, Path.of(cp == null ? "keybackup-migration.json" : cp));
            io.println("the unfinished migration is forgotten; no version and no secret was deleted");
            io.println(AuditTable.printable(left.note()));
            return 0;
        }
        Migrate.Options o = new Migrate.Options(a.optional("from"),
                Path.of(cp == null ? "keybackup-migration.json" : cp),
                a.flag("resume") ? Migrate.Start.RESUME : Migrate.Start.NEW,
                a.flag("delete-old") ? Migrate.OldVersion.DELETE_AFTER_CHECK : Migrate.OldVersion.KEEP,
                a.flag("rotate") ? Migrate.SigningKey.NEW : Migrate.SigningKey.KEEP_WHEN_HELD,
                StoreOptions.threads(a), a.flag("stable-names") ? FieldNames.STABLE : FieldNames.UNSTABLE,
                Uploader.Limits.DEFAULT);
        Migrate.Progress progress = (what, total) -> Progress.of(io, a.flag("quiet"), name() + ": " + what, total);
        if (a.flag("dry-run")) {
            MigrationPlan plan = Migrate.plan(account, o, progress);
            if (a.flag("json")) io.printCanonical(JsonOutput.migratePlan(account.userId(), plan));
            else io.println(planText(plan));
            return 0;
        }
        AtomicReference<String> last = new AtomicReference<>("none yet");
        Migrate.Result r = Interrupts.during(io, () -> interrupted(io, last.get(),
                // recorded: else --resume finds nothing
                o.start() == Migrate.Start.RESUME || Files.exists(o.checkpoint()), argv),
                () -> Migrate.run(account, o, line -> {
                    last.set(line);
                    if (!a.flag("quiet")) io.errln("keybackup: " + line);
                }, progress));
        if (a.flag("json")) {
            if (r.note() != null && !r.nothingToDo()) io.errln("keybackup: " + r.note());
            io.printCanonical(JsonOutput.migrate(r));
            return r.verified() || r.nothingToDo() ? 0 : 1;
        }
        if (r.nothingToDo()) {
            io.println("nothing to do: " + AuditTable.printable(r.note())
                    + "; migrate --rotate moves it to a new version with a new "
                    + "signing key");
            return 0;
        }
        io.println(String.format(Locale.ROOT, "old version %s: %d keys (%d undecryptable) -> new version %s: %d keys "
                + "migrated, %d keys read back, %d authenticated",
                r.oldVersion(), r.oldSessions(), r.oldRejected(), r.newVersion(), r.migrated(), r.newSessions(),
                        r.newAuthenticated()));
        io.println("verification: " + (r.verified() ? "passed" : "FAILED") + "; old version "
                + (r.oldDeleted() ? "deleted" : "kept"));
        if (r.note() != null) io.errln("keybackup: " + r.note());
        return r.verified() ? 0 : 1;
    }

    /** The dry run as lines for a person: what the run would do, with the counts of the read. */
    static List<String> planText(MigrationPlan p) {
        List<String> out = new ArrayList<>();
        String old = AuditTable.printable(p.oldVersion());
        out.add("dry run: nothing was written");
        String trust = p.oldTrust() == null ? "already deleted" : "auth_data " + AuditTable.decision(p.oldTrust());
        out.add("old version " + old + ": " + p.oldSessions() + " keys (" + p.oldRejected() + " undecryptable); "
                + trust);
        if (p.unsignedInSignedBackup() > 0) {
            out.add("WARNING: " + p.unsignedInSignedBackup() + " unsigned keys in a signed backup (see audit)");
        }
        if (p.action() == MigrationPlan.Action.NOTHING_TO_DO) {
            out.add("nothing to do: " + AuditTable.printable(p.why())
                    + "; migrate --rotate would move it to a new version with a new "
                    + "signing key");
            return out;
        }
        out.add((p.action() == MigrationPlan.Action.RESUME ? "would resume: " : "would migrate: ")
                + AuditTable.printable(p.why()));
        if (p.newVersion() != null) {
            out.add("new version " + AuditTable.printable(p.newVersion()) + " exists already, signing key "
                    + AuditTable.printable(p.signingPublicKey()));
        } else {
            List<String> by = new ArrayList<>();
            for (AuthDataTrust.Via v : p.signers()) by.add(v == AuthDataTrust.Via.MASTER_KEY ? "the master key"
                    : "this device");
            String key = p.signingKey() == MigrationPlan.KeyChoice.NEW
                    ? "a new signing key (stored in Secret Storage first)"
                    : (p.signingKey() == MigrationPlan.KeyChoice.CURRENT ? "the current version's signing key "
                    : "the recorded signing key ")
                    + AuditTable.printable(p.signingPublicKey()) + " (already in Secret Storage)";
            out.add("would create a new version, its auth_data signed by " + String.join(" and ", by) + ", with "
                    + key);
        }
        long readable = p.oldSessions() - p.oldRejected();
        out.add("would upload " + readable + " keys signed with that key: " + p.authenticated()
                + " as authenticated, "
                + (readable - p.authenticated()) + " as not authenticated; " + p.oldRejected()
                + " undecryptable keys are not migrated");
        out.add("old version " + old + ": " + (p.deletesOld()
                ? "deleted after the new version is read back and checked"
                : p.oldRejected() > 0 ? "kept (its undecryptable keys cannot be migrated)"
                : "kept (--delete-old deletes it after the check)"));
        return out;
    }

    /**
     * What migrate says when it is interrupted: the last step it reached and the command to go on, with
     * {@code --resume} once the migration is recorded; the input to pipe in again when an option read stdin.
     */
    static List<String> interrupted(Io io, String lastStep, boolean recorded, List<String> argv) {
        return List.of("interrupted: the migration stopped (last step: " + lastStep + ")", recorded
                ? "to go on, run the same command with --resume" + Interrupts.pipedAgain(io) + ": "
                + Interrupts.commandLine("migrate", argv, "--resume")
                : "nothing was recorded or changed yet; to go on, " + Interrupts.sameCommandAgain(io) + ": "
                + Interrupts.commandLine("migrate", argv));
    }
}
