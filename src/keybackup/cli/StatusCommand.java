package keybackup.cli;

import java.util.List;
import java.util.Optional;
import keybackup.homeserver.BackupStore;
import keybackup.json.Json;
import keybackup.trust.AuthDataTrust;
import keybackup.workflow.Account;
import keybackup.workflow.Migrate;
import keybackup.workflow.WorkflowException;

/**
 * {@code keybackup status}: the current backup version, its key count, whether it is trusted, and a
 * recorded migration.
 */
final class StatusCommand implements Command {
    public String name() { return "status"; }
    public String summary() { return "the current backup version and whether it is trusted"; }
    public String usage() {
        return "keybackup status STORE-OPTIONS [--json]\nShows the current "
                + "backup version, its key count, whether its AuthData is trusted,\n"
                + "and whether its signing key is usable; with --json "
                + "as one JSON object (README: Output for scripts).\n" + StoreOptions.USAGE;
    }
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, StoreOptions.VALUED, StoreOptions.flags("json"));
        BackupStore store = StoreOptions.open(a, io);
        Account account = StoreOptions.account(a, store, io, false);
        Json.Obj info = store.currentVersion().orElse(null);
        if (a.flag("json")) {
            io.printCanonical(JsonOutput.status(account.userId(), info, info == null ? null : account.trust(info),
                    account.hasSecrets(),
                    JsonOutput.migration(account)));
            return 0;
        }
        if (info == null) {
            io.println("no key backup");
            return 0;
        }
        AuthDataTrust t = account.trust(info);
        io.println("version: " + AuditTable.printable(info.string("version")));
        io.println("algorithm: " + AuditTable.printable(info.string("algorithm")));
        io.println("keys: " + (info.get("count") instanceof Json.Int n ? n.value() : "?"));
        io.println("auth_data: " + AuditTable.decision(t));
        io.println("signing key: " + (t.signingPublicKey() == null ? "none"
                : AuditTable.printable(t.signingPublicKey()))
                + (t instanceof AuthDataTrust.Usable ? " (usable)" : " (not usable: " + t.reason().wire() + ")"));
        io.println("secret storage: " + (account.hasSecrets() ? "unlocked"
                : "locked (give --recovery-key-file to check the secrets)"));
        Optional<Migrate.Pending> migration;
        try {
            migration = Migrate.recorded(account);
        } catch (WorkflowException e) {
            io.println("migration: the record is unreadable: " + AuditTable.printable(e.getMessage()));
            migration = Optional.empty();
        }
        migration.ifPresent(m -> io.println("migration: " + (m.finished() ? "finished"
                : "UNFINISHED (run migrate --resume)")
                + ", from version " + AuditTable.printable(m.fromVersion()) + " to "
                + (m.toVersion() == null ? "a version not created yet"
                : "version " + AuditTable.printable(m.toVersion())) + ", phase " + m.phase() + ", "
                + m.oldSessions() + " keys first read"));
        return 0;
    }
}
