package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.Backend.HOMESERVER;
import static keybackup.workflow.WorkflowFixture.Backend.LOCAL;
import static keybackup.workflow.WorkflowFixture.SMALL_BATCHES;
import static keybackup.workflow.WorkflowFixture.countOf;
import static keybackup.workflow.WorkflowFixture.expectedKeys;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.homeserver.TestHomeserver.KeyPutFault;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.trust.KeySource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Migration (protocol.md §11.4) under faults. Every test counts the keys before and after and compares their
 * contents: both versions are decrypted with the backup key and the session_key of every (room, session)
 * must be equal — nothing lost, nothing duplicated.
 */
@Timeout(60)
class MigrateTest {
    private static final String KEYS_PUT = "PUT /_matrix/client/v3/room_keys/keys";

    @TempDir
    Path dir;
    private final List<String> log = new ArrayList<>();
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    private Migrate.Options options(boolean resume, boolean deleteOld) {
        return new Migrate.Options(null, dir.resolve("checkpoint.json"), resume ? Migrate.Start.RESUME : Migrate.Start.NEW,
                deleteOld ? Migrate.OldVersion.DELETE_AFTER_CHECK : Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD, 2,
                FieldNames.UNSTABLE, SMALL_BATCHES);
    }

    private Migrate.Options rotating() {
        return new Migrate.Options(null, dir.resolve("checkpoint.json"), Migrate.Start.NEW, Migrate.OldVersion.KEEP, Migrate.SigningKey.NEW,
                2, FieldNames.UNSTABLE, SMALL_BATCHES);
    }

    private Migrate.Result migrate(boolean resume, boolean deleteOld) throws Exception {
        return Migrate.run(f.account(), options(resume, deleteOld), log::add);
    }

    /**
     * An old unsigned version with {@code rooms × perRoom} sessions; returns what it holds. The fault tests
     * use 200 sessions in 4 rooms: 40 batches of 5 per upload pass (the crypto, not the network, bounds the size).
     */
    private Map<String, String> oldBackup(WorkflowFixture.Backend backend, String[] oldVersion, int rooms, int perRoom) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        List<ExportedSession> s = sessions(rooms, perRoom, 1);
        oldVersion[0] = f.unsignedVersion(s);
        Map<String, String> expected = expectedKeys(s);
        assertEquals(rooms * perRoom, expected.size());
        assertEquals(expected, f.storedKeys(oldVersion[0]));
        return expected;
    }

    private void assertMigrated(Map<String, String> expected, String oldVersion, Migrate.Result r) throws Exception {
        int n = expected.size();
        assertTrue(r.verified(), r.note());
        assertEquals(n, r.oldSessions());
        assertEquals(n, r.migrated());
        assertEquals(n, r.newSessions());
        assertEquals(expected, f.storedKeys(r.newVersion()), "new version content");
        assertEquals(n, f.count(r.newVersion()));
        assertEquals(expected, f.storedKeys(oldVersion), "old version content");
        assertFalse(Files.exists(dir.resolve("checkpoint.json")), "checkpoint removed after success");
    }

    @ParameterizedTest
    @EnumSource(KeyPutFault.class)
    void run_keyPutFaultEveryThirdRequest_migratesEveryKeyExactlyOnce(KeyPutFault fault) throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 4, 50);
        f.server.faultEveryKeyPut(3, fault);
        int putsBefore = f.server.keyPuts();

        Migrate.Result r = migrate(false, false);

        assertMigrated(expected, old[0], r);
        assertEquals(List.of(old[0], r.newVersion()), f.server.liveVersions(), "exactly one new version");
        assertTrue(f.server.keyPuts() - putsBefore >= 40, "small batches: many requests");
    }

    @Test
    void run_otherClientCreatesVersionDuringUpload_stopsWithClearErrorAndOldVersionUntouched() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 4, 50);
        f.server.newVersionAfterKeyPuts(f.server.keyPuts() + 10);

        Exception e = assertThrows(Exception.class, () -> migrate(false, true));

        assertTrue(e.getMessage().contains("another client made version") && e.getMessage().contains("untouched"), e.getMessage());
        assertTrue(e.getCause() instanceof keybackup.homeserver.MatrixException m && m.errcode().equals("M_WRONG_ROOM_KEYS_VERSION"));
        List<String> live = f.server.liveVersions();
        assertEquals(3, live.size(), "old, ours, the other client's: " + live);
        assertEquals(old[0], live.get(0), "old version not deleted");
        assertEquals(expected, f.storedKeys(old[0]));
        assertEquals(200, f.count(old[0]));
        assertEquals(50, f.count(live.get(1)), "ours stopped after 10 batches");
        assertTrue(Files.exists(dir.resolve("checkpoint.json")), "checkpoint kept");
    }

    @Test
    void resume_afterCrashAfterBatchK_completesIntoSameNewVersion() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 4, 50);
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 7);

        WorkflowException crash = assertThrows(WorkflowException.class, () -> migrate(false, false));
        assertTrue(crash.getMessage().contains("giving up") && crash.getMessage().contains("run migrate --resume"), crash.getMessage());
        List<String> afterCrash = f.server.liveVersions();
        assertEquals(2, afterCrash.size());
        String newVersion = afterCrash.get(1);
        assertEquals(35, f.count(newVersion), "7 batches of 5 arrived before the crash");
        assertTrue(Files.exists(dir.resolve("checkpoint.json")));
        assertThrows(WorkflowException.class, () -> migrate(false, false), "a fresh run must not start a second migration");

        f.server.crashAfterKeyPuts(-1);
        Migrate.Result r = migrate(true, false);

        assertEquals(newVersion, r.newVersion(), "resumed into the same version");
        assertEquals(afterCrash, f.server.liveVersions(), "no version created twice");
        assertMigrated(expected, old[0], r);
    }

    @Test
    void run_serverFailsWhileCreatingTheVersion_checkpointKeptAndResumeCompletes() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 5);
        // Once the new signing key is stored, every request answers 500 until the client gives up.
        f.server.afterRequest("PUT /_matrix/client/v3/user/", 1, () -> f.server.failNext500(1000));

        WorkflowException e = assertThrows(WorkflowException.class, () -> migrate(false, false));
        assertTrue(e.getMessage().contains("could not create the new version") && e.getMessage().contains("--resume"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("checkpoint.json")), "kept: the version may exist, the signing key is only in Secret Storage");
        assertEquals(List.of(old[0]), f.server.liveVersions());

        f.server.failNext500(0);
        Migrate.Result r = migrate(true, false);
        assertEquals(2, f.server.liveVersions().size());
        assertMigrated(expected, old[0], r);
    }

    @Test
    void resume_withoutCheckpoint_isRefused() throws Exception {
        oldBackup(LOCAL, new String[1], 1, 2);
        WorkflowException e = assertThrows(WorkflowException.class, () -> migrate(true, false));
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
    }

    @Test
    void run_checkpointExistsWithoutResume_isRefusedAndNothingCreated() throws Exception {
        String[] old = new String[1];
        oldBackup(LOCAL, old, 1, 2);
        Files.writeString(dir.resolve("checkpoint.json"), "{}");

        WorkflowException e = assertThrows(WorkflowException.class, () -> migrate(false, true));

        assertTrue(e.getMessage().contains("checkpoint exists"), e.getMessage());
        assertEquals(old[0], f.store.currentVersion().orElseThrow().string("version"));
        assertEquals(2, f.count(old[0]));
    }

    @Test
    void run_deleteOld_deletesOldVersionAfterVerification() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(LOCAL, old, 3, 10);

        Migrate.Result r = migrate(false, true);

        assertTrue(r.verified());
        assertTrue(r.oldDeleted());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        MatrixException gone = assertThrows(MatrixException.class, () -> f.store.version(old[0]));
        assertEquals(404, gone.status());
    }

    /** Whether a private key was closed: signing with it then fails. */
    private static boolean isClosed(Ed25519PrivateKey k) {
        try {
            k.sign(new byte[] {1});
            return false;
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("after close"), e.getMessage());
            return true;
        }
    }

    /**
     * Runs a migration (resumed or not, deleting the old version) and returns where the signing key it copied
     * with was still open: when the read-back of the new version began, or when the old version was deleted.
     */
    private List<String> whereTheSigningKeyWasOpen(boolean resume, List<Ed25519PrivateKey> opened,
            Migrate.Result[] result) throws Exception {
        List<String> open = new ArrayList<>();
        f.server.afterRequest("DELETE /_matrix/client/v3/room_keys/version/", 1, () -> {
            for (Ed25519PrivateKey k : opened) if (!isClosed(k)) open.add("deletion of the old version");
        });
        Migrate.Progress progress = (what, total) -> {
            if (what.startsWith("checking version")) {
                for (Ed25519PrivateKey k : opened) if (!isClosed(k)) open.add("read-back: " + what);
            }
            return null;
        };
        result[0] = Migrate.run(f.account(), options(resume, true), log::add, progress, opened::add);
        return open;
    }

    /** The private signing key is closed once the copy signed its last key: the read-back needs the public key only. */
    @Test
    void run_signingKeyClosedBeforeTheReadBackAndTheDeletion() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        List<Ed25519PrivateKey> opened = new ArrayList<>();
        Migrate.Result[] r = new Migrate.Result[1];

        List<String> open = whereTheSigningKeyWasOpen(false, opened, r);

        assertEquals(List.of(), open);
        assertEquals(1, opened.size(), "one signing key taken for the copy");
        assertTrue(isClosed(opened.get(0)));
        assertTrue(r[0].verified(), r[0].note());
        assertTrue(r[0].oldDeleted());
        assertEquals(expected, f.storedKeys(r[0].newVersion()));
    }

    @Test
    void resume_signingKeyClosedBeforeTheReadBackAndTheDeletion() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        List<Ed25519PrivateKey> crashed = new ArrayList<>();
        assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), options(false, true), log::add,
                (what, total) -> null, crashed::add));
        assertEquals(1, crashed.size());
        assertTrue(isClosed(crashed.get(0)), "closed when the copy failed too");
        f.server.crashAfterKeyPuts(-1);
        List<Ed25519PrivateKey> opened = new ArrayList<>();
        Migrate.Result[] r = new Migrate.Result[1];

        List<String> open = whereTheSigningKeyWasOpen(true, opened, r);

        assertEquals(List.of(), open);
        assertEquals(1, opened.size());
        assertTrue(r[0].verified(), r[0].note());
        assertTrue(r[0].oldDeleted());
        assertEquals(expected, f.storedKeys(r[0].newVersion()));
    }

    /**
     * The entries file beside {@code checkpoint} as a pass found it: its inode and modification time, and whether
     * the checkpoint's record binds its digest. Null when there is no entries file.
     */
    private record EntriesFile(Object inode, java.nio.file.attribute.FileTime modified, boolean bound) {}

    private static EntriesFile entriesFile(Path checkpoint) {
        Path p = Checkpoint.entriesFile(checkpoint);
        if (!Files.exists(p)) return null;
        try {
            var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
            assertTrue(a.fileKey() != null, "this file system names files by inode");
            OldEntries e = OldEntries.fromBytes(Files.readAllBytes(p));
            boolean bound = e != null && e.digest().equals(Checkpoint.load(checkpoint).oldDigest());
            return new EntriesFile(a.fileKey(), a.lastModifiedTime(), bound);
        } catch (java.io.IOException | WorkflowException e) {
            throw new AssertionError(e);
        }
    }

    /** Progress that notes the entries file beside {@code checkpoint} as each copy and each read-back begins. */
    private static Migrate.Progress watchEntries(Path checkpoint, List<EntriesFile> copying,
            List<EntriesFile> checking) {
        return (what, total) -> {
            if (what.startsWith("copying")) copying.add(entriesFile(checkpoint));
            if (what.startsWith("checking")) checking.add(entriesFile(checkpoint));
            return null;
        };
    }

    /** A copy pass that found nothing new leaves the entries file as it was: no rewrite of about 25 MB a million keys. */
    @Test
    void run_copyPassFindsNothingNew_entriesFileNotRewritten() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        Path checkpoint = dir.resolve("checkpoint.json");
        List<EntriesFile> copying = new ArrayList<>();
        List<EntriesFile> checking = new ArrayList<>();

        Migrate.Result r = Migrate.run(f.account(), options(false, false), log::add,
                watchEntries(checkpoint, copying, checking), k -> { });

        assertMigrated(expected, old[0], r);
        assertEquals(1, copying.size(), "one copy pass");
        assertEquals(1, checking.size());
        assertTrue(copying.get(0).bound() && checking.get(0).bound(), "the record binds the file on disk");
        assertEquals(copying.get(0), checking.get(0), "the same file, not written again");
    }

    @Test
    void resume_copyPassFindsNothingNew_entriesFileNotRewritten() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        Path checkpoint = dir.resolve("checkpoint.json");
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        assertThrows(WorkflowException.class, () -> migrate(false, false));
        f.server.crashAfterKeyPuts(-1);
        EntriesFile before = entriesFile(checkpoint);
        assertTrue(before != null && before.bound());
        List<EntriesFile> copying = new ArrayList<>();
        List<EntriesFile> checking = new ArrayList<>();

        Migrate.Result r = Migrate.run(f.account(), options(true, false), log::add,
                watchEntries(checkpoint, copying, checking), k -> { });

        assertMigrated(expected, old[0], r);
        assertEquals(List.of(before), copying);
        assertEquals(List.of(before), checking, "the resumed copy found nothing new: the file is as it was");
    }

    /** A key the copy found in the old version grows the entries: the file is written, and the record binds it. */
    @Test
    void run_copyPassFindsANewKey_entriesFileRewrittenAndBound() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        ExportedSession late = sessions(1, 1, 99).get(0);
        Json.Obj lateEntry = encryptedByOtherClient(late);
        f.server.afterRequest(KEYS_PUT, 1, () -> f.server.insertKey(old[0], late.roomId(), late.sessionId(), lateEntry));
        Path checkpoint = dir.resolve("checkpoint.json");
        List<EntriesFile> copying = new ArrayList<>();
        List<EntriesFile> checking = new ArrayList<>();

        Migrate.Result r = Migrate.run(f.account(), options(false, false), log::add,
                watchEntries(checkpoint, copying, checking), k -> { });

        assertTrue(r.verified(), r.note());
        expected.put(late.roomId() + "|" + late.sessionId(), late.data().sessionKey());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(2, copying.size(), "the old version changed during the first pass");
        assertTrue(checking.get(0).bound(), "the record binds the grown file on disk");
        assertNotEquals(copying.get(0).inode(), checking.get(0).inode(), "the grown entries were written");
    }

    /** Resumed elsewhere, where no entries file is: the run's read, bound by the record's digest, is written there. */
    @Test
    void resume_elsewhereCopyPassFindsNothingNew_entriesFileWrittenThere() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        Path checkpoint = Files.createDirectories(dir.resolve("elsewhere")).resolve("checkpoint.json");
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        assertThrows(WorkflowException.class, () -> migrate(false, false));
        f.server.crashAfterKeyPuts(-1);
        List<EntriesFile> copying = new ArrayList<>();
        List<EntriesFile> checking = new ArrayList<>();

        Migrate.Result r = Migrate.run(f.account(), new Migrate.Options(null, checkpoint, Migrate.Start.RESUME,
                Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD, 2, FieldNames.UNSTABLE, SMALL_BATCHES),
                log::add, watchEntries(checkpoint, copying, checking), k -> { });

        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(java.util.Collections.singletonList(null), copying, "nothing there before the copy");
        assertTrue(checking.get(0) != null && checking.get(0).bound(), "the record binds the file written there");
    }

    @Test
    void run_deleteOldWithUndecryptableOldEntry_keepsOldVersion() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(LOCAL, old, 3, 10);
        Json.Obj garbage = Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(false),
                "session_data", Json.obj("ephemeral", Json.of("AAAA"), "ciphertext", Json.of("AAAA"), "mac", Json.of("AAAA")));
        f.putSessionKey(old[0], "!room0:example.org", "undecryptable", garbage);

        Migrate.Result r = migrate(false, true);

        assertTrue(r.verified());
        assertEquals(31, r.oldSessions());
        assertEquals(1, r.oldRejected());
        assertEquals(30, r.migrated());
        assertFalse(r.oldDeleted());
        assertTrue(r.note().contains("undecryptable"), r.note());
        assertEquals(31, f.count(old[0]), "old version kept whole");
        assertEquals(expected, f.storedKeys(r.newVersion()));
    }

    @Test
    void run_deleteOldButNewVersionFailsReadBack_keepsOldVersionAndCheckpoint() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 3, 10);
        // a corrupt entry appears in the new version while we upload: the read-back must catch it
        f.server.afterRequest(KEYS_PUT, 2, () -> f.server.insertKey(f.server.liveVersions().get(1), "!room0:example.org", "corrupt",
                Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(false),
                        "session_data", Json.obj("ephemeral", Json.of("x"), "ciphertext", Json.of("x"), "mac", Json.of("x")))));

        Migrate.Result r = migrate(false, true);

        assertFalse(r.verified());
        assertFalse(r.oldDeleted());
        assertTrue(r.note().startsWith("verification failed, old version kept"), r.note());
        assertEquals(expected, f.storedKeys(old[0]));
        assertTrue(Files.exists(dir.resolve("checkpoint.json")));
    }

    @Test
    void run_unsignedOldVersion_newEntriesSignedNotAuthenticated() throws Exception {
        String[] old = new String[1];
        oldBackup(LOCAL, old, 3, 10);
        Map<String, String> before = f.verdicts(old[0]);
        assertEquals(30, countOf(before, "unauthenticated no_signing_key"));

        Migrate.Result r = migrate(false, false);

        Map<String, String> after = f.verdicts(r.newVersion());
        assertEquals(before.keySet(), after.keySet());
        assertEquals(30, countOf(after, "signed_not_authenticated flag_false"));
        assertEquals(0, r.newAuthenticated());
    }

    @Test
    void run_signedOldVersion_keepsAuthenticatedVerdicts() throws Exception {
        f = WorkflowFixture.open(LOCAL, dir);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        List<ExportedSession> olm = sessions(2, 10, 2);
        List<ExportedSession> exported = sessions(1, 5, 3);
        Upload.run(f.account(), olm, Upload.Options.of(KeySource.OLM).with(SMALL_BATCHES));
        Upload.run(f.account(), exported, Upload.Options.of(KeySource.EXPORT).with(SMALL_BATCHES));
        Map<String, String> before = f.verdicts(enabled.version());
        assertEquals(20, countOf(before, "authenticated"));
        assertEquals(5, countOf(before, "signed_not_authenticated flag_false"));

        Migrate.Result r = Migrate.run(f.account(), rotating(), log::add); // signed and trusted: only a rotation moves it

        assertNotEquals(enabled.version(), r.newVersion());
        assertNotEquals(enabled.signingKey(), f.secrets.backupSigningKey().orElseThrow().publicKey(), "a new signing key");
        assertEquals(before, f.verdicts(r.newVersion()), "every verdict carried over");
        assertEquals(20, r.newAuthenticated());
        Map<String, String> all = new TreeMap<>(expectedKeys(olm));
        all.putAll(expectedKeys(exported));
        assertEquals(all, f.storedKeys(r.newVersion()));
    }

    @Test
    void run_keyUploadedToOldVersionBeforeNewVersionExists_isMigrated() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 3, 10);
        ExportedSession late = sessions(1, 1, 99).get(0);
        Json.Obj lateEntry = encryptedByOtherClient(late); // made now: the hook runs inside the server and must not call it
        // Another client uploads while we store the new signing key: after our read-everything pass, before our
        // version exists (the only time the server still accepts writes to the old version).
        f.server.afterRequest("PUT /_matrix/client/v3/user/%40alice%3Aexample.org/account_data/m.key_backup.signing", 1,
                () -> f.server.insertKey(old[0], late.roomId(), late.sessionId(), lateEntry));

        Migrate.Result r = migrate(false, false);

        expected.put(late.roomId() + "|" + late.sessionId(), late.data().sessionKey());
        assertEquals(31, r.migrated());
        assertEquals(expected, f.storedKeys(r.newVersion()));
    }

    @Test
    void run_keyOfTheFirstReadReplacedByAnotherCopyBeforeTheNewVersionExists_oldKeptAndTheAdviceCompletes()
            throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 3, 10);
        ExportedSession first = sessions(3, 10, 1).get(0);
        // Another copy of the same session (same ratchet and session key, another first index), as another client
        // writes it to the old version after our first read, before our version exists.
        byte[] export = keybackup.keys.Base64Unpadded.decode("session_key", first.data().sessionKey(),
                keybackup.backup.SessionExport.LENGTH);
        String otherKey = keybackup.backup.SessionExport.encode(5, java.util.Arrays.copyOfRange(export, 5, 133),
                java.util.Arrays.copyOfRange(export, 133, keybackup.backup.SessionExport.LENGTH));
        ExportedSession other = new ExportedSession(first.roomId(), first.sessionId(),
                keybackup.backup.SessionData.from(first.data().json().with("session_key", Json.of(otherKey))));
        Json.Obj otherEntry = encryptedByOtherClient(other);
        f.server.afterRequest("PUT /_matrix/client/v3/user/%40alice%3Aexample.org/account_data/m.key_backup.signing", 1,
                () -> f.server.insertKey(old[0], other.roomId(), other.sessionId(), otherEntry));

        Migrate.Result r = migrate(false, true);

        assertFalse(r.verified());
        assertFalse(r.oldDeleted());
        expected.put(other.roomId() + "|" + other.sessionId(), otherKey);
        assertEquals(expected, f.storedKeys(old[0]), "old version kept");
        // Resuming cannot help: the migration is bound to the first read's copy, which no version holds any more.
        assertTrue(r.note().contains("run migrate --abandon, then migrate --from " + old[0]), r.note());
        assertFalse(r.note().contains("--resume"), r.note());
        Migrate.abandon(f.account(), dir.resolve("checkpoint.json"));
        Migrate.Result again = Migrate.run(f.account(), new Migrate.Options(old[0], dir.resolve("checkpoint.json"),
                Migrate.Start.NEW, Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD, 2,
                FieldNames.UNSTABLE, SMALL_BATCHES), log::add);
        assertTrue(again.verified(), again.note());
        assertTrue(again.oldDeleted());
        assertEquals(expected, f.storedKeys(again.newVersion()));
    }

    @Test
    void run_keyAppearsInOldVersionDuringUpload_secondPassMigratesIt() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 3, 10);
        ExportedSession late = sessions(1, 1, 98).get(0);
        // The server accepts a late write to the old version (the spec says it must not; a faulty server might).
        Json.Obj lateEntry = encryptedByOtherClient(late);
        f.server.afterRequest(KEYS_PUT, 3, () -> f.server.insertKey(old[0], late.roomId(), late.sessionId(), lateEntry));

        Migrate.Result r = migrate(false, false);

        expected.put(late.roomId() + "|" + late.sessionId(), late.data().sessionKey());
        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertTrue(log.stream().anyMatch(l -> l.contains("(pass 2)")), log.toString());
    }

    @Test
    void run_laterReadHidesTheUndecryptableEntryOfTheFirstRead_oldVersionKept() throws Exception {
        String[] old = new String[1];
        oldBackup(HOMESERVER, old, 3, 10);
        Json.Obj garbage = Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(false),
                "session_data", Json.obj("ephemeral", Json.of("AAAA"), "ciphertext", Json.of("AAAA"), "mac", Json.of("AAAA")));
        f.putSessionKey(old[0], "!zzz:example.org", "undecryptable", garbage); // listed last
        // The first read sees 31 entries, one undecryptable; every later read lists only the 30 readable ones.
        f.server.truncateKeyReads(old[0], 1, 30);

        Migrate.Result r = migrate(false, true);

        assertFalse(r.oldDeleted(), "the first read held an entry that could not be migrated");
        assertEquals(List.of(old[0], r.newVersion()), f.server.liveVersions());
        f.server.truncateKeyReads(null, 0, 0);
        assertEquals(31, f.count(old[0]), "old version kept whole");
    }

    @Test
    void run_laterReadOfOldVersionHasFewerKeys_oldVersionKeptWithClearMessage() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 4, 50);
        // The first read gets all 200 keys; every later read of the old version lists only the first 150.
        f.server.truncateKeyReads(old[0], 1, 150);

        Migrate.Result r = migrate(false, true);

        assertFalse(r.verified(), "the new version holds only 150 of the 200 keys first read");
        assertFalse(r.oldDeleted());
        assertTrue(r.note().contains("returned only 150 of the 200 entries of its first read"), r.note());
        assertEquals(List.of(old[0], r.newVersion()), f.server.liveVersions());
        f.server.truncateKeyReads(null, 0, 0);
        assertEquals(expected, f.storedKeys(old[0]), "old version intact");
        assertTrue(Files.exists(dir.resolve("checkpoint.json")), "kept for a later --resume");
    }

    @Test
    void run_reuploadPassReadsFewerKeys_oldVersionKept() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 3, 10);
        ExportedSession late = sessions(1, 1, 97).get(0);
        Json.Obj lateEntry = encryptedByOtherClient(late);
        // A late write moves the old version's etag during pass 1, so a pass 2 follows; its read lists 20 keys.
        f.server.afterRequest(KEYS_PUT, 3, () -> f.server.insertKey(old[0], late.roomId(), late.sessionId(), lateEntry));
        f.server.truncateKeyReads(old[0], 2, 20);

        Migrate.Result r = migrate(false, true);

        assertTrue(log.stream().anyMatch(l -> l.contains("(pass 2)")), log.toString());
        assertFalse(r.verified());
        assertFalse(r.oldDeleted());
        assertTrue(r.note().contains("in pass 2 returned only"), r.note());
        assertEquals(2, f.server.liveVersions().size());
        f.server.truncateKeyReads(null, 0, 0);
        expected.put(late.roomId() + "|" + late.sessionId(), late.data().sessionKey());
        assertEquals(expected, f.storedKeys(old[0]));
    }

    private Migrate.Options elsewhere(boolean resume) {
        return new Migrate.Options(null, dir.resolve("elsewhere").resolve("checkpoint.json"), resume ? Migrate.Start.RESUME : Migrate.Start.NEW,
                Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD, 2, FieldNames.UNSTABLE, SMALL_BATCHES);
    }

    /** 40 keys in batches of 5: a crash after every one of the 8 batches. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void resume_fromAnotherDirectoryAfterCrashAfterBatchK_refusesANewMigrationThenCompletes(int k) throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 20);
        Files.createDirectories(dir.resolve("elsewhere"));
        // A crash right after batch k: from then on no request reaches the server.
        f.server.afterRequest(KEYS_PUT, k, () -> f.server.failRequests(1, Integer.MAX_VALUE, 500, false));
        WorkflowException crash = assertThrows(WorkflowException.class, () -> migrate(false, true));
        assertTrue(crash.getMessage().endsWith("run migrate --resume once the server answers"), crash.getMessage());
        f.server.failRequests(0, 0, 0, false);
        String partial = f.server.liveVersions().get(1);
        assertEquals(5L * k, f.count(partial), "the half-filled new version is current");
        assertEquals(partial, f.store.currentVersion().orElseThrow().string("version"));

        // Elsewhere, without the checkpoint: no second migration of the partial version.
        WorkflowException refused = assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), elsewhere(false), log::add));
        assertEquals("unfinished migration from version " + old[0] + " to version " + partial + "; run with --resume (or --abandon to forget it)",
                refused.getMessage());
        assertEquals(List.of(old[0], partial), f.server.liveVersions());
        Migrate.Pending pending = Migrate.recorded(f.account()).orElseThrow();
        assertEquals(List.of(old[0], partial, "created", 40L), List.of(pending.fromVersion(), pending.toVersion(), pending.phase(), pending.oldSessions()));

        Migrate.Result r = Migrate.run(f.account(), elsewhere(true), log::add);

        assertEquals(partial, r.newVersion(), "resumed into the same version");
        assertTrue(r.verified(), r.note());
        assertTrue(r.oldDeleted());
        assertEquals(expected, f.storedKeys(partial));
        assertEquals(List.of(partial), f.server.liveVersions());
        assertTrue(Migrate.recorded(f.account()).orElseThrow().finished());
        assertFalse(Files.exists(dir.resolve("elsewhere").resolve("checkpoint.json")));
    }

    @Test
    void run_elsewhereAfterCrashRightAfterCreatingTheVersion_namesTheNewVersionAndResumeAdoptsIt() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 1, 10);
        Files.createDirectories(dir.resolve("elsewhere"));
        // The version is created, then nothing more reaches the server: the record does not name it yet.
        f.server.afterRequest("POST /_matrix/client/v3/room_keys/version", 1, () -> f.server.failRequests(1, Integer.MAX_VALUE, 500, false));
        assertThrows(WorkflowException.class, () -> migrate(false, true));
        f.server.failRequests(0, 0, 0, false);
        String made = f.server.liveVersions().get(1);
        assertEquals(null, Migrate.recorded(f.account()).orElseThrow().toVersion());

        WorkflowException refused = assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), elsewhere(false), log::add));
        assertTrue(refused.getMessage().startsWith("unfinished migration from version " + old[0] + " to version " + made + ";"), refused.getMessage());

        Migrate.Result r = Migrate.run(f.account(), elsewhere(true), log::add);
        assertEquals(made, r.newVersion());
        assertTrue(r.oldDeleted());
        assertEquals(expected, f.storedKeys(made));
        assertEquals(List.of(made), f.server.liveVersions());
    }

    @Test
    void resume_fromAnotherDirectoryWhenOldVersionNowReadsDifferently_keepsOldVersion() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 20);
        Files.createDirectories(dir.resolve("elsewhere"));
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        assertThrows(WorkflowException.class, () -> migrate(false, true));
        f.server.crashAfterKeyPuts(-1);
        // The resumed run's read of the old version (its only one) lacks keys: it is not the first read.
        f.server.truncateKeyReads(old[0], 0, 30);

        Migrate.Result r = Migrate.run(f.account(), elsewhere(true), log::add);

        assertFalse(r.verified());
        assertFalse(r.oldDeleted());
        assertTrue(r.note().contains("differ from the 40 of this migration's first read"), r.note());
        f.server.truncateKeyReads(null, 0, 0);
        assertEquals(expected, f.storedKeys(old[0]));
        assertFalse(Migrate.recorded(f.account()).orElseThrow().finished());
    }

    @Test
    void resume_fromAnotherDirectoryWhenTheUndecryptableEntryIsHidden_keepsOldVersion() throws Exception {
        String[] old = new String[1];
        oldBackup(HOMESERVER, old, 2, 20);
        Json.Obj garbage = Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(false),
                "session_data", Json.obj("ephemeral", Json.of("AAAA"), "ciphertext", Json.of("AAAA"), "mac", Json.of("AAAA")));
        f.putSessionKey(old[0], "!zzz:example.org", "undecryptable", garbage); // listed last
        Files.createDirectories(dir.resolve("elsewhere"));
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        assertThrows(WorkflowException.class, () -> migrate(false, true));
        f.server.crashAfterKeyPuts(-1);
        // The resumed run reads only the 40 readable entries: the same readable set, the undecryptable one hidden.
        f.server.truncateKeyReads(old[0], 0, 40);

        Migrate.Result r = Migrate.run(f.account(), elsewhere(true), log::add);

        assertFalse(r.oldDeleted(), "the first read held an entry that could not be migrated");
        f.server.truncateKeyReads(null, 0, 0);
        assertEquals(41, f.count(old[0]), "old version kept whole");
    }

    @Test
    void resume_fromAnotherDirectoryWhenTheServerNowHidesTheOldVersionsSignatures_keepsTheAuthenticatedOldVersion()
            throws Exception {
        f = WorkflowFixture.open(HOMESERVER, dir);
        String old = f.signedVersion(sessions(2, 10, 2), List.of());
        assertEquals(20, countOf(f.verdicts(old), "authenticated"));
        Files.createDirectories(dir.resolve("elsewhere"));
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), new Migrate.Options(null,
                dir.resolve("checkpoint.json"), Migrate.Start.NEW, Migrate.OldVersion.DELETE_AFTER_CHECK,
                Migrate.SigningKey.NEW, 2, FieldNames.UNSTABLE, SMALL_BATCHES), log::add));
        f.server.crashAfterKeyPuts(-1);
        // Elsewhere, the server serves the old version's AuthData without its signatures: the same entries
        // (locations and key material) now read as unauthenticated, and would be copied so.
        f.server.rewriteReplies(a -> a.request().startsWith("GET /_matrix/client/v3/room_keys/version/" + old)
                && a.body() != null && a.body().object("auth_data") != null
                ? new keybackup.homeserver.TestHomeserver.Answer(a.request(), a.status(),
                        a.body().with("auth_data", a.body().object("auth_data").without("signatures")))
                : a);

        Migrate.Result r = Migrate.run(f.account(), elsewhere(true), log::add);

        f.server.rewriteReplies(null);
        assertFalse(r.oldDeleted(), "the only authenticated copies must not be deleted: " + r.note());
        assertFalse(r.verified());
        assertTrue(f.server.liveVersions().contains(old));
        assertEquals(20, countOf(f.verdicts(old), "authenticated"));
    }

    @Test
    void abandon_forgetsTheRecordAndCheckpoint_deletesNothing() throws Exception {
        String[] old = new String[1];
        oldBackup(HOMESERVER, old, 1, 10);
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 1);
        assertThrows(WorkflowException.class, () -> migrate(false, false));
        f.server.crashAfterKeyPuts(-1);
        List<String> live = f.server.liveVersions();

        Migrate.abandon(f.account(), dir.resolve("checkpoint.json"));

        assertTrue(Migrate.recorded(f.account()).isEmpty());
        assertFalse(Files.exists(dir.resolve("checkpoint.json")));
        assertEquals(live, f.server.liveVersions());
        assertThrows(WorkflowException.class, () -> Migrate.abandon(f.account(), dir.resolve("checkpoint.json")));
    }

    @Test
    void resume_ofAMigrationRecordedByTheEarlierEntriesFormat_isRefusedClearly_abandonThenMigrateAgainLosesNothing()
            throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 4, 50);
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 7);
        assertThrows(WorkflowException.class, () -> migrate(false, false));
        f.server.crashAfterKeyPuts(-1);
        List<String> live = f.server.liveVersions();
        // The checkpoint and the record as the earlier release wrote them: no entries_format (its digest did not
        // cover the authenticated bits), and its entries file in the earlier format.
        Path cp = dir.resolve("checkpoint.json");
        Json.Obj earlier = ((Json.Obj) keybackup.json.JsonReader.parse(Files.readAllBytes(cp))).without("entries_format");
        Files.writeString(cp, keybackup.json.CanonicalJson.encodeToString(earlier));
        f.store.putAccountData(MigrationRecord.TYPE, earlier);
        Files.write(Checkpoint.entriesFile(cp), "keybackup-entries-1\n\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        WorkflowException dry = assertThrows(WorkflowException.class,
                () -> Migrate.plan(f.account(), options(true, true), (what, total) -> null));
        assertTrue(dry.getMessage().contains("earlier release"), dry.getMessage());
        WorkflowException e = assertThrows(WorkflowException.class, () -> migrate(true, true));

        assertTrue(e.getMessage().contains("earlier release") && e.getMessage().contains("migrate --abandon")
                && e.getMessage().contains("migrate --from " + old[0]), e.getMessage());
        assertEquals(live, f.server.liveVersions(), "nothing deleted");
        assertTrue(Files.exists(cp), "the checkpoint is kept");
        assertEquals(expected, f.storedKeys(old[0]));

        Migrate.abandon(f.account(), cp);
        Migrate.Result r = Migrate.run(f.account(), new Migrate.Options(old[0], cp, Migrate.Start.NEW,
                Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD, 2, FieldNames.UNSTABLE, SMALL_BATCHES),
                log::add);
        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
    }

    @Test
    void abandonThenMigrateFromTheOldVersion_leavesTheHalfFilledVersionAndSaysSo() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 1, 10);
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 1);
        assertThrows(WorkflowException.class, () -> migrate(false, false));
        f.server.crashAfterKeyPuts(-1);
        String half = f.server.liveVersions().get(1);
        Map<String, String> inHalf = f.storedKeys(half);
        Migrate.abandon(f.account(), dir.resolve("checkpoint.json"));

        Migrate.Result r = Migrate.run(f.account(), new Migrate.Options(old[0], dir.resolve("checkpoint.json"),
                Migrate.Start.NEW, Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD, 2,
                FieldNames.UNSTABLE, SMALL_BATCHES), log::add);

        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(List.of(half, r.newVersion()), f.server.liveVersions(), "the half-filled version is not deleted");
        assertEquals(inHalf, f.storedKeys(half));
        assertTrue(r.note() != null && r.note().contains("version " + half + ", current when this migration started, "
                + "is left as it is") && r.note().contains("restore --version " + half), String.valueOf(r.note()));
    }

    @Test
    void run_recordOnServerIsMalformed_typedErrorNamesTheField() throws Exception {
        oldBackup(LOCAL, new String[1], 1, 2);
        f.store.putAccountData(MigrationRecord.TYPE, Json.obj("from_version", Json.of("1"), "current_at_start", Json.of("1"), "signing_public_key", Json.of("x"),
                "phase", Json.of("started"), "old_sessions", Json.of(0), "migrated", Json.of(0), "started_ts", Json.of(0)));

        WorkflowException e = assertThrows(WorkflowException.class, () -> migrate(false, false));

        assertTrue(e.getMessage().startsWith("account data org.keybackup.migration: signing_public_key"), e.getMessage());
    }

    @Test
    void run_fromOlderVersionWhileASignedVersionIsCurrent_reusesTheCurrentSigningKey() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(LOCAL, old, 1, 5);
        Migrate.Result first = migrate(false, false); // version 2: signed, its key in Secret Storage
        Json.Obj signingSecret = f.store.getAccountData(keybackup.secrets.SecretStorage.BACKUP_SIGNING_KEY).orElseThrow();

        Migrate.Result r = Migrate.run(f.account(), new Migrate.Options(old[0], dir.resolve("checkpoint.json"), Migrate.Start.NEW,
                Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD, 2,
                FieldNames.UNSTABLE, SMALL_BATCHES), log::add);

        // Version 2 stayed current until version 3 existed: its signing key was never replaced in Secret Storage.
        assertEquals(signingSecret, f.store.getAccountData(keybackup.secrets.SecretStorage.BACKUP_SIGNING_KEY).orElseThrow());
        assertEquals(FailurePointTest.secretsProblem(f), null);
        assertTrue(r.verified(), r.note());
        assertNotEquals(first.newVersion(), r.newVersion());
        assertEquals(expected, f.storedKeys(r.newVersion()));
    }

    @Test
    void run_oldVersionChangesDuringEveryPass_deletionStopped() throws Exception {
        String[] old = new String[1];
        oldBackup(HOMESERVER, old, 2, 10);
        List<ExportedSession> late = sessions(1, 40, 96);
        List<Json.Obj> entries = new ArrayList<>();
        for (ExportedSession s : late) entries.add(encryptedByOtherClient(s));
        // A faulty server keeps accepting writes to the old version: one after every key upload, in every pass.
        int[] next = {0};
        Runnable[] writeLate = new Runnable[1];
        writeLate[0] = () -> {
            int i = next[0]++;
            f.server.insertKey(old[0], late.get(i).roomId(), late.get(i).sessionId(), entries.get(i));
            f.server.afterRequest(KEYS_PUT, 1, writeLate[0]);
        };
        f.server.afterRequest(KEYS_PUT, 1, writeLate[0]);

        Migrate.Result r = migrate(false, true);

        assertTrue(log.stream().anyMatch(l -> l.contains("(pass 3)")), log.toString());
        assertFalse(r.verified());
        assertFalse(r.oldDeleted());
        assertTrue(r.note().contains("still changed during the last of 3 upload passes"), r.note());
        assertEquals(2, f.server.liveVersions().size());
    }

    /**
     * A faulty server that keeps accepting writes to {@code old}: one new key after every key upload, in every
     * pass, until {@code stop[0]} is set. Returns the keys it wrote, as "room|session" → session_key.
     */
    private Map<String, String> writeToOldVersionDuringEveryPass(String old, boolean[] stop) throws Exception {
        return writeToOldVersionDuringEveryPass(old, stop, () -> {});
    }

    /** As above, running {@code alsoOnce} once, at the first key upload. */
    private Map<String, String> writeToOldVersionDuringEveryPass(String old, boolean[] stop, Runnable alsoOnce)
            throws Exception {
        Runnable[] once = {alsoOnce};
        List<ExportedSession> late = sessions(1, 60, 96);
        List<Json.Obj> entries = new ArrayList<>();
        for (ExportedSession s : late) entries.add(encryptedByOtherClient(s));
        Map<String, String> written = new TreeMap<>();
        int[] next = {0};
        Runnable[] writeLate = new Runnable[1];
        writeLate[0] = () -> {
            if (stop[0]) return;
            once[0].run();
            once[0] = () -> {};
            ExportedSession s = late.get(next[0]++);
            f.server.insertKey(old, s.roomId(), s.sessionId(), entries.get(next[0] - 1));
            written.put(s.roomId() + "|" + s.sessionId(), s.data().sessionKey());
            f.server.afterRequest(KEYS_PUT, 1, writeLate[0]);
        };
        f.server.afterRequest(KEYS_PUT, 1, writeLate[0]);
        return written;
    }

    @Test
    void resume_afterTheOldVersionChangedDuringEveryPass_completesOnceTheWritesStop() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        boolean[] stop = {false};
        Map<String, String> late = writeToOldVersionDuringEveryPass(old[0], stop);
        Migrate.Result first = migrate(false, true);
        assertFalse(first.verified());
        assertTrue(first.note().contains("still changed during the last of 3 upload passes"), first.note());
        assertTrue(first.note().endsWith("nothing was deleted: run migrate --resume to try again"), first.note());
        stop[0] = true; // the writer stops, as the message asks
        expected.putAll(late);

        Migrate.Result r = migrate(true, true); // the advised next step

        assertTrue(r.verified(), r.note());
        assertEquals(first.newVersion(), r.newVersion(), "resumed into the same version");
        assertTrue(r.oldDeleted());
        assertEquals(expected, f.storedKeys(r.newVersion()), "every key, the late ones too");
        assertEquals(List.of(r.newVersion()), f.server.liveVersions());
        assertTrue(Migrate.recorded(f.account()).orElseThrow().finished());
        assertFalse(Files.exists(dir.resolve("checkpoint.json")));
        assertFalse(Files.exists(dir.resolve("checkpoint.json.entries")), "the bound entries are removed too");
    }

    @Test
    void resume_afterTheCheckpointFailedToSaveAfterTheEntriesGrew_completes() throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        Path checkpoint = dir.resolve("checkpoint.json");
        byte[][] kept = {null};
        boolean[] stop = {false};
        // During the copy, the checkpoint becomes unwritable (a directory in its place): the save after the
        // passes writes the grown entries, then fails on the record.
        Map<String, String> late = writeToOldVersionDuringEveryPass(old[0], stop, () -> {
            try {
                kept[0] = Files.readAllBytes(checkpoint);
                Files.delete(checkpoint);
                Files.createDirectories(checkpoint.resolve("in-the-way"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        WorkflowException e = assertThrows(WorkflowException.class, () -> migrate(false, true));
        assertTrue(e.getMessage().contains("cannot write it"), e.getMessage());
        stop[0] = true;
        expected.putAll(late);
        // The checkpoint is writable again, as it was before the failed save.
        Files.delete(checkpoint.resolve("in-the-way"));
        Files.delete(checkpoint);
        Files.write(checkpoint, kept[0]);

        Migrate.Result r = migrate(true, true); // what the message says

        assertTrue(r.verified(), r.note());
        assertTrue(r.oldDeleted());
        assertEquals(expected, f.storedKeys(r.newVersion()), "every key, the late ones too");
        assertFalse(Files.exists(checkpoint));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("checkpoint")).toList());
        }
    }

    @Test
    void resume_fromAnotherDirectoryAfterTheOldVersionChangedDuringEveryPass_saysToMigrateAgainWhichCompletes()
            throws Exception {
        String[] old = new String[1];
        Map<String, String> expected = oldBackup(HOMESERVER, old, 2, 10);
        Files.createDirectories(dir.resolve("elsewhere"));
        boolean[] stop = {false};
        Map<String, String> late = writeToOldVersionDuringEveryPass(old[0], stop);
        Migrate.Result first = migrate(false, true);
        assertFalse(first.verified());
        stop[0] = true;
        expected.putAll(late);

        // Elsewhere, only the record's digest is known: the grown old version cannot be bound to it.
        Migrate.Result elsewhere = Migrate.run(f.account(), elsewhere(true), log::add);
        assertFalse(elsewhere.verified());
        assertFalse(elsewhere.oldDeleted());
        assertTrue(elsewhere.note().contains("run migrate --abandon, then migrate --from " + old[0]), elsewhere.note());
        assertEquals(expected, f.storedKeys(old[0]), "old version intact");

        // What the message says: abandon, then migrate that version again.
        Path checkpoint = dir.resolve("elsewhere").resolve("checkpoint.json");
        Migrate.abandon(f.account(), checkpoint);
        Migrate.Result r = Migrate.run(f.account(), new Migrate.Options(old[0], checkpoint, Migrate.Start.NEW,
                Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD, 2, FieldNames.UNSTABLE,
                SMALL_BATCHES), log::add);

        assertTrue(r.verified(), r.note());
        assertTrue(r.oldDeleted());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(r.newVersion(), f.store.currentVersion().orElseThrow().string("version"));
        assertEquals(List.of(first.newVersion(), r.newVersion()), f.server.liveVersions(), "only the old one deleted");
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    private static final String SIGNING_KEY_PUT =
            "PUT /_matrix/client/v3/user/%40alice%3Aexample.org/account_data/" + SecretStorage.BACKUP_SIGNING_KEY;
    private static final String VERSION_POST = "POST /_matrix/client/v3/room_keys/version";

    /**
     * How many requests after storing the new signing key a rotation creates the new version (the
     * signers are checked in between), counted on another account.
     */
    private int requestsFromStoredKeyToCreate() throws Exception {
        try (WorkflowFixture c = WorkflowFixture.open(HOMESERVER, Files.createDirectories(dir.resolve("count")))) {
            c.signedVersion(sessions(1, 3, 1), List.of());
            int before = c.server.requestCount();
            Migrate.run(c.account(), new Migrate.Options(null, dir.resolve("count").resolve("checkpoint.json"),
                    Migrate.Start.NEW, Migrate.OldVersion.KEEP, Migrate.SigningKey.NEW, 2, FieldNames.UNSTABLE,
                    SMALL_BATCHES), l -> {});
            List<String> r = c.server.requests().subList(before, c.server.requestCount());
            int put = -1;
            for (int i = 0; i < r.size() && put < 0; i++) if (r.get(i).startsWith(SIGNING_KEY_PUT)) put = i;
            for (int i = put + 1; i < r.size(); i++) if (r.get(i).startsWith(VERSION_POST)) return i - put;
            throw new AssertionError("no version created after the signing key was stored: " + r);
        }
    }

    /**
     * A signed, trusted old version on the test homeserver whose rotation's create request, once the new signing
     * key is stored, fails {@code times} times in a row with {@code status}.
     */
    private String signedOldWhoseCreateFails(int status, int times) throws Exception {
        int toCreate = requestsFromStoredKeyToCreate();
        f = WorkflowFixture.open(HOMESERVER, dir);
        String old = f.signedVersion(sessions(1, 3, 1), List.of());
        f.server.afterRequest(SIGNING_KEY_PUT, 1, () -> f.server.failRequests(toCreate, times, status, false));
        return old;
    }

    @Test
    void rotate_createRefusedAfterTheNewKeyWasStored_newKeyKeptAndResumeCompletes() throws Exception {
        int toCreate = requestsFromStoredKeyToCreate();
        f = WorkflowFixture.open(HOMESERVER, dir);
        String old = f.signedVersion(sessions(1, 3, 1), List.of());
        Map<String, String> expected = f.storedKeys(old);
        int requestsBefore = f.server.requestCount();
        // The server refuses the new version (400, not retried) after the new signing key was stored.
        f.server.afterRequest(SIGNING_KEY_PUT, 1, () -> f.server.failRequests(toCreate, 1, 400, false));

        WorkflowException e = assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));

        List<String> made = f.server.requests().subList(requestsBefore, f.server.requestCount());
        assertEquals(1, made.stream().filter(r -> r.startsWith(VERSION_POST)).count(), made.toString());
        assertEquals(List.of(old), f.server.liveVersions());
        // A 400 cannot be checked (a server may create the version and hide it): the new key stays, as after a 500.
        assertTrue(e.getMessage().contains("could not create the new version"), e.getMessage());
        assertTrue(e.getMessage().contains("Secret Storage keeps its new signing key"), e.getMessage());
        assertTrue(e.getMessage().contains("if the server refuses it every time, migrate --abandon stops here"),
                e.getMessage());

        Migrate.Result r = migrate(true, false);

        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    @Test
    void rotate_serverRefusesTheCreateEveryTime_abandonGoesOnKeepsTheNewKeyAndANewRotationCompletes()
            throws Exception {
        // The create request is refused outright (403, as a server's policy might refuse it every time).
        String old = signedOldWhoseCreateFails(403, 1);
        Map<String, String> expected = f.storedKeys(old);
        assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));
        String newKey = MigrationRecord.load(f.account()).orElseThrow().signingPublicKey();

        Migrate.Abandoned left = Migrate.abandon(f.account(), dir.resolve("checkpoint.json"));

        assertTrue(left.note().contains("migrate --rotate moves the current version"), left.note());
        assertTrue(Migrate.recorded(f.account()).isEmpty());
        assertEquals(List.of(old), f.server.liveVersions());
        assertEquals(expected, f.storedKeys(old));
        try (keybackup.keys.Ed25519PrivateKey held = f.secrets.backupSigningKey().orElseThrow()) {
            assertEquals(newKey, held.publicKey().toBase64(), "the new key stays: the server may hide its version");
        }
        Migrate.Result r = Migrate.run(f.account(), rotating(), log::add);
        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    @Test
    void rotate_serverCreatesTheVersionButAnswers400AndHidesIt_newSigningKeyKept() throws Exception {
        f = WorkflowFixture.open(HOMESERVER, dir);
        String old = f.signedVersion(sessions(1, 3, 1), List.of());
        Map<String, String> expected = f.storedKeys(old);
        Json.Obj oldInfo = f.store.currentVersion().orElseThrow();
        // A lying server: it creates the version, answers 400, and goes on showing the old one as current.
        f.server.rewriteReplies(a -> {
            if (a.request().startsWith(VERSION_POST)) {
                return new keybackup.homeserver.TestHomeserver.Answer(a.request(), 400,
                        Json.obj("errcode", Json.of("M_UNKNOWN"), "error", Json.of("refused")));
            }
            if (a.request().equals("GET /_matrix/client/v3/room_keys/version")) {
                return new keybackup.homeserver.TestHomeserver.Answer(a.request(), 200, oldInfo);
            }
            return a;
        });

        WorkflowException e = assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));
        f.server.rewriteReplies(null);

        assertEquals(2, f.server.liveVersions().size(), "the server did create the version");
        String made = f.server.liveVersions().get(1);
        assertEquals(made, f.store.currentVersion().orElseThrow().string("version"));
        assertEquals(null, FailurePointTest.secretsProblem(f), "Secret Storage still holds the signing key it names");
        assertTrue(e.getMessage().contains("Secret Storage keeps its new signing key"), e.getMessage());

        Migrate.Result r = migrate(true, false); // the server shows it now: resume adopts it

        assertEquals(made, r.newVersion());
        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(made));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    @Test
    void rotate_createRefusedAfterTheNewKeyWasStored_resumeCompletesTheRotation() throws Exception {
        String old = signedOldWhoseCreateFails(400, 1);
        Map<String, String> expected = f.storedKeys(old);
        assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));

        Migrate.Result r = migrate(true, false);

        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(r.newVersion(), f.store.currentVersion().orElseThrow().string("version"));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    @Test
    void rotate_createFailsWithoutAnAnswer_newKeyKeptAbandonRefusedAndResumeCompletes() throws Exception {
        // Every attempt at creating the new version fails (500): whether the server acted is not known.
        String old = signedOldWhoseCreateFails(500, 8);
        Map<String, String> expected = f.storedKeys(old);
        WorkflowException e = assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));
        f.server.failRequests(0, 0, 0, false);
        assertTrue(e.getMessage().contains("Secret Storage keeps its new signing key"), e.getMessage());
        assertEquals(List.of(old), f.server.liveVersions());

        // Forgetting the rotation now would leave the old version without its signing key: refused.
        WorkflowException refused = assertThrows(WorkflowException.class,
                () -> Migrate.abandon(f.account(), dir.resolve("checkpoint.json")));
        assertTrue(refused.getMessage().contains("run migrate --resume"), refused.getMessage());
        assertFalse(Migrate.recorded(f.account()).orElseThrow().finished(), "the record is kept");
        assertTrue(Files.exists(dir.resolve("checkpoint.json")), "the checkpoint is kept");

        Migrate.Result r = migrate(true, false);

        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    @Test
    void rotate_createFailsWithoutAnAnswer_serverLosesTheRecord_abandonStillRefusedOnTheCheckpoint()
            throws Exception {
        String old = signedOldWhoseCreateFails(500, 8);
        Map<String, String> expected = f.storedKeys(old);
        assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));
        f.server.failRequests(0, 0, 0, false);
        // The server drops (or garbles) the record; the checkpoint still says a rotation replaced the key.
        for (Json.Obj lost : List.of(Json.obj(), Json.obj("phase", Json.of("garbled")))) { // garbled stays
            f.store.putAccountData(MigrationRecord.TYPE, lost);

            WorkflowException refused = assertThrows(WorkflowException.class,
                    () -> Migrate.abandon(f.account(), dir.resolve("checkpoint.json")));
            assertTrue(refused.getMessage().contains("run migrate --resume"), refused.getMessage());
            assertTrue(Files.exists(dir.resolve("checkpoint.json")), "the checkpoint is kept");
        }

        Migrate.Result r = migrate(true, false); // what the refusal says, with the garbled record on the server
        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    /**
     * The server writes the record, and create_refused is what lets --abandon go on mid-rotation: a server that
     * answered the create with a 500 (its outcome unknown, the version may exist) and then marks its copy of the
     * record as refused, or as no rotation at all, is overruled by the checkpoint, which knows better.
     */
    @Test
    void rotate_createFailsWithoutAnAnswer_serverForgesCreateRefused_abandonStillRefusedOnTheCheckpoint()
            throws Exception {
        String old = signedOldWhoseCreateFails(500, 8);
        Map<String, String> expected = f.storedKeys(old);
        WorkflowException e = assertThrows(WorkflowException.class, () -> Migrate.run(f.account(), rotating(), log::add));
        f.server.failRequests(0, 0, 0, false);
        assertFalse(e.getMessage().contains("migrate --abandon stops here"), e.getMessage());
        Json.Obj recorded = MigrationRecord.load(f.account()).orElseThrow().toJson();
        assertFalse(recorded.has("create_refused"));
        Path checkpoint = dir.resolve("checkpoint.json");
        for (Json.Obj forged : List.of(recorded.with("create_refused", Json.of(true)),
                recorded.with("create_refused", Json.of(true)).without("rotate"))) {
            f.store.putAccountData(MigrationRecord.TYPE, forged);

            WorkflowException refused = assertThrows(WorkflowException.class,
                    () -> Migrate.abandon(f.account(), checkpoint));
            assertTrue(refused.getMessage().contains("run migrate --resume"), refused.getMessage());
            assertTrue(Files.exists(checkpoint), "the checkpoint is kept");
            assertEquals(forged, f.store.getAccountData(MigrationRecord.TYPE).orElseThrow(), "the record is kept");
        }

        Migrate.Result r = migrate(true, false);
        assertTrue(r.verified(), r.note());
        assertEquals(expected, f.storedKeys(r.newVersion()));
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    /** A KeyBackupData as an old client would write it: unsigned, encrypted to the backup key. */
    private Json.Obj encryptedByOtherClient(ExportedSession s) {
        try (var key = f.backupKey()) {
            return Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(false),
                    "session_data", keybackup.backup.MegolmBackupV1.encrypt(keybackup.json.CanonicalJson.encode(s.data().json()), key.publicKey()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
