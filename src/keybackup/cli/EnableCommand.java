package keybackup.cli;

import java.util.List;
import keybackup.backup.FieldNames;
import keybackup.workflow.Account;
import keybackup.workflow.Enable;

/**
 * {@code keybackup enable}: a new signed backup version, its backup key and signing key kept in Secret
 * Storage.
 */
final class EnableCommand implements Command {
    public String name() { return "enable"; }
    public String summary() { return "create a signed backup (keys into Secret Storage)"; }
    public String usage() {
        return "keybackup enable STORE-OPTIONS [--stable-names] [--replace-backup-secrets] [--json]\n"
                + "Generates the backup key and the backup signing key, "
                + "stores both in Secret Storage (m.megolm_backup.v1,\n"
                + "m.key_backup.signing), and creates a backup version "
                + "whose AuthData is signed by the master key (from\n"
                + "Secret Storage, checked against the published one) "
                + "and/or this device (--device-id/--device-key-file).\n"
                + "If Secret Storage already holds either secret, enable "
                + "refuses (the old key may be the only way into an\n"
                + "older backup: see migrate); --replace-backup-secrets overwrites them on purpose.\n"
                + "Before signing, --user must be a valid user id owning "
                + "the access token, and this device must be published\n"
                + "with exactly the key in --device-key-file; otherwise nothing is written (exit 1).\n"
                + "--json prints the result as one JSON object (README: Output for scripts).\n"
                + StoreOptions.USAGE;
    }
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, StoreOptions.VALUED, StoreOptions.flags("stable-names", "replace-backup-secrets",
                "json"));
        Account account = StoreOptions.account(a, StoreOptions.open(a, io), io, true);
        Enable.Result r = Enable.run(account, a.flag("stable-names") ? FieldNames.STABLE : FieldNames.UNSTABLE,
                a.flag("replace-backup-secrets"));
        if (a.flag("json")) {
            io.printCanonical(JsonOutput.enable(r));
            return 0;
        }
        io.println("version: " + r.version());
        io.println("backup public key: " + r.backupKey().toBase64());
        io.println("backup signing key: " + r.signingKey().toBase64());
        io.println("auth_data signed by: " + (r.signedByMaster() ? "master key" : "")
                + (r.signedByMaster() && r.signedByDevice() ? ", " : "")
                + (r.signedByDevice() ? "this device" : ""));
        return 0;
    }
}
