package keybackup.cli;

import static keybackup.workflow.WorkflowFixture.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import keybackup.backup.ExportedSession;
import keybackup.homeserver.BackupStore;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorageKey;
import keybackup.workflow.Account;
import keybackup.workflow.Restore;
import keybackup.workflow.UnlockedSecretStorage;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store commands end to end through {@link Main#run}: setup (local store) or a prepared homeserver
 * account, then enable, upload, status, restore, the offline audit of files fetched from the store, and
 * migrate. Every run checks the exit code, and that stderr holds only {@code keybackup: …} lines, no
 * stack trace, and no secret (access token, recovery key, device seed).
 */
@Timeout(60)
class StoreCommandsEndToEndTest {
    @TempDir
    Path dir;
    private final List<String> secrets = new ArrayList<>();

    private record Result(int exit, String out, String err) {}

    private Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new ByteArrayInputStream(new byte[0]), out, err);
        Result r = new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        for (String line : r.err().lines().toList()) {
            assertTrue(line.startsWith("keybackup: ") || line.startsWith("usage: "), "stderr line: " + line);
        }
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"),
                "stack trace or exception name: " + r.err());
        for (String s : secrets) assertFalse(r.out().contains(s) || r.err().contains(s), "a secret was printed");
        return r;
    }

    private Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.exit(), String.join(" ", args) + "\nstdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }

    /** {@code command}, the store options, then {@code more}. */
    private static String[] cmd(String command, List<String> where, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(where);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    /** A key-export file with {@code sessions}; returns its path. */
    private String keysFile(List<ExportedSession> sessions) throws Exception {
        return WorkflowFixture.writeExport(dir.resolve("keys-export.json"), sessions).toString();
    }

    /**
     * The whole flow on one store; {@code where} are the store options, {@code store} the same store opened directly.
     */
    private void flow(List<String> where, BackupStore store, String recoveryKeyFile,
            String masterKey) throws Exception {
        List<ExportedSession> sessions = WorkflowFixture.sessions(3, 4, 11);
        Set<String> ids = new TreeSet<>();
        for (ExportedSession s : sessions) ids.add(s.sessionId());

        Result enable = ok(cmd("enable", where));
        assertTrue(enable.out().contains("version: 1\n"), enable.out());
        assertTrue(enable.out().contains("auth_data signed by: master key, this device"), enable.out());

        Result upload = ok(cmd("upload", where, "--keys", keysFile(sessions), "--source", "olm"));
        assertTrue(upload.out().startsWith("uploaded 12 sessions to version 1 in 1 request (signed, source olm); the "
                + "backup holds 12 keys"),
                upload.out());

        Result status = ok(cmd("status", where));
        assertTrue(status.out().contains("version: 1\n") && status.out().contains("keys: 12\n"), status.out());
        assertTrue(status.out().contains("auth_data: trusted via") && status.out().contains("(usable)"), status.out());

        Path restored = dir.resolve("restored.json");
        Result restore = ok(cmd("restore", where, "--out", restored.toString()));
        assertTrue(restore.out().contains("restored 12 of 12 keys to " + restored
                + ": 12 authenticated, 0 signed_not_authenticated, "
                + "0 unauthenticated; 0 rejected"), restore.out());
        Set<String> restoredIds = new TreeSet<>();
        for (Json e : ((Json.Arr) JsonReader.parse(Files.readAllBytes(restored))).elements()) {
            Json.Obj o = (Json.Obj) e;
            restoredIds.add(o.string("session_id"));
            assertEquals("authenticated", o.object("keybackup.verdict").string("verdict"));
            assertFalse(o.has("signatures") || o.has("org.matrix.mscxxxx.authenticated"));
        }
        assertEquals(ids, restoredIds);
        Result again = run(cmd("restore", where, "--out", restored.toString()));
        assertEquals(1, again.exit());
        assertTrue(again.err().startsWith("keybackup: error: --out: file exists"), again.err());
        // Restored session keys are secrets: owner-only, and no temporary file is left behind.
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(restored));
        assertFalse(Files.exists(dir.resolve("restored.json.partial")));
        // A temporary file this run did not create (another restore still running) is neither used nor removed.
        Path other = dir.resolve("other.json");
        Path othersPartial = Files.writeString(dir.resolve("other.json.partial"), "someone else's file");
        Result clash = run(cmd("restore", where, "--out", other.toString()));
        assertEquals(1, clash.exit());
        assertEquals("someone else's file", Files.readString(othersPartial));
        assertFalse(Files.exists(other));

        // Offline audit of what the store serves.
        Json.Obj version = store.currentVersion().orElseThrow();
        Map<String, Map<String, Json>> rooms = new LinkedHashMap<>();
        store.streamKeys("1", (room, session, data) -> rooms.computeIfAbsent(room,
                r -> new LinkedHashMap<>()).put(session, data));
        Map<String, Json> roomsJson = new LinkedHashMap<>();
        rooms.forEach((r, s) -> roomsJson.put(r, Json.obj("sessions", new Json.Obj(s))));
        Path versionFile = Files.write(dir.resolve("version.json"), CanonicalJson.encode(version));
        Path keysResponse = Files.write(dir.resolve("room_keys.json"),
                CanonicalJson.encode(Json.obj("rooms", new Json.Obj(roomsJson))));
        Path identity = Files.write(dir.resolve("identity.json"), CanonicalJson.encode(store.queryOwnKeys()));
        Path backupKeyFile = dir.resolve("backup-key.txt");
        try (SecretStorageKey ss = SecretStorageKey.fromKeyFileText(Files.readString(Path.of(recoveryKeyFile)));
             BackupDecryptionKey key = Restore.keyFromSecretStorage(new Account(store,
                     UnlockedSecretStorage.unlock(store, ss), null, null, Map.of()))) {
            secrets.add(key.toRecoveryKey());
            Files.writeString(backupKeyFile, key.toRecoveryKey() + "\n");
        }
        Result audit = ok("audit", "--user", USER, "--version-file", versionFile.toString(), "--keys",
                keysResponse.toString(),
                "--identity", identity.toString(), "--key-file", backupKeyFile.toString(), "--trusted-master-key",
                        masterKey, "--json");
        Json.Obj report = (Json.Obj) JsonReader.parse(audit.out().strip().getBytes(StandardCharsets.UTF_8));
        assertEquals(Json.of(12), report.object("summary").get("total"));
        assertEquals(Json.of(12), report.object("summary").get("authenticated"));
        assertEquals(Json.of(true), report.object("backup").get("signing_key_usable"));
        Result untrusted = ok("audit", "--user", USER, "--version-file", versionFile.toString(), "--keys",
                keysResponse.toString(),
                "--identity", identity.toString(), "--key-file", backupKeyFile.toString(), "--json");
        Json.Obj noAnchors = (Json.Obj) JsonReader.parse(untrusted.out().strip().getBytes(StandardCharsets.UTF_8));
        assertEquals(Json.of(0), noAnchors.object("summary").get("authenticated"),
                "no trust anchor, nothing authenticated");
        assertEquals(Json.of(12), noAnchors.object("summary").get("unauthenticated"));

        // Migration: refused while a checkpoint exists, then done.
        Path checkpoint = dir.resolve("checkpoint.json");
        Files.writeString(checkpoint, "{}");
        Result refused = run(cmd("migrate", where, "--checkpoint", checkpoint.toString()));
        assertEquals(1, refused.exit());
        assertTrue(refused.err().startsWith("keybackup: error: a migration checkpoint exists"), refused.err());
        Files.delete(checkpoint);
        Result migrate = ok(cmd("migrate", where, "--checkpoint", checkpoint.toString(), "--delete-old", "--rotate"));
        assertTrue(migrate.out().contains("old version 1: 12 keys (0 undecryptable) -> new version 2: 12 keys migrated, 12 keys read back, "
                + "12 authenticated"), migrate.out());
        assertTrue(migrate.out().contains("verification: passed; old version deleted"), migrate.out());
        Result after = ok(cmd("status", where));
        assertTrue(after.out().contains("version: 2\n") && after.out().contains("keys: 12\n"), after.out());
        assertTrue(after.out().contains("migration: finished, from version 1 to version 2, phase finished, 12 keys "
                + "first read"), after.out());
        Result nothing = run(cmd("migrate", where, "--checkpoint", checkpoint.toString(), "--abandon"));
        assertEquals(1, nothing.exit());
        assertTrue(nothing.err().startsWith("keybackup: error: no migration to abandon"), nothing.err());
    }

    @Test
    void storeCommands_localStore_fullFlowSucceeds() throws Exception {
        Path store = dir.resolve("store");
        Path rk = dir.resolve("recovery-key.txt");
        Path dk = dir.resolve("device-key.txt");
        Result setup = ok("setup", "--user", USER, "--store", store.toString(), "--recovery-key-out", rk.toString(),
                "--device-id", "PHONE", "--device-key-out", dk.toString());
        secrets.add(Files.readString(rk).strip());
        secrets.add(Files.readString(dk).strip());
        String masterKey =
                setup.out().lines().filter(l -> l.startsWith("master key: ")).findFirst().orElseThrow().substring(12);
        Result twice = run("setup", "--user", USER, "--store", store.toString(), "--recovery-key-out",
                dir.resolve("rk2").toString(),
                "--device-id", "PHONE", "--device-key-out", dir.resolve("dk2").toString());
        assertEquals(1, twice.exit());

        List<String> where = List.of("--user", USER, "--store", store.toString(), "--recovery-key-file", rk.toString(),
                "--device-id", "PHONE", "--device-key-file", dk.toString(), "--threads", "2");
        flow(where, LocalStore.open(store, USER), rk.toString(), masterKey);
    }

    /** What must never appear in output: the token, the recovery key, the device key's seed. */
    private static List<String> secretsOf(WorkflowFixture f) {
        byte[] seed = f.deviceKey.exportSeed();
        try {
            return List.of(WorkflowFixture.TOKEN, f.ssKey.toRecoveryKey(), Base64Unpadded.encode(seed));
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    @Test
    void storeCommands_testHomeserver_fullFlowSucceeds() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir)) {
            secrets.addAll(secretsOf(f));
            List<String> where = new ArrayList<>(f.cliOptions(dir));
            where.addAll(List.of("--threads", "2"));

            flow(where, f.store, dir.resolve("recovery-key.txt").toString(), f.alice.master().publicKey().toBase64());

            assertEquals(List.of("2"), f.server.liveVersions(), "old version deleted by --delete-old");
        }
    }

    @Test
    void migrate_crashedElsewhere_refusedAndShownByStatusThenResumedFromAnotherDirectory() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir)) {
            String old = f.unsignedVersion(WorkflowFixture.sessions(2, 30, 5)); // 60 keys
            secrets.addAll(secretsOf(f));
            List<String> where = f.cliOptions(dir);
            // The first machine stops after its first key upload: every request from then on fails.
            f.server.afterRequest("PUT /_matrix/client/v3/room_keys/keys", 1,
                    () -> f.server.failRequests(1, Integer.MAX_VALUE, 500, false));
            Result crashed = run(cmd("migrate", where, "--checkpoint", dir.resolve("a.json").toString(),
                    "--delete-old"));
            assertEquals(1, crashed.exit());
            assertTrue(crashed.err().contains("run migrate --resume"), crashed.err() + crashed.out());
            f.server.failRequests(0, 0, 0, false);
            String partial = f.server.liveVersions().get(1);

            Result refused = run(cmd("migrate", where, "--checkpoint", dir.resolve("b.json").toString(),
                    "--delete-old"));
            assertEquals(1, refused.exit());
            assertEquals("keybackup: error: unfinished migration from version " + old + " to version " + partial
                    + "; run with --resume (or --abandon to forget it)\n", refused.err());
            Result status = ok(cmd("status", where));
            assertTrue(status.out().contains("migration: UNFINISHED (run migrate --resume), from version " + old
                    + " to version " + partial
                    + ", phase created, 60 keys first read"), status.out());
            assertEquals(List.of(old, partial), f.server.liveVersions());

            Result resumed = ok(cmd("migrate", where, "--checkpoint", dir.resolve("b.json").toString(), "--delete-old",
                    "--resume"));
            assertTrue(resumed.out().contains("verification: passed; old version deleted"), resumed.out());
            assertEquals(List.of(partial), f.server.liveVersions());
            assertEquals(60, f.storedKeys(partial).size());
        }
    }

    @Test
    void migrate_abandonedHalfway_abandonAndTheNextMigrationSayWhatIsLeftAndHowToGoOn() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir)) {
            String old = f.unsignedVersion(WorkflowFixture.sessions(2, 10, 5));
            secrets.addAll(secretsOf(f));
            List<String> where = f.cliOptions(dir);
            String checkpoint = dir.resolve("a.json").toString();
            // Stopped once the new version exists, before all keys were copied into it.
            f.server.afterRequest("POST /_matrix/client/v3/room_keys/version", 1,
                    () -> f.server.failRequests(1, Integer.MAX_VALUE, 500, false));
            assertEquals(1, run(cmd("migrate", where, "--checkpoint", checkpoint)).exit());
            f.server.failRequests(0, 0, 0, false);
            String half = f.server.liveVersions().get(1);
            int halfKeys = f.storedKeys(half).size();
            assertTrue(halfKeys < 20, "not filled: " + halfKeys);

            Result abandoned = ok(cmd("migrate", where, "--abandon", "--checkpoint", checkpoint));

            assertTrue(abandoned.out().contains("version " + half + ", which the abandoned migration created, is left")
                    && abandoned.out().contains("the current version")
                    && abandoned.out().contains("migrate --from " + old)
                    && abandoned.out().contains("restore --version " + half), abandoned.out());

            Result again = ok(cmd("migrate", where, "--from", old, "--checkpoint", checkpoint));

            assertTrue(again.out().contains("verification: passed"), again.out());
            assertTrue(again.err().contains("version " + half + ", current when this migration started, is left as it is")
                    && again.err().contains("restore --version " + half), again.err());
            assertEquals(3, f.server.liveVersions().size(), "nothing deleted");
            assertEquals(halfKeys, f.storedKeys(half).size());
        }
    }

    @Test
    void migrate_oldVersionChangesDuringEveryPass_resumeAsAdvisedCompletesOnceTheWritesStop() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir)) {
            String old = f.unsignedVersion(WorkflowFixture.sessions(2, 10, 5));
            secrets.addAll(secretsOf(f));
            List<String> where = f.cliOptions(dir);
            // A faulty server accepts a write to the old version after every key upload, until told to stop.
            List<ExportedSession> late = WorkflowFixture.sessions(1, 60, 96);
            List<Json.Obj> entries = new ArrayList<>();
            try (BackupDecryptionKey key = f.backupKey()) {
                for (ExportedSession s : late) {
                    entries.add(Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0),
                            "is_verified", Json.of(false), "session_data", keybackup.backup.MegolmBackupV1.encrypt(
                                    CanonicalJson.encode(s.data().json()), key.publicKey())));
                }
            }
            boolean[] stop = {false};
            int[] next = {0};
            Runnable[] write = new Runnable[1];
            write[0] = () -> {
                if (stop[0]) return;
                int i = next[0]++;
                f.server.insertKey(old, late.get(i).roomId(), late.get(i).sessionId(), entries.get(i));
                f.server.afterRequest("PUT /_matrix/client/v3/room_keys/keys", 1, write[0]);
            };
            f.server.afterRequest("PUT /_matrix/client/v3/room_keys/keys", 1, write[0]);
            String checkpoint = dir.resolve("a.json").toString();

            Result stopped = run(cmd("migrate", where, "--checkpoint", checkpoint, "--delete-old"));

            assertEquals(1, stopped.exit(), stopped.err());
            assertTrue(stopped.out().contains("verification: FAILED; old version kept"), stopped.out());
            assertTrue(stopped.err().contains("still changed during the last of 3 upload passes"), stopped.err());
            assertTrue(stopped.err().contains("run migrate --resume"), stopped.err());
            stop[0] = true;
            int written = next[0];

            Result resumed = ok(cmd("migrate", where, "--checkpoint", checkpoint, "--delete-old", "--resume"));

            assertTrue(resumed.out().contains("verification: passed; old version deleted"), resumed.out());
            String now = f.store.currentVersion().orElseThrow().string("version");
            assertEquals(List.of(now), f.server.liveVersions());
            assertEquals(20 + written, f.storedKeys(now).size());
            assertFalse(Files.exists(dir.resolve("a.json")) || Files.exists(dir.resolve("a.json.entries")));
        }
    }

    @Test
    void migrateRotate_serverRefusesTheNewVersion_newSigningKeyKeptAndResumeCompletes() throws Exception {
        String signingPut = "PUT /_matrix/client/v3/user/%40alice%3Aexample.org/account_data/m.key_backup.signing";
        String versionPost = "POST /_matrix/client/v3/room_keys/version";
        int toCreate;
        // Counted on another account: the requests from storing the new signing key to creating the version.
        try (WorkflowFixture c = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, Files.createDirectories(
                dir.resolve("count")))) {
            List<String> where = c.cliOptions(dir.resolve("count"));
            ok(cmd("enable", where));
            int before = c.server.requestCount();
            ok(cmd("migrate", where, "--rotate", "--checkpoint", dir.resolve("count").resolve("cp.json").toString()));
            List<String> r = c.server.requests().subList(before, c.server.requestCount());
            int put = -1;
            int post = -1;
            for (int i = 0; i < r.size(); i++) {
                if (put < 0 && r.get(i).startsWith(signingPut)) put = i;
                else if (put >= 0 && post < 0 && r.get(i).startsWith(versionPost)) post = i;
            }
            assertTrue(put >= 0 && post > put, r.toString());
            toCreate = post - put;
        }
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir)) {
            secrets.addAll(secretsOf(f));
            List<String> where = f.cliOptions(dir);
            ok(cmd("enable", where));
            Json.Obj oldKey = f.store.getAccountData("m.key_backup.signing").orElseThrow();
            String checkpoint = dir.resolve("r.json").toString();
            f.server.afterRequest(signingPut, 1, () -> f.server.failRequests(toCreate, 1, 400, false));

            Result refused = run(cmd("migrate", where, "--rotate", "--checkpoint", checkpoint));

            assertEquals(1, refused.exit());
            // A refusal cannot be checked (the server may have made the version and hide it): the new key stays.
            assertNotEquals(oldKey, f.store.getAccountData("m.key_backup.signing").orElseThrow(),
                    "the new signing key is kept in Secret Storage");
            assertTrue(refused.err().contains("could not create the new version")
                    && refused.err().contains("Secret Storage keeps its new signing key"), refused.err());
            // Refused outright: should the server refuse it every time, --abandon may stop here instead.
            assertTrue(refused.err().contains("migrate --abandon stops here"), refused.err());
            Result resumed = ok(cmd("migrate", where, "--resume", "--checkpoint", checkpoint));
            assertTrue(resumed.out().contains("verification: passed"), resumed.out());
            assertEquals(2, f.server.liveVersions().size());
            Result status = ok(cmd("status", where));
            assertFalse(status.out().contains("UNFINISHED"), status.out());
        }
    }

    @Test
    void storeCommands_homeserverRejectsToken_exit1WithoutToken() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir)) {
            String wrong = "syt_d3Jvbmc_wrongTokenValue_0815";
            secrets.add(wrong);
            Path token = Files.writeString(dir.resolve("token.txt"), wrong + "\n");

            Result r = run("status", "--homeserver", f.server.uri().toString(), "--user", USER, "--access-token-file",
                    token.toString());

            assertEquals(1, r.exit());
            assertTrue(r.err().startsWith("keybackup: error: ") && r.err().contains("M_UNKNOWN_TOKEN"), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void storeCommands_usageErrors_exit2() throws Exception {
        // a store must exist (only setup creates one): an empty one, a directory with versions/ in it
        Files.createDirectories(dir.resolve("s").resolve("versions"));
        Result noKeys = run("upload", "--user", USER, "--store", dir.resolve("s").toString(), "--source", "olm");
        assertEquals(2, noKeys.exit());
        assertTrue(noKeys.err().startsWith("keybackup: error: "), noKeys.err());
        Result badSource = run("upload", "--user", USER, "--store", dir.resolve("s").toString(), "--keys", "k",
                "--source", "backup-authenticated");
        assertEquals(2, badSource.exit());
        Result both = run("status", "--user", USER, "--store", dir.resolve("s").toString(), "--homeserver", "http://127.0.0.1:1");
        assertEquals(2, both.exit());
        Result noSecrets = run("enable", "--user", USER, "--store", dir.resolve("s").toString());
        assertEquals(2, noSecrets.exit(), noSecrets.err());
    }

    @Test
    void storeCommands_noBackupYet_statusSaysSoAndRestoreFails() throws Exception {
        Path store = dir.resolve("store");
        Path rk = dir.resolve("rk.txt");
        ok("setup", "--user", USER, "--store", store.toString(), "--recovery-key-out", rk.toString(), "--device-id",
                "PHONE",
                "--device-key-out", dir.resolve("dk.txt").toString());
        secrets.add(Files.readString(rk).strip());

        assertEquals("no key backup\n", ok("status", "--user", USER, "--store", store.toString()).out());
        Result restore = run("restore", "--user", USER, "--store", store.toString(), "--recovery-key-file",
                rk.toString(),
                "--out", dir.resolve("out.json").toString());
        assertEquals(1, restore.exit());
        assertEquals("keybackup: error: there is no key backup on this account\n", restore.err());
        assertFalse(Files.exists(dir.resolve("out.json")));
    }
}
