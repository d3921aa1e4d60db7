package keybackup.cli;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import keybackup.backup.AuthData;
import keybackup.backup.FieldNames;
import keybackup.backup.SessionData;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.OwnIdentity;
import keybackup.trust.SessionSigner;
import keybackup.trust.TrustAnchors;
import keybackup.trust.TrustResolver;
import keybackup.workflow.Account;
import keybackup.workflow.OfflineAudit;
import keybackup.workflow.Restore;
import keybackup.workflow.WorkflowException;

/** The signed-backup commands: create-auth-data, sign-session, audit. */
final class SignedBackupCommands {
    private SignedBackupCommands() {}

    static List<Command> all() {
        return List.of(new CreateAuthData(), new SignSession(), new Audit());
    }

    static final class CreateAuthData implements Command {
        public String name() { return "create-auth-data"; }
        public String summary() { return "signed AuthData with the backup signing key"; }
        public String usage() {
            return "keybackup create-auth-data --public-key B64 --signing-public-key B64 --user USER_ID\n"
                    + "    [--device-id ID --device-key-file FILE] [--master-key-file FILE] [--stable-names]\n"
                    + "Prints the auth_data of an m.megolm_backup.v1.curve25519-aes-sha2 "
                    + "backup holding the backup public\n"
                    + "key and the backup signing key "
                    + "(org.matrix.mscxxxx.signing_public_key, or signing_public_key with\n"
                    + "--stable-names), signed by this device (ed25519:ID) "
                    + "and/or the master key (ed25519:<master key>).\n"
                    + "Key files hold an unpadded base64 Ed25519 seed. At "
                    + "least one signer is required: readers ignore the\n"
                    + "signing key of an AuthData that no trusted key signed.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("public-key", "signing-public-key", "user", "device-id", "device-key-file",
                    "master-key-file"),
                    Set.of("stable-names"));
            Curve25519PublicKey backupKey = Curve25519PublicKey.parse("--public-key", a.required("public-key"));
            Ed25519PublicKey signingKey = Ed25519PublicKey.parse("--signing-public-key",
                    a.required("signing-public-key"));
            String user = StoreOptions.user(a);
            String deviceId = a.optional("device-id");
            String deviceKeyFile = a.optional("device-key-file");
            String masterKeyFile = a.optional("master-key-file");
            if ((deviceId == null) != (deviceKeyFile == null)) {
                throw new UsageException("--device-id and --device-key-file go together");
            }
            if (deviceId == null && masterKeyFile == null) {
                throw new UsageException("give --device-id/--device-key-file and/or --master-key-file");
            }
            FieldNames names = a.flag("stable-names") ? FieldNames.STABLE : FieldNames.UNSTABLE;
            Json.Obj authData = AuthData.create(backupKey.toBase64(), signingKey, names).json();
            if (masterKeyFile != null) {
                try (Ed25519PrivateKey master = JsonCommands.readSeedFile("--master-key-file", masterKeyFile)) {
                    authData = SignedJson.sign(authData, user, "ed25519:" + master.publicKey().toBase64(), master);
                }
            }
            if (deviceId != null) {
                try (Ed25519PrivateKey device = JsonCommands.readSeedFile("--device-key-file", deviceKeyFile)) {
                    authData = SignedJson.sign(authData, user, "ed25519:" + deviceId, device);
                }
            }
            io.printCanonical(authData);
            return 0;
        }
    }

    static final class SignSession implements Command {
        public String name() { return "sign-session"; }
        public String summary() { return "sign stdin SessionData with the backup signing key"; }
        public String usage() {
            return "keybackup sign-session --user USER_ID --signing-key-file FILE --source SOURCE [--stable-names]\n"
                    + "Reads a SessionData JSON object on stdin and prints "
                    + "it signed by the backup signing key (key id\n"
                    + "ed25519:<public key>, entity USER_ID) as canonical "
                    + "JSON. SOURCE says where the session key came from\n"
                    + "and alone decides the authenticated flag:\n"
                    + "  olm, trusted-forward, own                          -> authenticated: true\n"
                    + "  untrusted-forward, export, backup-unauthenticated  -> authenticated: false\n"
                    + "(backup-authenticated is not accepted here: only a "
                    + "verified restore produces it.) A restore entry's\n"
                    + "recorded verdict (\"keybackup.verdict\"), if still on the object, can only lower SOURCE, never "
                    + "raise it.";
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, Set.of("user", "signing-key-file", "source"), Set.of("stable-names"));
            String user = a.required("user");
            String keyFile = a.required("signing-key-file");
            String sourceName = a.required("source");
            KeySource source = KeySource.byName(sourceName);
            if (source == null) {
                throw new UsageException("--source must be one of olm, trusted-forward, own, untrusted-forward, "
                        + "export, backup-unauthenticated");
            }
            FieldNames names = a.flag("stable-names") ? FieldNames.STABLE : FieldNames.UNSTABLE;
            Json.Obj obj = io.readStdinObject("stdin");
            SessionData.from(obj); // a signature on something that is not a SessionData would vouch for nothing
            try (Ed25519PrivateKey key = JsonCommands.readSeedFile("--signing-key-file", keyFile)) {
                io.printCanonical(SessionSigner.unchecked(user, key, names).sign(obj, source));
            }
            return 0;
        }
    }

    static final class Audit implements Command {
        public String name() { return "audit"; }
        public String summary() { return "offline audit: every key's verdict from saved server responses"; }
        public String usage() {
            return "keybackup audit --user USER_ID --version-file FILE --keys FILE --identity FILE --key-file FILE\n"
                    + "    [--device-id ID[:KEY]] [--trusted-master-key B64] "
                    + "[--verified-device ID[:KEY]]... [--json] [--fail-on VERDICT]\n"
                    + "keybackup audit STORE-OPTIONS [--key-file FILE] [--json] "
                    + "[--fail-on VERDICT] [--quiet]   (online: the current version)\n"
                    + "Offline, the files are the homeserver's responses "
                    + "to GET /room_keys/version, GET /room_keys/keys and\n"
                    + "POST /keys/query; the key file holds the backup "
                    + "recovery key (or its unpadded base64). Trust comes\n"
                    + "only from the options: --trusted-master-key (a "
                    + "master key you verified), --verified-device (own\n"
                    + "devices you verified), --device-id (this device). "
                    + "Give a device's Ed25519 key as ID:KEY to pin it;\n"
                    + "with a bare ID the key is taken as the server "
                    + "publishes it (the identity file), with a warning, and\n"
                    + "the report labels that trust device_as_published.\n"
                    + "Online, the same inputs are fetched from the store; "
                    + "the backup key comes from --key-file or Secret\n"
                    + "Storage, and a master key in Secret Storage that matches the published one is trusted.\n"
                    + "One of the offline files may be - (stdin). (--version-file "
                    + "was --version, which restore uses for a version number.)\n"
                    + "Prints a table, or with --json the audit report. Exits "
                    + "0 whenever the audit ran, whatever the verdicts,\n"
                    + "unless --fail-on VERDICT: then, after the full output, "
                    + "exits 1 if any key has that verdict or a worse one\n"
                    + "(authenticated < signed_not_authenticated < unauthenticated "
                    + "< rejected): --fail-on unauthenticated fails on\n"
                    + "unauthenticated and rejected keys, --fail-on rejected "
                    + "on rejected ones, --fail-on signed_not_authenticated\n"
                    + "on every key that is not authenticated. Online, "
                    + "a progress report goes to stderr unless --quiet.\n"
                    + StoreOptions.USAGE;
        }
        public int run(List<String> argv, Io io) throws Exception {
            Args a = new Args(argv, StoreOptions.valued("version", "version-file", "keys", "identity", "key-file",
                    "fail-on"), StoreOptions.flags("json", "quiet"));
            if (a.optional("version") != null) {
                throw new UsageException("audit takes the saved GET /room_keys/version answer as --version-file FILE "
                        + "(--version is restore's version number)");
            }
            long stdin = a.all("version-file").stream().filter("-"::equals).count()
                    + a.all("keys").stream().filter("-"::equals).count()
                    + a.all("identity").stream().filter("-"::equals).count();
            if (stdin > 1) {
                throw new UsageException("only one of --version-file, --keys and --identity can be - (stdin)");
            }
            String failOn = a.optional("fail-on");
            if (failOn != null && !FAIL_ON.contains(failOn)) {
                throw new UsageException("--fail-on must be one of " + String.join(", ", FAIL_ON));
            }
            BackupAudit audit;
            OwnIdentity identity;
            if (a.optional("version-file") != null) {
                identity = OwnIdentity.fromKeysQuery(StoreOptions.user(a),
                        object("--identity", jsonFile(io, "--identity", a.required("identity"))));
                audit = offline(a, identity, io);
                if (a.flag("json")) io.printCanonical(audit.toJson());
                else io.println(AuditTable.render(audit, identity));
            } else {
                if (a.optional("keys") != null || a.optional("identity") != null) {
                    throw new UsageException("--keys and --identity go with --version-file (offline audit)");
                }
                Account account = StoreOptions.account(a, StoreOptions.open(a, io), io, a.optional("key-file") == null);
                Json.Obj info = account.currentVersion();
                identity = account.identity();
                AuthDataTrust trust = TrustResolver.resolve(info, identity, account.anchors(identity));
                // every entry to disk as it comes, not kept in memory: a million keys fit the CLI's heap
                try (StreamedAudit report = new StreamedAudit(a.flag("json"))) {
                    try (BackupDecryptionKey key = a.optional("key-file") != null
                            ? BackupDecryptionKey.fromKeyFileText(io.readKeyText("--key-file", a.optional("key-file")))
                            : Restore.keyFromSecretStorage(account)) {
                        long count = info.get("count") instanceof Json.Int n ? n.value() : -1;
                        Restore.Options options = Restore.Options.DEFAULT.withThreads(StoreOptions.threads(a))
                                .withProgress(Progress.of(io, a.flag("quiet"), name(), count));
                        audit = Restore.run(account, trust, key, options, r -> report.add(BackupAudit.entry(r)));
                    }
                    report.print(io, audit, identity);
                }
            }
            long failing = failOn == null ? 0 : failing(audit, failOn);
            if (failing > 0) {
                List<String> words = FAIL_ON.subList(FAIL_ON.indexOf(failOn), FAIL_ON.size());
                String which = words.size() == 1 ? words.get(0)
                        : String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
                io.errln("keybackup: error: " + failing + (failing == 1 ? " key is " : " keys are ") + which
                        + " (--fail-on " + failOn + ")");
                return 1;
            }
            return 0;
        }

        /**
         * The verdicts --fail-on takes, mildest first; "authenticated or worse" would fail on every key, so it is not
         * one.
         */
        static final List<String> FAIL_ON = List.of("signed_not_authenticated", "unauthenticated", "rejected");

        /**
         * The keys whose verdict is {@code failOn} or worse (authenticated < signed_not_authenticated < unauthenticated
         * < rejected).
         */
        static long failing(BackupAudit audit, String failOn) {
            int level = FAIL_ON.indexOf(failOn);
            long[] byLevel = {audit.signedNotAuthenticated(), audit.unauthenticated(), audit.rejected()};
            long n = 0;
            for (int i = level; i < byLevel.length; i++) n += byLevel[i];
            return n;
        }

        private static BackupAudit offline(Args a, OwnIdentity identity, Io io) throws Exception {
            String user = StoreOptions.user(a);
            Json.Obj version = object("--version-file", jsonFile(io, "--version-file", a.required("version-file")));
            String keysPath = a.required("keys");
            String keyFile = a.required("key-file");
            String master = a.optional("trusted-master-key");
            Ed25519PublicKey trustedMaster = master == null ? null
                    : Ed25519PublicKey.parse("--trusted-master-key", master);
            List<TrustAnchors.Anchor> given = new ArrayList<>();
            if (a.optional("device-id") != null) {
                DevicePins.Pin pin = DevicePins.parse("--device-id", a.optional("device-id"));
                if (!identity.devices().containsKey(pin.deviceId()) && pin.key() == null) {
                    throw new FailedException("--device-id: device " + pin.deviceId()
                            + " is not a valid device in the identity file");
                }
                if (pin.key() != null) {
                    given.add(new TrustAnchors.ThisDevice(pin.deviceId(), pin.key()));
                } else {
                    DevicePins.warnBare("--device-id", pin, identity, io);
                    given.add(new TrustAnchors.DeviceAsPublished(pin.deviceId()));
                }
            }
            if (trustedMaster != null) given.add(new TrustAnchors.PinnedMasterKey(trustedMaster));
            given.addAll(DevicePins.verifiedDevices(a.all("verified-device"), identity, io));
            OfflineAudit audit;
            try {
                audit = OfflineAudit.of(version, identity, new TrustAnchors(user, given));
            } catch (WorkflowException e) {
                throw new FailedException("--version-file: " + e.getMessage());
            }
            try (BackupDecryptionKey key = BackupDecryptionKey.fromKeyFileText(io.readKeyText("--key-file", keyFile))) {
                try {
                    return audit.run(key, () -> keysPath.equals("-")
                            ? io.stdinStream("--keys") : Files.newInputStream(Path.of(keysPath)));
                } catch (NoSuchFileException e) {
                    throw new FailedException("--keys: no such file: " + keysPath);
                } catch (JsonException e) {
                    throw new FailedException("--keys: " + e.getMessage());
                }
            }
        }

        /** A saved server answer: the file, or stdin for {@code -}. */
        private static Json jsonFile(Io io, String option, String path) throws Exception {
            if (!path.equals("-")) return UserFiles.readJsonFile(option, path);
            io.claimStdin(option + " -");
            try {
                return io.readStdinJson();
            } catch (JsonException e) {
                throw new FailedException(option + ": " + e.getMessage());
            }
        }

        private static Json.Obj object(String option, Json v) throws FailedException {
            if (v instanceof Json.Obj o) return o;
            throw new FailedException(option + ": expected a JSON object");
        }
    }
}
