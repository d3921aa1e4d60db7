package keybackup.cli;

import static keybackup.workflow.WorkflowFixture.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import keybackup.backup.ExportedSession;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.BackupDecryptionKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorageKey;
import keybackup.workflow.Account;
import keybackup.workflow.Restore;
import keybackup.workflow.UnlockedSecretStorage;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, items 3 and 4, through {@link Main} on a local store: progress lines on stderr when it is not a
 * terminal (a fake clock that moves a second at every reading, so every report is due) and none with
 * {@code --quiet} (which silences migrate's steps too); {@code --json} of status, enable, upload, restore and migrate
 * with the fields README
 * documents; {@code audit --fail-on}.
 */
@Timeout(60)
class ScriptOutputTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;
    private Path store;
    private Path recoveryKey;
    private List<String> where;
    private final AtomicLong now = new AtomicLong();
    /** Every reading is a second later than the one before. */
    private final LongSupplier ticking = () -> now.addAndGet(SECOND);

    @BeforeEach
    void setUp() {
        store = dir.resolve("store");
        recoveryKey = dir.resolve("recovery-key.txt");
        Path dk = dir.resolve("device-key.txt");
        ok("setup", "--user", USER, "--store", store.toString(), "--recovery-key-out", recoveryKey.toString(),
                "--device-id", "PHONE", "--device-key-out", dk.toString());
        where = List.of("--user", USER, "--store", store.toString(), "--recovery-key-file", recoveryKey.toString(),
                "--device-id", "PHONE", "--device-key-file", dk.toString(), "--threads", "2");
    }

    private CliRun.Result run(String... args) {
        CliRun.Result r = CliRun.run(ticking, "", args);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        return r;
    }

    private CliRun.Result ok(String... args) {
        CliRun.Result r = run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\nstdout: " + r.outText() + "\nstderr: " + r.err());
        return r;
    }

    private String[] cmd(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(where);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    /** Stdout must be exactly one canonical JSON object and a newline. */
    private static Json.Obj json(CliRun.Result r) throws Exception {
        String text = r.outText();
        assertTrue(text.endsWith("\n") && text.indexOf('\n') == text.length() - 1, "one line: " + text);
        Json.Obj o = (Json.Obj) JsonReader.parse(text.strip().getBytes(StandardCharsets.UTF_8));
        assertEquals(text.strip(), new String(CanonicalJson.encode(o), StandardCharsets.UTF_8), "canonical bytes");
        return o;
    }

    private String keysFile(String name, int rooms, int perRoom, long seed) throws Exception {
        return WorkflowFixture.writeExport(dir.resolve(name), WorkflowFixture.sessions(rooms, perRoom,
                seed)).toString();
    }

    private static List<String> linesStarting(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void json_statusEnableUploadRestoreMigrate_documentedFields() throws Exception {
        assertEquals("{\"migration\":null,\"secret_storage\":\"unlocked\",\"user_id\":\"@alice:example.org\",\"version\":null}\n",
                ok(cmd("status", "--json")).outText());

        Json.Obj enable = json(ok(cmd("enable", "--json")));
        assertEquals("1", enable.string("version"));
        assertEquals(Json.arr(List.of(Json.of("master_key"), Json.of("this_device"))), enable.get("signed_by"));
        assertEquals(43, enable.string("backup_public_key").length());

        Json.Obj upload = json(ok(cmd("upload", "--keys", keysFile("keys.json", 2, 4, 5), "--source", "olm",
                "--json")));
        assertEquals(Json.obj("version", Json.of("1"), "entries", Json.of(8), "uploaded", Json.of(8), "requests",
                Json.of(1),
                "signed", Json.of(true), "source", Json.of("olm"), "lowered", Json.of(0), "server_count", Json.of(8),
                "unsigned_reason", Json.Null.INSTANCE), upload);

        Json.Obj status = json(ok(cmd("status", "--json")));
        assertEquals("1", status.string("version"));
        assertEquals(Json.of(8), status.get("count"));
        assertEquals("m.megolm_backup.v1.curve25519-aes-sha2", status.string("algorithm"));
        assertEquals("unlocked", status.string("secret_storage"));
        assertEquals("usable", status.object("backup").string("outcome"));
        assertEquals(enable.string("signing_public_key"), status.object("backup").string("signing_public_key"));

        Path restored = dir.resolve("restored.json");
        Json.Obj restore = json(ok(cmd("restore", "--out", restored.toString(), "--json")));
        assertEquals("1", restore.string("version"));
        assertEquals(restored.toString(), restore.string("out"));
        assertEquals(Json.of(false), restore.get("encrypted"));
        assertEquals(Json.Null.INSTANCE, restore.get("rounds"));
        assertEquals(Json.of(8), restore.get("written"));
        assertEquals(Json.of(true), restore.object("backup").get("signing_key_usable"));
        assertEquals(Json.obj("total", Json.of(8), "authenticated", Json.of(8), "signed_not_authenticated", Json.of(0),
                "unauthenticated", Json.of(0), "rejected", Json.of(0), "unsigned_in_signed_backup", Json.of(0)),
                        restore.get("summary"));
        assertTrue(Files.exists(restored));
        CliRun.Result toStdout = run(cmd("restore", "--out", "-", "--json"));
        assertEquals(2, toStdout.code(), "stdout carries the export");
        assertTrue(toStdout.err().startsWith("keybackup: error: --json needs --out FILE"), toStdout.err());

        Json.Obj migrate = json(ok(cmd("migrate", "--checkpoint", dir.resolve("cp.json").toString(), "--delete-old", "--rotate", "--json")));
        assertEquals(Json.obj("old_version", Json.of("1"), "new_version", Json.of("2"), "old_sessions", Json.of(8), "old_rejected", Json.of(0),
                "migrated", Json.of(8), "new_sessions", Json.of(8), "new_authenticated", Json.of(8), "verified", Json.of(true),
                "old_deleted", Json.of(true), "note", Json.Null.INSTANCE, "nothing_to_do", Json.of(false)), migrate);
        Json.Obj after = json(ok(cmd("status", "--json")));
        assertEquals("2", after.string("version"));
        Json.Obj migration = after.object("migration");
        assertEquals(Json.of(true), migration.get("finished"));
        assertEquals("1", migration.string("from_version"));
        assertEquals("2", migration.string("to_version"));
        assertEquals(Json.of(8), migration.get("migrated"));
        assertTrue(migration.get("finished_ts") instanceof Json.Int, migration.toString());
    }

    @Test
    void migrate_signedTrustedBackup_nothingToDo_dryRunSaysWhatRotationWouldDo_nothingWritten() throws Exception {
        ok(cmd("enable"));
        ok(cmd("upload", "--keys", keysFile("keys.json", 1, 3, 4), "--source", "olm", "--quiet"));
        String cp = dir.resolve("cp.json").toString();

        CliRun.Result nothing = ok(cmd("migrate", "--checkpoint", cp, "--delete-old"));
        assertTrue(nothing.outText().startsWith("nothing to do: version 1 is signed and trusted (via "), nothing.outText());
        assertTrue(nothing.outText().contains("migrate --rotate moves it to a new version with a new signing key"), nothing.outText());
        Json.Obj nothingJson = json(ok(cmd("migrate", "--checkpoint", cp, "--json")));
        assertEquals(Json.of(true), nothingJson.get("nothing_to_do"));
        assertEquals(Json.Null.INSTANCE, nothingJson.get("new_version"));
        assertEquals(Json.Null.INSTANCE, nothingJson.get("verified"));

        Json.Obj plan = json(ok(cmd("migrate", "--checkpoint", cp, "--dry-run", "--rotate", "--delete-old", "--json", "--quiet")));
        assertEquals(Json.of(true), plan.get("dry_run"));
        assertEquals("migrate", plan.string("action"));
        assertEquals("1", plan.string("old_version"));
        assertEquals(Json.of(3), plan.get("old_sessions"));
        assertEquals(Json.of(3), plan.get("upload_authenticated"));
        assertEquals(Json.of(0), plan.get("upload_not_authenticated"));
        assertEquals("new", plan.string("signing_key"));
        assertEquals(Json.of(true), plan.get("creates_version"));
        assertEquals(Json.arr(List.of(Json.of("master_key"), Json.of("this_device"))), plan.get("signed_by"));
        assertEquals(Json.of(true), plan.get("old_deleted"));
        assertEquals("usable", plan.object("old_backup").string("outcome"));

        CliRun.Result text = ok(cmd("migrate", "--checkpoint", cp, "--dry-run", "--quiet"));
        assertEquals("", text.err());
        assertTrue(text.outText().startsWith("dry run: nothing was written\nold version 1: 3 keys (0 undecryptable); "), text.outText());
        assertTrue(text.outText().contains("\nnothing to do: version 1 is signed and trusted"), text.outText());

        Json.Obj status = json(ok(cmd("status", "--json")));
        assertEquals("1", status.string("version"));
        assertEquals(Json.Null.INSTANCE, status.get("migration"), "nothing recorded");
        assertFalse(Files.exists(dir.resolve("cp.json")));
    }

    @Test
    void json_withoutTheFlag_humanOutputUnchanged() {
        assertEquals("no key backup\n", ok(cmd("status")).outText());
        assertTrue(ok(cmd("enable")).outText().startsWith("version: 1\nbackup public key: "));
    }

    @Test
    void progress_notATerminal_plainLinesOnStderr_noneWithQuiet() throws Exception {
        ok(cmd("enable"));
        String keys = keysFile("keys.json", 2, 4, 7);
        CliRun.Result upload = ok(cmd("upload", "--keys", keys, "--source", "olm"));
        // start, then one report after the one request: 8 keys in one (fake) second
        assertEquals(List.of("keybackup: upload: 8/8 keys (100%), 8.0 keys/s, 0:00 left"),
                linesStarting(upload.err(), "keybackup: upload:"));
        assertTrue(upload.outText().startsWith("uploaded 8 sessions to version 1"),
                "the summary stays: " + upload.outText());

        CliRun.Result restore = ok(cmd("restore", "--out", dir.resolve("r1.json").toString()));
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 8; i++) expected.add("keybackup: restore: " + i + "/8 keys (" + (i * 100 / 8)
                + "%), 1.0 keys/s, 0:0" + (8 - i) + " left");
        assertEquals(expected, linesStarting(restore.err(), "keybackup: restore:"));
        assertTrue(restore.outText().contains("restored 8 of 8 keys"), restore.outText());

        CliRun.Result audit = ok(cmd("audit"));
        assertEquals(8, linesStarting(audit.err(), "keybackup: audit: ").size(), audit.err());
        assertEquals("keybackup: audit: 8/8 keys (100%), 1.0 keys/s, 0:00 left",
                linesStarting(audit.err(), "keybackup: audit: ").get(7));

        CliRun.Result quietUpload = ok(cmd("upload", "--keys", keys, "--source", "olm", "--quiet"));
        CliRun.Result quietRestore = ok(cmd("restore", "--out", dir.resolve("r2.json").toString(), "--quiet"));
        CliRun.Result quietAudit = ok(cmd("audit", "--quiet"));
        CliRun.Result quietMigrate = ok(cmd("migrate", "--checkpoint", dir.resolve("cp.json").toString(), "--rotate", "--quiet"));
        for (CliRun.Result r : List.of(quietUpload, quietRestore, quietAudit, quietMigrate)) assertEquals("", r.err());
        assertTrue(quietMigrate.outText().contains("verification: passed"), quietMigrate.outText());
        assertTrue(quietRestore.outText().contains("restored 8 of 8 keys"), quietRestore.outText());
    }

    @Test
    void progress_migrate_eachReadOfAVersionReported() throws Exception {
        ok(cmd("enable"));
        ok(cmd("upload", "--keys", keysFile("keys.json", 2, 3, 9), "--source", "olm", "--quiet"));
        CliRun.Result migrate = ok(cmd("migrate", "--checkpoint", dir.resolve("cp.json").toString(), "--rotate"));
        for (String pass : List.of("reading version 1", "copying version 1 to 2", "checking version 2")) {
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                expected.add("keybackup: migrate: " + pass + ": " + i + "/6 keys (" + (i * 100 / 6)
                        + "%), 1.0 keys/s, 0:0" + (6 - i) + " left");
            }
            assertEquals(expected, linesStarting(migrate.err(), "keybackup: migrate: " + pass + ": "), migrate.err());
        }
        assertTrue(migrate.outText().contains("verification: passed"), migrate.outText());
    }

    @Test
    void auditFailOn_verdictOrWorse_exit1AfterTheFullOutput() throws Exception {
        ok(cmd("enable"));
        ok(cmd("upload", "--keys", keysFile("olm.json", 1, 3, 11), "--source", "olm"));
        // signed_not_authenticated
        ok(cmd("upload", "--keys", keysFile("export.json", 1, 2, 12), "--source", "export"));
        List<String> table = sorted(ok(cmd("audit", "--quiet")));

        assertEquals(table, sorted(ok(cmd("audit", "--quiet", "--fail-on", "unauthenticated"))),
                "signed_not_authenticated is better");
        ok(cmd("audit", "--quiet", "--fail-on", "rejected"));
        CliRun.Result strict = run(cmd("audit", "--quiet", "--fail-on", "signed_not_authenticated"));
        assertEquals(1, strict.code());
        assertEquals(table, sorted(strict), "the table is printed in full first");
        assertEquals("keybackup: error: 2 keys are signed_not_authenticated, unauthenticated or rejected (--fail-on signed_not_authenticated)\n", strict.err());
        CliRun.Result strictJson = run(cmd("audit", "--quiet", "--json", "--fail-on", "signed_not_authenticated"));
        assertEquals(1, strictJson.code());
        assertEquals(Json.of(5), json(strictJson).object("summary").get("total"));

        // Without trust anchors every key is unauthenticated (backup_not_trusted).
        Path backupKey = dir.resolve("backup-key.txt");
        LocalStore local = LocalStore.open(store, USER);
        try (SecretStorageKey ss = SecretStorageKey.fromKeyFileText(Files.readString(recoveryKey));
             BackupDecryptionKey key = Restore.keyFromSecretStorage(new Account(local,
                     UnlockedSecretStorage.unlock(local, ss), null, null, Map.of()))) {
            Files.writeString(backupKey, key.toRecoveryKey() + "\n");
        }
        List<String> untrusted = List.of("audit", "--user", USER, "--store", store.toString(), "--key-file",
                backupKey.toString(), "--quiet");
        CliRun.Result unauth = run(with(untrusted, "--fail-on", "unauthenticated"));
        assertEquals(1, unauth.code(), unauth.err());
        assertEquals("keybackup: error: 5 keys are unauthenticated or rejected (--fail-on unauthenticated)\n",
                unauth.err());
        assertEquals(0, run(with(untrusted, "--fail-on", "rejected")).code());

        // One entry stored under another session's id: rejected (session_id_mismatch), worse than unauthenticated.
        String[] moved = new String[3];
        local.streamKeys("1", (room, session, data) -> {
            moved[0] = room;
            moved[1] = session;
        });
        Json.Obj data = local.getSessionKey("1", moved[0], moved[1]).orElseThrow();
        local.putSessionKey("1", moved[0], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", data);
        CliRun.Result rejected = run(cmd("audit", "--quiet", "--fail-on", "rejected"));
        assertEquals(1, rejected.code());
        assertEquals("keybackup: error: 1 key is rejected (--fail-on rejected)\n", rejected.err());
        CliRun.Result worse = run(cmd("audit", "--quiet", "--fail-on", "unauthenticated"));
        assertEquals(1, worse.code());
        assertEquals("keybackup: error: 1 key is unauthenticated or rejected (--fail-on unauthenticated)\n",
                worse.err());
    }

    @Test
    void auditFailOn_unknownWord_usageError() {
        for (String word : List.of("authenticated", "Rejected", "bogus")) {
            CliRun.Result r = run(cmd("audit", "--fail-on", word));
            assertEquals(2, r.code(), word);
            assertTrue(r.err().startsWith("keybackup: error: --fail-on must be one of signed_not_authenticated, unauthenticated, rejected\n"), r.err());
        }
    }

    /** The lines of stdout, sorted (rows come in the order the worker threads finish). */
    private static List<String> sorted(CliRun.Result r) {
        return r.outText().lines().sorted().toList();
    }

    private static String[] with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
