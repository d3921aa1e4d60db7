package keybackup.cli;

import java.util.ArrayList;
import java.util.List;
import keybackup.backup.FieldNames;
import keybackup.secrets.SecretStorage;
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
        boolean replace = a.flag("replace-backup-secrets");
        // For the interrupt report: without --replace-backup-secrets, enable writes only into a Secret Storage
        // that holds no backup secret, so after an interrupt any it holds are this run's.
        boolean heldBefore = !replace && (account.secrets().holds(SecretStorage.BACKUP_DECRYPTION_KEY)
                || account.secrets().holds(SecretStorage.BACKUP_SIGNING_KEY));
        // A backup that exists before the run is one enable refuses, not one it created: status showing it
        // after an interrupt must not read as "enable finished".
        boolean backupBefore = account.store().currentVersion().isPresent();
        Enable.Result r = Interrupts.during(io, () -> interrupted(io, argv, replace, heldBefore, backupBefore),
                () -> Enable.run(account, a.flag("stable-names") ? FieldNames.STABLE : FieldNames.UNSTABLE, replace));
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

    /**
     * What enable says when it is interrupted. Where it stopped is not known (Secret Storage is written first,
     * then the version is created), so it says how to find out: status shows whether the version exists. If
     * not, the run goes on with {@code --replace-backup-secrets} (when Secret Storage held no backup secret
     * before, what it holds now is this run's); enable refuses it anyway while a backup exists. The status
     * command is given without the options that read stdin: it needs no Secret Storage to show the version, and
     * would otherwise wait for input nobody pipes to it.
     *
     * @param replace whether the command has {@code --replace-backup-secrets}
     * @param heldBefore whether Secret Storage held a backup secret before (then, without {@code replace},
     *     enable refuses before it writes anything)
     * @param backupBefore whether the server showed a backup version before (then enable refuses before it
     *     writes anything, and a version status shows is not this run's)
     */
    static List<String> interrupted(Io io, List<String> argv, boolean replace, boolean heldBefore,
                                    boolean backupBefore) {
        if (backupBefore) {
            return List.of("interrupted: enable stopped before it wrote anything (the account already has a backup "
                    + "version, which enable does not replace: see migrate)");
        }
        if (heldBefore && !replace) {
            return List.of("interrupted: enable stopped before it wrote anything (Secret Storage already holds "
                    + "backup secrets, and enable keeps them)", "to go on, " + Interrupts.sameCommandAgain(io) + ": "
                    + Interrupts.commandLine("enable", argv));
        }
        List<String> storeOptions = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (List.of("--stable-names", "--replace-backup-secrets", "--json", "--passphrase-stdin").contains(arg)
                    || arg.equals("--recovery-key-file=-")) {
                continue;
            }
            if (arg.equals("--recovery-key-file") && i + 1 < argv.size() && argv.get(i + 1).equals("-")) {
                i++;
                continue;
            }
            storeOptions.add(arg);
        }
        String again = replace ? Interrupts.sameCommandAgain(io)
                : "run the command again with --replace-backup-secrets (Secret Storage held no backup secrets before "
                + "it: any it holds now are this run's, of no backup)" + Interrupts.pipedAgain(io);
        return List.of("interrupted: enable stopped before it finished; Secret Storage may already hold the new "
                + "backup keys, and the new backup version may exist",
                "to go on, run " + Interrupts.commandLine("status", storeOptions) + ": if it shows a backup version, "
                + "enable created it and Secret Storage holds its keys, so nothing is left to do; if it shows no key "
                + "backup, " + again + ": " + Interrupts.commandLine("enable", argv, "--replace-backup-secrets"));
    }
}
