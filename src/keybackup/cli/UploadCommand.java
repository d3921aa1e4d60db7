package keybackup.cli;

import java.util.List;
import keybackup.backup.FieldNames;
import keybackup.trust.KeySource;
import keybackup.workflow.Account;
import keybackup.workflow.Upload;

/**
 * {@code keybackup upload}: signs, encrypts and uploads the keys of a key-export file, every entry
 * checked before anything is sent.
 */
final class UploadCommand implements Command {
    public String name() { return "upload"; }
    public String summary() { return "sign, encrypt and upload keys from a key-export file"; }
    public String usage() {
        return "keybackup upload STORE-OPTIONS --keys FILE --source SOURCE [--stable-names] [--json] [--quiet]\n"
                + "FILE is a JSON key export (an array of sessions with "
                + "room_id and session_id). SOURCE says where the keys\n"
                + "came from and decides their authenticated flag: olm, "
                + "trusted-forward, own (true); untrusted-forward,\n"
                + "export, backup-unauthenticated (false). An entry that "
                + "carries a verdict (\"keybackup.verdict\", as restore\n"
                + "writes it) never goes up: it is authenticated only if "
                + "its verdict is authenticated AND SOURCE gives true.\n"
                + "Entries are signed when the backup is trusted and Secret "
                + "Storage holds its signing key; otherwise they are\n"
                + "uploaded unsigned (and said so). is_verified is always "
                + "false: this command cannot know whether this device\n"
                + "verified the devices the keys came from.\n"
                + "--quiet: no progress report on stderr (by default about "
                + "once a second: keys done, of how many, keys per second,\n"
                + "time left; one line rewritten in place on a terminal). "
                + "--json: the result as one JSON object (README:\n"
                + "Output for scripts).\n" + ExportFiles.USAGE + StoreOptions.USAGE;
    }
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, StoreOptions.valued("keys", "source", ExportFiles.PASSPHRASE_OPTION),
                StoreOptions.flags("stable-names", "json", "quiet"));
        String keysFile = a.required("keys");
        KeySource source = KeySource.byName(a.required("source"));
        if (source == null) {
            throw new UsageException("--source must be one of olm, trusted-forward, own, untrusted-forward, "
                    + "export, backup-unauthenticated");
        }
        ExportFiles.claimPassphraseStdin(a, io); // before --keys - or Secret Storage's options read stdin
        Upload.Result r;
        long entries;
        try (ExportFiles.KeyFile keys = ExportFiles.keys("--keys", keysFile, a, io)) {
            // pass one: every entry checked before anything is sent
            Upload.Selection<FailedException> sessions = Upload.select(keys.sessions());
            entries = sessions.entries();
            Account account = StoreOptions.account(a, StoreOptions.open(a, io), io, false);
            // NOT_VERIFIED (the default): the command line cannot know whether this device verified the
            // sending devices. Unsigned uploads are allowed and reported (a warning below).
            Upload.Options options = Upload.Options.of(source)
                    .with(a.flag("stable-names") ? FieldNames.STABLE : FieldNames.UNSTABLE)
                    .withThreads(StoreOptions.threads(a))
                    .withProgress(Progress.of(io, a.flag("quiet"), name(), entries));
            r = Interrupts.during(io, () -> interrupted(io, entries, keysFile, argv),
                    () -> Upload.run(account, sessions, options));
        }
        if (a.flag("json")) {
            if (r.note() != null) io.errln("keybackup: warning: " + r.note());
            io.printCanonical(JsonOutput.upload(r, source, entries));
            return 0;
        }
        io.println("uploaded " + r.sessions() + " sessions to version " + r.version() + " in " + r.batches()
                + (r.batches() == 1 ? " request (" : " requests (")
                + (r.signed() ? "signed" : "unsigned") + ", source " + source.name() + ")"
                + (r.serverCount() < 0 ? "" : "; the backup holds " + r.serverCount() + " keys"));
        if (r.lowered() > 0) {
            io.println(r.lowered()
                    + " of them not authenticated, as their recorded verdict says (a file's verdict can lower the "
                    + "source, never raise it)");
        }
        if (r.note() != null) io.errln("keybackup: warning: " + r.note());
        return 0;
    }

    /** What an upload of {@code entries} sessions from {@code keysFile} says when it is interrupted. */
    static List<String> interrupted(Io io, long entries, String keysFile, List<String> argv) {
        return List.of("interrupted: the upload of " + entries + " sessions from "
                + (keysFile.equals("-") ? "stdin" : keysFile)
                + " stopped before it finished; the keys the server accepted "
                + "stay in the backup, and sending them again is safe"
                + " (the server keeps the better copy of each key)", "to go on, " + Interrupts.sameCommandAgain(io)
                + ": " + Interrupts.commandLine("upload", argv));
    }
}
