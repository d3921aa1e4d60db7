package keybackup.localstore;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.SESSION;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static keybackup.BackupFixtures.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LocalStore behaves like the server: versions, errors, count/etag, replacement, files. */
class LocalStoreTest {
    @TempDir
    Path dir;
    private LocalStore store;

    @BeforeEach
    void open() throws Exception {
        store = LocalStore.open(dir, USER);
    }

    @Test
    void createVersion_twice_latestIsCurrentWithCountAndEtag() throws Exception {
        assertEquals(Optional.empty(), store.currentVersion());
        assertEquals("1", store.createVersion(ALGORITHM, authData("k1")));
        assertEquals("2", store.createVersion(ALGORITHM, authData("k2")));
        Json.Obj current = store.currentVersion().orElseThrow();
        assertEquals(Json.obj("algorithm", Json.of(ALGORITHM), "auth_data", authData("k2"), "count", Json.of(0),
                "etag", Json.of("0"), "version", Json.of("2")), current);
    }

    @Test
    void deleteVersion_latest_previousCurrentNumberNeverReusedAndDeletingAgainNotFound() throws Exception {
        store.createVersion(ALGORITHM, authData("k1"));
        store.createVersion(ALGORITHM, authData("k2"));
        store.deleteVersion("2");
        assertEquals("1", store.currentVersion().orElseThrow().string("version"));
        assertEquals(404, assertThrows(MatrixException.class, () -> store.version("2")).status());
        MatrixException again = assertThrows(MatrixException.class, () -> store.deleteVersion("2"));
        assertEquals("M_NOT_FOUND", again.errcode(), "a deleted version is not found, as by GET");
        assertEquals("1", store.currentVersion().orElseThrow().string("version"));
        assertEquals("3", store.createVersion(ALGORITHM, authData("k3")));
        assertEquals(404, assertThrows(MatrixException.class, () -> store.deleteVersion("9")).status());
    }

    @Test
    void deleteVersion_interruptedDeletion_notFoundAndWhatItLeftRemoved() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k1"));
        store.putSessionKey(v, ROOM, "s", key(false, 0, 0, "a"));
        Path version = dir.resolve("versions").resolve(v);
        Files.writeString(version.resolve("deleted"), "{}"); // a deletion that stopped after its tombstone
        assertEquals(404, assertThrows(MatrixException.class, () -> store.deleteVersion(v)).status());
        assertFalse(Files.exists(version.resolve("info.json")));
        assertFalse(Files.exists(version.resolve("keys")), "the keys of a deleted version do not stay on disk");
    }

    @Test
    void version_unknownOrNotANumber_notFound() {
        for (String v : new String[] {"1", "../1", "01", "abc"}) {
            MatrixException e = assertThrows(MatrixException.class, () -> store.version(v));
            assertEquals("M_NOT_FOUND", e.errcode(), v);
        }
    }

    @Test
    void twoSpellingsOfOneDirectory_concurrentWrites_shareOneLockAndLoseNothing() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k1"));
        Path link = Files.createSymbolicLink(dir.resolveSibling(dir.getFileName() + "-link"), dir);
        try {
            LocalStore viaLink = LocalStore.open(link, USER);
            int each = 60;
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (LocalStore s : List.of(store, viaLink)) {
                String tag = s == store ? "a" : "b";
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            s.putKeys(v, Json.obj(ROOM, Json.obj("sessions",
                                    Json.obj(tag + i, key(false, 0, 0, tag + i)))));
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) t.join(60_000);
            assertEquals(List.of(), failures);
            assertEquals(Json.of(2 * each), store.version(v).get("count"));
        } finally {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void updateVersion_sameAlgorithm_replacesAuthDataOtherAlgorithmRejected() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k1"));
        store.updateVersion(v, ALGORITHM, authData("k1").with("signatures", Json.obj()));
        assertTrue(store.version(v).object("auth_data").has("signatures"));
        assertEquals("M_INVALID_PARAM", assertThrows(MatrixException.class, () -> store.updateVersion(v, "m.x", authData("k"))).errcode());
    }

    @Test
    void putKeys_oldVersion_wrongVersionWithCurrent() throws Exception {
        String v1 = store.createVersion(ALGORITHM, authData("k1"));
        store.createVersion(ALGORITHM, authData("k2"));
        MatrixException e = assertThrows(MatrixException.class, () -> store.putSessionKey(v1, ROOM, "s", key(false, 0, 0, "a")));
        assertEquals(403, e.status());
        assertEquals("M_WRONG_ROOM_KEYS_VERSION", e.errcode());
        assertEquals(Optional.of("2"), e.currentVersion());
        assertEquals(404, assertThrows(MatrixException.class, () -> store.putSessionKey("5", ROOM, "s", key(false, 0, 0, "a"))).status());
    }

    @Test
    void putKeys_invalidKeyBackupData_rejectedAndNothingStored() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        Json.Obj rooms = Json.obj(ROOM, Json.obj("sessions", Json.obj("good", key(false, 0, 0, "a"),
                "bad", key(false, 0, 0, "b").with("is_verified", Json.of(1)))));
        MatrixException e = assertThrows(MatrixException.class, () -> store.putKeys(v, rooms));
        assertEquals(400, e.status());
        assertEquals("is_verified: expected a boolean", e.error());
        assertEquals(Optional.empty(), store.getSessionKey(v, ROOM, "good"));
    }

    @Test
    void putKeys_countAndEtag_maintained() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        Json.Obj r1 = store.putKeys(v, Json.obj(ROOM, Json.obj("sessions", Json.obj("s1", key(false, 5, 0, "a"), "s2", key(false, 0, 0, "b")))));
        assertEquals(Json.obj("count", Json.of(2), "etag", Json.of("1")), r1);
        Json.Obj same = store.putSessionKey(v, ROOM, "s1", key(false, 5, 0, "a2")); // tie: kept, etag unchanged
        assertEquals(Json.obj("count", Json.of(2), "etag", Json.of("1")), same);
        Json.Obj better = store.putSessionKey(v, ROOM, "s1", key(false, 1, 0, "a3")); // replaced: etag moves, count same
        assertEquals(Json.obj("count", Json.of(2), "etag", Json.of("2")), better);
        assertEquals("a3", marker(store.getSessionKey(v, ROOM, "s1").orElseThrow()));
        assertEquals(Json.of(2), store.version(v).get("count"));
    }

    @Test
    void putSessionKey_divergenceCases_followConfiguredRule() throws Exception {
        for (ReplacementRule rule : ReplacementRule.values()) {
            LocalStore s = LocalStore.open(dir.resolve(rule.name()), USER, rule);
            String v = s.createVersion(ALGORITHM, authData("k"));
            s.putSessionKey(v, ROOM, "a", key(true, 5, 0, "stored"));
            s.putSessionKey(v, ROOM, "a", key(false, 0, 0, "new"));
            s.putSessionKey(v, ROOM, "b", key(false, 0, 5, "stored"));
            s.putSessionKey(v, ROOM, "b", key(false, 3, 0, "new"));
            String expected = rule == ReplacementRule.SPEC ? "stored" : "new";
            assertEquals(expected, marker(s.getSessionKey(v, ROOM, "a").orElseThrow()), rule + " case 1");
            assertEquals(expected, marker(s.getSessionKey(v, ROOM, "b").orElseThrow()), rule + " case 2");
        }
    }

    @Test
    void sessionIdsWithSlashPlusAndUnicode_storedAndStreamed() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        String longRoom = "!" + "r".repeat(300) + ":example.org"; // named by hash
        store.putKeys(v, Json.obj(ROOM, Json.obj("sessions", Json.obj(SESSION, key(false, 0, 0, "a"), "../x", key(false, 0, 0, "b"))),
                longRoom, Json.obj("sessions", Json.obj("é/\uD83D\uDE00", key(false, 0, 0, "c")))));
        List<String> seen = new ArrayList<>();
        store.streamKeys(v, (room, session, data) -> seen.add(room + "|" + session + "|" + marker(data)));
        seen.sort(null);
        assertEquals(List.of(ROOM + "|../x|b", ROOM + "|" + SESSION + "|a", longRoom + "|é/\uD83D\uDE00|c"), seen);
        try (Stream<Path> files = Files.walk(dir)) {
            assertTrue(files.allMatch(p -> p.startsWith(dir) && p.getFileName().toString().length() <= 210));
        }
    }

    @Test
    void deleteKeys_sessionThenAll_countsDecrease() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        store.putKeys(v, Json.obj(ROOM, Json.obj("sessions", Json.obj("s1", key(false, 0, 0, "a"), "s2", key(false, 0, 0, "b"))),
                "!b:x", Json.obj("sessions", Json.obj("s3", key(false, 0, 0, "c"))),
                "!c:x", Json.obj("sessions", Json.obj("s4", key(false, 0, 0, "d")))));
        assertEquals(Json.of(3), store.deleteSessionKey(v, ROOM, "s1").get("count"));
        assertEquals(Json.of(3), store.deleteSessionKey(v, ROOM, "s1").get("count")); // already gone: no change
        assertEquals(Optional.empty(), store.getSessionKey(v, ROOM, "s1"));
        Json.Obj all = store.deleteKeys(v);
        assertEquals(Json.of(0), all.get("count"));
        assertEquals("3", all.string("etag"));
        List<String> seen = new ArrayList<>();
        store.streamKeys(v, (room, session, data) -> seen.add(session));
        assertEquals(List.of(), seen);
    }

    @Test
    void getAndDelete_oldVersion_allowed() throws Exception {
        String v1 = store.createVersion(ALGORITHM, authData("k1"));
        store.putSessionKey(v1, ROOM, "s", key(false, 0, 0, "a"));
        store.createVersion(ALGORITHM, authData("k2"));
        assertEquals("a", marker(store.getSessionKey(v1, ROOM, "s").orElseThrow()));
        assertEquals(Json.of(0), store.deleteSessionKey(v1, ROOM, "s").get("count"));
    }

    @Test
    void streamKeys_twentyThousandSessions_allVisited() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        for (int r = 0; r < 20; r++) {
            java.util.LinkedHashMap<String, Json> sessions = new java.util.LinkedHashMap<>();
            for (int s = 0; s < 1000; s++) sessions.put("s+" + s + "/", key(false, s, 0, "m"));
            store.putKeys(v, Json.obj("!r" + r + ":x", Json.obj("sessions", new Json.Obj(sessions))));
        }
        long[] n = {0};
        store.streamKeys(v, (room, session, data) -> n[0]++);
        assertEquals(20_000, n[0]);
        assertEquals(Json.of(20_000), store.version(v).get("count"));
    }

    @Test
    void writes_afterManyOperations_leaveNoTempOrPartialFiles() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        for (int i = 0; i < 20; i++) store.putSessionKey(v, ROOM, "s" + i, key(false, 0, 0, "x" + i));
        store.putAccountData("m.key_backup", Json.obj("enabled", Json.of(true)));
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                assertFalse(p.getFileName().toString().endsWith(LocalFiles.TEMP_SUFFIX), p.toString());
                if (p.getFileName().toString().endsWith(".json")) JsonReader.parseObject(Files.readAllBytes(p)); // complete json
            }
        }
    }

    @Test
    void write_failureDuringMove_keepsOldFileAndRemovesTemp() throws Exception {
        Path target = dir.resolve("x").resolve("f.json");
        LocalFiles.write(target, Json.obj("v", Json.of(1)));
        Files.createDirectories(dir.resolve("x").resolve("blocker.json").resolve("child")); // a non-empty directory cannot be replaced
        assertThrows(StoreException.class, () -> LocalFiles.write(dir.resolve("x").resolve("blocker.json"), Json.obj()));
        assertEquals(Json.obj("v", Json.of(1)), LocalFiles.read(target, 1024).orElseThrow());
        try (Stream<Path> files = Files.list(dir.resolve("x"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(LocalFiles.TEMP_SUFFIX)));
        }
    }

    @Test
    void strayTempFile_ignoredByReaders() throws Exception {
        String v = store.createVersion(ALGORITHM, authData("k"));
        store.putSessionKey(v, ROOM, "s", key(false, 0, 0, "a"));
        Path shard = new LocalLayout(dir).keyFile(v, ROOM, "s").getParent();
        Files.writeString(shard.resolve(".123.tmp"), "{\"room_id\":");
        long[] n = {0};
        store.streamKeys(v, (room, session, data) -> n[0]++);
        assertEquals(1, n[0]);
    }

    @Test
    void accountData_roundTripAndEmptyObjectIsAbsent() throws Exception {
        assertEquals(Optional.empty(), store.getAccountData("m.secret_storage.key.abc/../x"));
        store.putAccountData("m.secret_storage.key.abc/../x", Json.obj("algorithm", Json.of("a")));
        assertEquals(Json.obj("algorithm", Json.of("a")), store.getAccountData("m.secret_storage.key.abc/../x").orElseThrow());
        store.putAccountData("m.secret_storage.key.abc/../x", Json.obj());
        assertEquals(Optional.empty(), store.getAccountData("m.secret_storage.key.abc/../x"));
    }

    @Test
    void publishIdentity_thenQueryOwnKeys_roundTripsAcrossReopen() throws Exception {
        assertEquals(Json.obj("device_keys", Json.obj(), "failures", Json.obj()), store.queryOwnKeys());
        Json.Obj identity = Json.obj("device_keys", Json.obj(USER, Json.obj("DEV", Json.obj("device_id", Json.of("DEV")))),
                "master_keys", Json.obj(USER, Json.obj("user_id", Json.of(USER))));
        store.publishIdentity(identity);
        assertEquals(identity, LocalStore.open(dir, USER).queryOwnKeys());
    }

    @Test
    @SuppressWarnings("try") // held: the write lock, for the block
    void hold_anotherWriterWaitsUntilClosed_theHoldersOwnWritesGoOn() throws Exception {
        LocalStore other = LocalStore.open(dir, USER);
        java.util.concurrent.CompletableFuture<Void> write;
        try (LocalStore.Held held = store.hold()) {
            store.putAccountData("m.mine", Json.obj("a", Json.of(1))); // the holder's own write: no wait
            write = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    other.putAccountData("m.mine", Json.obj("a", Json.of(2)));
                } catch (StoreException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertFalse(write.isDone(), "a writer of another instance waits for the lock");
            assertEquals(Json.obj("a", Json.of(1)), store.getAccountData("m.mine").orElseThrow());
        }
        write.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(Json.obj("a", Json.of(2)), store.getAccountData("m.mine").orElseThrow());
    }
}
