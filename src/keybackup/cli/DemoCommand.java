package keybackup.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import keybackup.backup.FieldNames;
import keybackup.backup.KeyBackupData;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.trust.SessionVerifier;
import keybackup.workflow.Account;
import keybackup.workflow.Enable;
import keybackup.workflow.Migrate;
import keybackup.workflow.Restore;
import keybackup.workflow.UnlockedSecretStorage;
import keybackup.workflow.Uploader;

/**
 * {@code keybackup demo}: the whole story on a fresh local store, with real keys and real cryptography.
 * Nothing is canned: every key, signature and ciphertext is made in this run.
 */
final class DemoCommand implements Command {
    static final String USER = "@alice:example.org";

    public String name() { return "demo"; }
    public String summary() { return "the signed-backup story on a fresh local store (what `make run` shows)"; }
    public String usage() {
        return "keybackup demo [--keep DIR]\n"
                + "Runs the whole signed-backup story on a new local "
                + "store in a temporary directory (removed afterwards),\n"
                + "or in DIR (which must not exist yet, created owner-only) "
                + "with --keep, to explore afterwards: the stores\n"
                + "DIR/signed and DIR/legacy, their Secret Storage recovery keys (DIR/signed-recovery-key.txt,\n"
                + "DIR/legacy-recovery-key.txt) and the phone's device key (DIR/phone.key), e.g.\n"
                + "  keybackup audit --store DIR/signed --user " + USER
                + " --recovery-key-file DIR/signed-recovery-key.txt";
    }

    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, Set.of("keep"), Set.of());
        String keep = a.optional("keep");
        Path dir;
        if (keep != null) {
            dir = Path.of(keep);
            if (Files.exists(dir)) throw new FailedException("--keep: " + keep + " exists; give a new directory");
            StoreOptions.createStore(keep);
        } else {
            dir = Files.createTempDirectory("keybackup-demo-");
        }
        try {
            story(dir, io, keep != null);
        } finally {
            if (keep == null) deleteTree(dir);
        }
        if (keep != null) {
            io.println(List.of("", "The stores are kept in " + dir
                    + " (signed/ and legacy/), with their recovery keys and the phone's key. Try:",
                    "  keybackup audit --store " + dir.resolve("signed") + " --user " + USER + " --recovery-key-file "
                            + dir.resolve("signed-recovery-key.txt"),
                    "  keybackup status --store " + dir.resolve("legacy") + " --user " + USER + " --recovery-key-file "
                            + dir.resolve("legacy-recovery-key.txt")));
        }
        return 0;
    }

    private static void story(Path dir, Io io, boolean keep) throws Exception {
        io.println("keybackup demo: signed key backup (MSC4048, initial revision) on a local store");
        LocalStore store = LocalStore.open(dir.resolve("signed"), USER);
        try (NewIdentity alice = new NewIdentity(USER); SecretStorageKey ssKey = SecretStorageKey.generate()) {
            // 1. Identity and Secret Storage.
            Ed25519PrivateKey phone = alice.addDevice("ALICEPHONE", true);
            Ed25519PrivateKey laptop = alice.addDevice("ALICELAPTOP", false);
            store.publishIdentity(alice.keysQueryResponse());
            UnlockedSecretStorage secrets = UnlockedSecretStorage.create(store, ssKey, "demo");
            secrets.storeSeed(SecretStorage.CROSS_SIGNING_MASTER, alice.master());
            secrets.storeSeed(SecretStorage.CROSS_SIGNING_SELF_SIGNING, alice.selfSigning());
            if (keep) {
                UserFiles.writeSecretFile("--keep", dir.resolve("signed-recovery-key.txt").toString(),
                        ssKey.toRecoveryKey() + "\n");
                byte[] seed = phone.exportSeed();
                try {
                    UserFiles.writeSecretFile("--keep", dir.resolve("phone.key").toString(),
                            Base64Unpadded.encode(seed) + "\n");
                } finally {
                    Arrays.fill(seed, (byte) 0);
                }
            }
            io.println(List.of("", "1. Alice's identity (published as /keys/query would)"));
            io.println("   master key        " + alice.master().publicKey().toBase64());
            io.println("   self-signing key  " + alice.selfSigning().publicKey().toBase64()
                    + "  (signed by the master key)");
            io.println("   device ALICEPHONE  " + phone.publicKey().toBase64() + "  cross-signed");
            io.println("   device ALICELAPTOP " + laptop.publicKey().toBase64() + "  not cross-signed");
            io.println("   Secret Storage: default key 'demo' holds m.cross_signing.master and "
                    + "m.cross_signing.self_signing");

            // 2. Enable a signed backup from the phone.
            Account phoneAccount = new Account(store, secrets, new Account.Device("ALICEPHONE", phone), null, Map.of());
            Enable.Result enabled = Enable.run(phoneAccount, FieldNames.UNSTABLE);
            io.println(List.of("", "2. Signed backup enabled: version " + enabled.version()));
            io.println("   backup key (Curve25519)          " + enabled.backupKey().toBase64());
            io.println("   backup signing key (Ed25519)     " + enabled.signingKey().toBase64());
            io.println("   AuthData signed by the master key" + (enabled.signedByDevice() ? " and ALICEPHONE" : ""));
            io.println("   Secret Storage now also holds m.megolm_backup.v1 and m.key_backup.signing");

            // 3. The phone uploads sessions it received in different ways.
            Json.Obj info = phoneAccount.currentVersion();
            AuthDataTrust trust = phoneAccount.trust(info);
            Map<String, String> label = new LinkedHashMap<>();
            DemoSessions.Sender bob = DemoSessions.Sender.generate();
            DemoSessions.Sender carol = DemoSessions.Sender.generate();
            DemoSessions.Sender alicesLaptop = DemoSessions.Sender.generate();
            record Upload(String room, SessionData data, KeySource source) {}
            List<Upload> uploads = List.of(
                    new Upload("!team:example.org", DemoSessions.newSession(bob, List.of()), KeySource.OLM),
                    new Upload("!team:example.org", DemoSessions.newSession(carol, List.of(alicesLaptop.curve25519())),
                            KeySource.TRUSTED_FORWARD),
                    new Upload("!random:example.org", DemoSessions.newSession(carol, List.of(bob.curve25519())),
                            KeySource.UNTRUSTED_FORWARD),
                    new Upload("!random:example.org", DemoSessions.newSession(bob, List.of()), KeySource.EXPORT));
            try (Ed25519PrivateKey signingKey = secrets.backupSigningKey().orElseThrow();
                 Uploader up = new Uploader(store, enabled.version(), enabled.backupKey(),
                         SessionSigner.forTrustedBackup(trust.usableSigningKey().orElseThrow(), signingKey,
                                 FieldNames.UNSTABLE),
                         FieldNames.UNSTABLE, 2, Uploader.Limits.DEFAULT)) {
                for (Upload u : uploads) {
                    up.add(u.room(), u.data(), u.source());
                    label.put(u.data().sessionId(), u.source().name());
                }
                Uploader.Result r = up.finish();
                io.println(List.of("", "3. ALICEPHONE signs, encrypts and uploads " + r.sessions()
                        + " Megolm sessions (" + r.batches() + " request)"));
                for (Upload u : uploads) {
                    io.println(String.format("   %-20s %s  %-18s authenticated: %s", u.room(),
                            shortId(u.data().sessionId()),
                            u.source().name(), u.source().authenticated()));
                }
            }

            // 4. Mallory knows only the backup public key.
            SessionData forged = DemoSessions.newSession(DemoSessions.Sender.generate(), List.of());
            Json.Obj claim = forged.json().with("org.matrix.mscxxxx.authenticated", Json.of(true));
            Curve25519PublicKey backupPub = enabled.backupKey();
            KeyBackupData entry = new KeyBackupData(0, 0, true, MegolmBackupV1.encrypt(CanonicalJson.encode(claim),
                    backupPub));
            store.putSessionKey(enabled.version(), "!team:example.org", forged.sessionId(), entry.toJson());
            label.put(forged.sessionId(), "mallory");
            io.println(List.of("", "4. Mallory, who knows only the backup public key, writes session "
                    + shortId(forged.sessionId())
                    + " claiming authenticated: true"));

            // 5. The laptop restores.
            Account laptopAccount = new Account(store, UnlockedSecretStorage.unlock(store, ssKey),
                    new Account.Device("ALICELAPTOP", laptop), null, Map.of());
            AuthDataTrust laptopTrust = laptopAccount.trust(laptopAccount.currentVersion());
            List<SessionVerifier.Result> results = new ArrayList<>();
            BackupAudit audit;
            try (BackupDecryptionKey key = Restore.keyFromSecretStorage(laptopAccount)) {
                Restore.Options keepAll = Restore.Options.DEFAULT.with(Restore.AuditEntries.KEEP);
                audit = Restore.run(laptopAccount, laptopTrust, key, keepAll, results::add);
            }
            io.println(List.of("",
                    "5. ALICELAPTOP restores. Its master key comes from Secret Storage and matches the published one, "
                    + "so the"));
            io.println("   AuthData is trusted via " + laptopTrust.trustedVia().stream().map(v ->
                    v.kind().wire()).distinct().toList()
                    + " and the backup signing key is usable.");
            io.println(String.format("   %-20s %-9s %-18s %-25s %s", "ROOM", "SESSION", "UPLOADED AS", "VERDICT",
                    "REASON"));
            results.sort(Comparator.comparing(r -> List.copyOf(label.keySet()).indexOf(r.sessionId())));
            for (SessionVerifier.Result r : results) {
                io.println(String.format("   %-20s %-9s %-18s %-25s %s", r.roomId(), shortId(r.sessionId()),
                        label.get(r.sessionId()),
                        r.verdict().word(), r.verdict().reason() == null ? "-" : r.verdict().reason().wire()));
            }
            io.println(String.format("   summary: %d keys: %d authenticated, %d signed_not_authenticated, %d "
                    + "unauthenticated, %d rejected",
                    audit.total(), audit.authenticated(), audit.signedNotAuthenticated(), audit.unauthenticated(),
                            audit.rejected()));
            if (audit.unsignedInSignedBackup() > 0) {
                io.println("   WARNING: " + audit.unsignedInSignedBackup()
                        + " unsigned entry in a signed backup: Mallory's key is usable, but never trusted");
            }

            // 6. Migration of an old unsigned backup.
            migrationStory(dir.resolve("legacy"), alice, phone, io,
                    keep ? dir.resolve("legacy-recovery-key.txt") : null);
        }
    }

    private static void migrationStory(Path dir, NewIdentity alice, Ed25519PrivateKey phone, Io io,
            Path keepKey) throws Exception {
        LocalStore store = LocalStore.open(dir, USER);
        store.publishIdentity(alice.keysQueryResponse());
        try (SecretStorageKey ssKey = SecretStorageKey.generate(); BackupDecryptionKey backupKey =
                BackupDecryptionKey.generate()) {
            UnlockedSecretStorage secrets = UnlockedSecretStorage.create(store, ssKey, "demo");
            secrets.storeSeed(SecretStorage.CROSS_SIGNING_MASTER, alice.master());
            if (keepKey != null) UserFiles.writeSecretFile("--keep", keepKey.toString(), ssKey.toRecoveryKey() + "\n");
            byte[] raw = backupKey.exportBytes();
            secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            Arrays.fill(raw, (byte) 0);
            // An old-style backup: no signing key, AuthData signed by the phone, entries unsigned.
            Json.Obj authData = SignedJson.sign(Json.obj("public_key", Json.of(backupKey.publicKey().toBase64())),
                    USER, "ed25519:ALICEPHONE", phone);
            String oldVersion = store.createVersion(MegolmBackupV1.ALGORITHM, authData);
            DemoSessions.Sender bob = DemoSessions.Sender.generate();
            try (Uploader up = new Uploader(store, oldVersion, backupKey.publicKey(), null, FieldNames.UNSTABLE, 2,
                    Uploader.Limits.DEFAULT)) {
                for (int i = 0; i < 5; i++) up.add(i % 2 == 0 ? "!team:example.org" : "!random:example.org",
                        DemoSessions.newSession(bob, List.of()), KeySource.OLM);
                up.finish();
            }
            long before = store.version(oldVersion).get("count") instanceof Json.Int n ? n.value() : -1;
            io.println(List.of("", "6. An old unsigned backup (version " + oldVersion + ", " + before
                    + " keys, no signing key) is migrated"));
            Account account = new Account(store, secrets, new Account.Device("ALICEPHONE", phone), null, Map.of());
            Path checkpoint = dir.resolve("migration-checkpoint.json");
            Migrate.Result r = Migrate.run(account, new Migrate.Options(null, checkpoint, Migrate.Start.NEW,
                    Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD, 2, FieldNames.UNSTABLE,
                    Uploader.Limits.DEFAULT), line -> io.println("   " + line));
            io.println(String.format(
                    "   before: version %s, %d keys   after: version %s, %d keys, every one decrypted and verified: %s",
                    r.oldVersion(), r.oldSessions(), r.newVersion(), r.newSessions(), r.verified() ? "yes" : "NO"));
            io.println("   The new entries are signed but not authenticated: an unsigned backup cannot vouch for "
                    + "where a key came");
            io.println("   from. The old version is kept (migrate --delete-old removes it after this check).");
        }
    }


    private static String shortId(String sessionId) {
        return sessionId.substring(0, 8) + "…";
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
