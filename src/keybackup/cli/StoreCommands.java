package keybackup.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import keybackup.backup.FieldNames;
import keybackup.homeserver.BackupStore;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.workflow.Account;
import keybackup.workflow.Enable;
import keybackup.workflow.ExportWriter;
import keybackup.workflow.Migrate;
import keybackup.workflow.MigrationPlan;
import keybackup.workflow.Restore;
import keybackup.workflow.UnlockedSecretStorage;
import keybackup.workflow.Upload;
import keybackup.workflow.Uploader;
import keybackup.workflow.WorkflowException;

/**
 * The commands that work on an account's backup: setup, status, enable, upload, restore, migrate (audit:
 * SignedBackupCommands).
 */
final class StoreCommands {
    private StoreCommands() {}

    static List<Command> all() {
        return List.of(new Setup(), new Status(), new EnableCmd(), new UploadCmd(), new RestoreCmd(), new MigrateCmd());
    }

    static final class Setup implements Command {
        public String name() { return "setup"; }
        public String summary() { return "local store only: a new identity, device and Secret Storage"; }
        public String usage() {
            return "keybackup setup --user USER_ID [--store DIR] "
                    + "--recovery-key-out FILE --device-id ID --device-key-out FILE\n"
                    + "Creates, in a local store, what a homeserver account "
                    + "already has: a cross-signing identity (master and\n"
                    + "self-signing keys, published as /keys/query would), "
                    + "this device (cross-signed), and Secret Storage with a\n"
                    + "new key holding the cross-signing secrets. Writes the "
                    + "Secret Storage recovery key and the device's Ed25519\n"
                    + "seed to new files (mode 600) and prints the master key and the device id.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("user", "store", "recovery-key-out", "device-id", "device-key-out"),
                    Set.of());
            String user = StoreOptions.user(a);
            String recoveryOut = a.required("recovery-key-out");
            String deviceId = a.required("device-id");
            String deviceOut = a.required("device-key-out");
            // the one command that creates a store
            LocalStore store = LocalStore.open(StoreOptions.createStore(a.optional("store")), user);
            if (store.getAccountData(SecretStorage.DEFAULT_KEY_TYPE).isPresent()) {
                throw new FailedException("the store already has Secret Storage; not overwriting it");
            }
            try (NewIdentity id = new NewIdentity(user); SecretStorageKey ssKey = SecretStorageKey.generate()) {
                Ed25519PrivateKey device = id.addDevice(deviceId, true);
                Io.writeSecretFile("--recovery-key-out", recoveryOut, ssKey.toRecoveryKey() + "\n");
                byte[] seed = device.exportSeed();
                try {
                    Io.writeSecretFile("--device-key-out", deviceOut, Base64Unpadded.encode(seed) + "\n");
                } finally {
                    Arrays.fill(seed, (byte) 0);
                }
                try (UnlockedSecretStorage secrets = UnlockedSecretStorage.create(store, ssKey, "keybackup")) {
                    secrets.storeSeed(SecretStorage.CROSS_SIGNING_MASTER, id.master());
                    secrets.storeSeed(SecretStorage.CROSS_SIGNING_SELF_SIGNING, id.selfSigning());
                }
                store.publishIdentity(id.keysQueryResponse());
                io.println("master key: " + id.master().publicKey().toBase64());
                io.println("device: " + deviceId + " (" + device.publicKey().toBase64() + ")");
            }
            return 0;
        }

    }

    static final class Status implements Command {
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

    static final class EnableCmd implements Command {
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

    static final class UploadCmd implements Command {
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
                r = Interrupts.during(io, () -> List.of("interrupted: the upload of " + entries + " sessions from "
                        + keysFile
                        + " stopped before it finished; the keys the server accepted "
                        + "stay in the backup, and sending them again is safe"
                        + " (the server keeps the better copy of each key)", "to go on, run the same command again: "
                        + Interrupts.commandLine(name(), argv)),
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
    }

    static final class RestoreCmd implements Command {
        public String name() { return "restore"; }
        public String summary() { return "download, decrypt and verify every key; write them with verdicts"; }
        public String usage() {
            return "keybackup restore STORE-OPTIONS --out FILE [--version V] [--backup-key-file FILE]\n"
                    + "                 [--encrypt [--export-passphrase-file "
                    + "FILE] [--export-rounds N]] [--json] [--quiet]\n"
                    + "Writes the keys of the backup (the current version, or "
                    + "V) to FILE in the key-export format, each with its\n"
                    + "verdict under \"keybackup.verdict\" (rejected keys are "
                    + "not written), and prints a summary. The backup key\n"
                    + "comes from Secret Storage, or from --backup-key-file (its recovery key or unpadded base64).\n"
                    + "--encrypt writes Element's encrypted export "
                    + "(\"-----BEGIN MEGOLM SESSION DATA-----\", what its \"Import E2E room\n"
                    + "keys\" reads) with a passphrase from --export-passphrase-file "
                    + "FILE or the terminal, and N PBKDF2 rounds\n"
                    + "(default 500000, as Element).\n"
                    + "--out - writes the export to stdout (the summary then "
                    + "goes to stderr); plaintext keys are not written to a\n"
                    + "terminal unless --force-terminal asks for it.\n"
                    + "--quiet: no progress report on stderr (by default about "
                    + "once a second: keys done, of how many, keys per second,\n"
                    + "time left; one line rewritten in place on a terminal). "
                    + "--json: the result as one JSON object (README:\n"
                    + "Output for scripts); not with --out -.\n" + StoreOptions.USAGE;
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, StoreOptions.valued("out", "version", "backup-key-file",
                    ExportFiles.PASSPHRASE_OPTION, "export-rounds"),
                    StoreOptions.flags("encrypt", "force-terminal", "json", "quiet"));
            String out = a.required("out");
            boolean toStdout = out.equals("-");
            if (toStdout && !a.flag("encrypt") && io.stdoutIsTerminal() && !a.flag("force-terminal")) {
                throw new UsageException("--out -: stdout is a terminal, and the restored room keys are plaintext: "
                        + "redirect stdout to a"
                        + " file or a pipe, use --encrypt, or add --force-terminal to show them");
            }
            Consumer<String> say = toStdout ? io::errln : io::println; // stdout carries the export
            if (toStdout && a.flag("json")) {
                throw new UsageException("--json needs --out FILE: with --out - stdout carries the export");
            }
            String keyFile = a.optional("backup-key-file");
            boolean encrypt = a.flag("encrypt");
            if (!encrypt && (a.optional(ExportFiles.PASSPHRASE_OPTION) != null
                    || a.optional("export-rounds") != null)) {
                throw new UsageException("--export-passphrase-file and --export-rounds need --encrypt");
            }
            int rounds = ExportFiles.rounds(a);
            Account account = StoreOptions.account(a, StoreOptions.open(a, io), io, keyFile == null);
            Json.Obj info = a.optional("version") != null ? account.store().version(a.optional("version"))
                    : account.currentVersion();
            AuthDataTrust trust = account.trust(info);
            Path outPath = Path.of(out);
            if (!toStdout && Files.exists(outPath)) {
                throw new FailedException("--out: file exists, not overwriting it: " + out);
            }
            String version = info.string("version");
            AtomicLong verified = new AtomicLong();
            // Restored session keys are secrets: a new owner-only file of this process, written under a
            // temporary name and renamed into place only when the restore finished, so a failed or interrupted
            // run never leaves a file that looks like a complete export (and removes its plaintext keys).
            try (BackupDecryptionKey key = keyFile != null
                    ? BackupDecryptionKey.fromKeyFileText(io.readKeyText("--backup-key-file", keyFile))
                    : Restore.keyFromSecretStorage(account);
                 PartialFile partial = toStdout ? null : PartialFile.create("--out", outPath)) {
                char[] pass = encrypt ? ExportFiles.passphrase(a, true) : null; // asked before the long part
                OutputStream sink;
                try {
                    OutputStream file = toStdout ? io.fileStdout() : partial.stream();
                    sink = encrypt ? ExportFiles.encrypting(file, pass, rounds) : file;
                } finally {
                    if (pass != null) Arrays.fill(pass, '\0');
                }
                return Interrupts.during(io, () -> partial != null && partial.committed()
                        ? List.of("interrupted after " + out + " was written in full (" + verified.get() + " keys were "
                                + "verified); nothing is left to do")
                        : List.of(
                        "interrupted: the restore of version " + version + " stopped after " + verified.get()
                                + " keys were verified; "
                                + (partial != null && partial.discard() ? "its partial file " + partial.path()
                                + " (plaintext keys) was removed; " : "") + out + " was not written",
                        "to go on, run the same command again: " + Interrupts.commandLine(name(), argv)), () -> {
                    BackupAudit audit;
                    long written;
                    // Closed only after every key was written: close() adds the closing bracket and, when encrypted,
                    // the MAC and the footer. A failed run leaves them out, so what already went to stdout is visibly
                    // incomplete (not JSON, not an importable export) instead of a shorter export that looks whole;
                    // a file is removed by PartialFile either way.
                    ExportWriter writer = new ExportWriter(new BufferedOutputStream(sink));
                    {
                        long count = info.get("count") instanceof Json.Int n ? n.value() : -1;
                        // no report between the keys on the screen
                        boolean quiet = a.flag("quiet") || toStdout && io.stdoutIsTerminal();
                        Restore.Options options = Restore.Options.DEFAULT.withThreads(StoreOptions.threads(a))
                                .withProgress(Progress.of(io, quiet, name(), count));
                        try {
                            audit = Restore.run(account, trust, key, options, r -> {
                                writer.write(r);
                                verified.incrementAndGet(); // the sink is called under Restore's lock
                            });
                        } catch (IOException e) { // writing the export failed: the words it always had
                            throw new FailedException("restore stopped: " + e.getMessage());
                        }
                        written = writer.written();
                        writer.close();
                    }
                    if (partial != null) partial.commit("--out");
                    if (a.flag("json")) {
                        io.printCanonical(JsonOutput.restore(version, audit, out, encrypt, rounds, written));
                        return 0;
                    }
                    say.accept("version " + AuditTable.printable(version) + ": auth_data " + AuditTable.decision(trust)
                            + ", signing key " + (trust.usableSigningKey().isPresent() ? "usable" : "not usable ("
                            + trust.reason().wire() + ")"));
                    say.accept(String.format("restored %d of %d keys to %s"
                            + (encrypt ? " (encrypted, " + rounds + " rounds)" : "")
                            + ": %d authenticated, %d signed_not_authenticated, %d unauthenticated; %d rejected (not "
                            + "written)",
                            written, audit.total(), toStdout ? "stdout" : out, audit.authenticated(),
                                    audit.signedNotAuthenticated(), audit.unauthenticated(), audit.rejected()));
                    if (audit.unsignedInSignedBackup() > 0) {
                        say.accept("WARNING: " + audit.unsignedInSignedBackup()
                                + " unsigned keys in a signed backup: written by someone holding only the backup "
                                + "public key?");
                    }
                    return 0;
                });
            }
        }
    }

    static final class MigrateCmd implements Command {
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
                    + "keybackup-migration.json) and in account data "
                    + "(org.keybackup.migration), so an unfinished migration is\n"
                    + "refused a second start anywhere; after a crash, run "
                    + "again with --resume, here or on another machine.\n"
                    + "--abandon forgets an unfinished migration (checkpoint and record) and deletes nothing.\n"
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
                Migrate.abandon(account, Path.of(cp == null ? "keybackup-migration.json" : cp));
                io.println("the unfinished migration is forgotten; no version and no secret was deleted");
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
            Migrate.Result r = Interrupts.during(io, () -> List.of("interrupted: the migration stopped (last step: "
                    + last.get() + ")",
                    // recorded: else --resume finds nothing
                    o.start() == Migrate.Start.RESUME || Files.exists(o.checkpoint())
                            ? "to go on, run the same command with --resume: "
                            + Interrupts.commandLine(name(), argv, "--resume")
                            : "nothing was recorded or changed yet; to go on, run the same command again: "
                            + Interrupts.commandLine(name(), argv)),
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
            io.println(String.format("old version %s: %d keys (%d undecryptable) -> new version %s: %d keys migrated, "
                    + "%d keys read back, %d authenticated",
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
    }
}
