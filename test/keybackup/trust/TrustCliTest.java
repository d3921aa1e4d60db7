package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import keybackup.backup.AuthData;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.cli.CliRun;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.cli.NewIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trust rules as the command line shows them: a device named by id only is trusted with the weaker
 * {@code device_as_published} label in the audit (JSON and table) and in {@code status}; {@code enable} and
 * {@code migrate} refuse a signer the server does not publish, and {@code --user} that is not a user id.
 */
@Timeout(60)
class TrustCliTest {
    static final String USER = "@alice:example.org";

    @TempDir
    Path dir;

    private static CliRun.Result run(String... args) {
        CliRun.Result r = CliRun.run("", args);
        for (String line : r.err().lines().toList()) assertTrue(line.startsWith("keybackup: ")
                || line.startsWith("usage: "), line);
        return r;
    }

    private static CliRun.Result ok(String... args) {
        CliRun.Result r = run(args);
        assertEquals(0, r.code(), Arrays.toString(args) + "\n" + r.err());
        return r;
    }

    /**
     * Offline audit files for a backup whose AuthData only device DEV signed (not cross-signed, no master key trusted).
     */
    private List<String> offlineAudit() throws Exception {
        try (NewIdentity alice = new NewIdentity(USER); BackupDecryptionKey key = BackupDecryptionKey.generate();
             Ed25519PrivateKey signing = Ed25519PrivateKey.generate()) {
            Ed25519PrivateKey dev = alice.addDevice("DEV", false);
            Json.Obj ad = SignedJson.sign(AuthData.create(key.publicKey().toBase64(), signing.publicKey(),
                    FieldNames.UNSTABLE).json(),
                    USER, "ed25519:DEV", dev);
            Path version = Files.write(dir.resolve("version.json"),
                    CanonicalJson.encode(Json.obj("algorithm", Json.of(MegolmBackupV1.ALGORITHM),
                    "auth_data", ad, "version", Json.of("1"), "count", Json.of(0), "etag", Json.of("0"))));
            Path keys = Files.writeString(dir.resolve("keys.json"), "{\"rooms\":{}}");
            Path identity = Files.write(dir.resolve("identity.json"), CanonicalJson.encode(alice.keysQueryResponse()));
            byte[] raw = key.exportBytes();
            Path keyFile = Files.writeString(dir.resolve("backup-key.txt"), Base64Unpadded.encode(raw) + "\n");
            Arrays.fill(raw, (byte) 0);
            return new ArrayList<>(List.of("audit", "--user", USER, "--version-file", version.toString(), "--keys",
                    keys.toString(),
                    "--identity", identity.toString(), "--key-file", keyFile.toString(),
                            "DEVKEY=" + dev.publicKey().toBase64()));
        }
    }

    private static String[] args(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base.subList(0, base.size() - 1));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static Json.Obj firstVia(CliRun.Result r) throws Exception {
        Json.Obj backup = ((Json.Obj) JsonReader.parse(r.out())).object("backup");
        assertEquals(Json.of(true), backup.get("trusted"), backup.toString());
        return (Json.Obj) ((Json.Arr) backup.get("trusted_via")).elements().get(0);
    }

    @Test
    void audit_bareVerifiedDevice_isLabelledAsPublished_pinnedIsVerified() throws Exception {
        List<String> base = offlineAudit();
        String devKey = base.get(base.size() - 1).substring("DEVKEY=".length());

        CliRun.Result bare = ok(args(base, "--verified-device", "DEV", "--json"));
        Json.Obj via = firstVia(bare);
        assertEquals("device_as_published", via.string("kind"));
        assertEquals(Json.of(false), via.get("key_compared"));
        assertTrue(bare.err().contains("taken as the server publishes it"), bare.err());

        CliRun.Result table = ok(args(base, "--verified-device", "DEV"));
        assertTrue(table.outText().contains("trusted via device_as_published ed25519:DEV (weaker"), table.outText());

        CliRun.Result bareThisDevice = ok(args(base, "--device-id", "DEV", "--json"));
        assertEquals("device_as_published", firstVia(bareThisDevice).string("kind"));

        CliRun.Result pinned = ok(args(base, "--verified-device", "DEV:" + devKey, "--json"));
        assertEquals("verified_device", firstVia(pinned).string("kind"));
        assertEquals(Json.of(true), firstVia(pinned).get("key_compared"));
        assertEquals("", pinned.err());
    }

    /** setup + enable on a local store; returns the store options (with this device's key file). */
    private List<String> enabledStore() throws Exception {
        Path store = dir.resolve("store");
        Path rk = dir.resolve("rk.txt");
        Path dk = dir.resolve("dk.txt");
        ok("setup", "--user", USER, "--store", store.toString(), "--recovery-key-out", rk.toString(), "--device-id",
                "PHONE",
                "--device-key-out", dk.toString());
        return List.of("--user", USER, "--store", store.toString(), "--recovery-key-file", rk.toString());
    }

    private Path wrongKeyFile() throws Exception {
        try (Ed25519PrivateKey wrong = Ed25519PrivateKey.generate()) {
            byte[] seed = wrong.exportSeed();
            try {
                return Files.writeString(dir.resolve("wrong-dk.txt"), Base64Unpadded.encode(seed) + "\n");
            } finally {
                Arrays.fill(seed, (byte) 0);
            }
        }
    }

    private static String[] with(List<String> base, String... more) {
        List<String> all = new ArrayList<>();
        all.add(more[0]);
        all.addAll(base);
        all.addAll(List.of(more).subList(1, more.length));
        return all.toArray(String[]::new);
    }

    @Test
    void enable_wrongDeviceKeyOrMistypedDeviceId_exit1_nothingWritten() throws Exception {
        List<String> store = enabledStore();
        CliRun.Result wrongKey = run(with(store, "enable", "--device-id", "PHONE", "--device-key-file",
                wrongKeyFile().toString()));
        assertEquals(1, wrongKey.code(), wrongKey.err());
        assertTrue(wrongKey.err().startsWith("keybackup: error: device key mismatch"), wrongKey.err());
        assertEquals("", wrongKey.outText());

        CliRun.Result wrongId = run(with(store, "enable", "--device-id", "PH0NE", "--device-key-file",
                dir.resolve("dk.txt").toString()));
        assertEquals(1, wrongId.code(), wrongId.err());
        assertTrue(wrongId.err().contains("device PH0NE is not a valid published device"), wrongId.err());

        assertEquals("no key backup\n", ok(with(store, "status")).outText());
        // control
        ok(with(store, "enable", "--device-id", "PHONE", "--device-key-file", dir.resolve("dk.txt").toString()));
    }

    @Test
    void migrate_wrongDeviceKey_exit1_versionUnchanged() throws Exception {
        List<String> store = enabledStore();
        String dk = dir.resolve("dk.txt").toString();
        CliRun.Result enabled = ok(with(store, "enable", "--device-id", "PHONE", "--device-key-file", dk));
        String version = enabled.outText().lines().filter(l -> l.startsWith("version: ")).findFirst().orElseThrow();
        CliRun.Result migrate = run(with(store, "migrate", "--device-id", "PHONE", "--device-key-file",
                wrongKeyFile().toString(),
                "--checkpoint", dir.resolve("cp.json").toString()));
        assertEquals(1, migrate.code(), migrate.err());
        assertTrue(migrate.err().contains("device key mismatch"), migrate.err());
        assertTrue(ok(with(store, "status")).outText().startsWith(version + "\n"), "the old version is still current");
    }

    @Test
    void status_bareVerifiedDevice_saysTheKeyWasTakenAsPublished() throws Exception {
        List<String> store = enabledStore();
        ok(with(store, "enable", "--device-id", "PHONE", "--device-key-file", dir.resolve("dk.txt").toString()));
        // Secret Storage locked (no recovery key): the master key is not trusted; only the named device vouches.
        List<String> locked = store.subList(0, 4);
        CliRun.Result status = ok(with(locked, "status", "--verified-device", "PHONE"));
        assertTrue(status.outText().contains("auth_data: trusted via [device_as_published ed25519:PHONE (weaker"),
                status.outText());
        assertTrue(status.err().contains("PHONE: its key is taken as the server publishes it"), status.err());
    }

    @Test
    void userOption_notAUserId_exit1_beforeAnythingHappens() throws Exception {
        String s = dir.resolve("s").toString();
        List<String[]> commands = List.of(new String[] {"status", "--user", "alice", "--store", s},
                new String[] {"enable", "--user", "alice", "--store", s, "--recovery-key-file", "rk"},
                new String[] {"setup", "--user", "alice", "--store", s, "--recovery-key-out", "rk", "--device-id", "D",
                        "--device-key-out", "dk"});
        for (String[] cmd : commands) {
            CliRun.Result r = run(cmd);
            assertEquals(1, r.code(), cmd[0] + ": " + r.err());
            assertTrue(r.err().startsWith("keybackup: error: --user: user id must start with @"), r.err());
            assertFalse(Files.exists(dir.resolve("s")), cmd[0] + " created the store");
        }
    }
}
