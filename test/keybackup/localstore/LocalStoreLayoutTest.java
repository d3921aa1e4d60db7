package keybackup.localstore;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static keybackup.BackupFixtures.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import keybackup.homeserver.StoreException;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layout 2 of the local store: the journal completes an interrupted write (keys, count and etag exact),
 * a store of layout 1 (test/vectors/local-store-layout1) is converted, and other layouts are refused.
 */
class LocalStoreLayoutTest {
    private static final Path LAYOUT1 = Path.of("test/vectors/local-store-layout1/store");

    @TempDir
    Path dir;

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }

    private static TreeMap<String, String> keys(LocalStore store, String version) throws StoreException {
        TreeMap<String, String> seen = new TreeMap<>();
        store.streamKeys(version, (room, session, data) -> seen.put(room + "|" + session, marker(data)));
        return seen;
    }

    @Test
    void open_layout1Store_keysConvertedCountRecountedEtagKept() throws Exception {
        Path store = copy(LAYOUT1, dir.resolve("store"));
        LocalStore s = LocalStore.open(store, USER);
        TreeMap<String, String> expected = new TreeMap<>();
        expected.put("!a:example.org|ab/cd+ef", "a1");
        expected.put("!a:example.org|s2", "a2");
        expected.put("!b:example.org|é/\uD83D\uDE00", "b1");
        assertEquals(expected, keys(s, "2"));
        Json.Obj info = s.currentVersion().orElseThrow();
        assertEquals(Json.of(3), info.get("count"), "recounted: the fixture's count was stale");
        assertEquals("7", info.string("etag"));
        assertEquals(Json.of(true), s.getSessionKey("2", "!a:example.org", "s2").orElseThrow().get("is_verified"));
        assertFalse(Files.exists(store.resolve("versions/2/rooms")));
        assertFalse(Files.exists(store.resolve("versions/1/rooms")));
        assertEquals("{\"layout\":2}", Files.readString(store.resolve("store.json")));
        assertEquals(Json.obj("encrypted", Json.obj()), s.getAccountData("m.megolm_backup.v1").orElseThrow());
        // the converted store is an ordinary one: the replacement rule sees the converted keys
        assertEquals(Json.obj("count", Json.of(3), "etag", Json.of("7")),
                s.putSessionKey("2", "!a:example.org", "s2", key(false, 0, 0, "worse")));
        assertEquals(Json.obj("count", Json.of(4), "etag", Json.of("8")), s.putSessionKey("2", ROOM, "new", key(false,
                0, 0, "n")));
        assertEquals(4, keys(LocalStore.open(store, USER), "2").size());
    }

    @Test
    void open_layout1ConversionInterrupted_resumedExactly() throws Exception {
        Path store = copy(LAYOUT1, dir.resolve("store"));
        // as a crash would leave it: one room's keys already written in layout 2, its room file still there
        // (converted again), a temporary file, no store.json
        Path rooms = store.resolve("versions/2/rooms");
        Path roomA = rooms.resolve(LocalFiles.fileName("!a:example.org"));
        Path half = copy(LAYOUT1, dir.resolve("half"));
        Files.delete(half.resolve("versions/2/rooms").resolve(LocalFiles.fileName("!b:example.org")));
        LocalStore.open(half, USER);
        copy(half.resolve("versions/2/keys"), store.resolve("versions/2/keys"));
        Files.writeString(rooms.resolve(".x.tmp"), "{\"room_id\":");
        assertTrue(Files.exists(roomA));
        LocalStore s = LocalStore.open(store, USER);
        assertEquals(3, keys(s, "2").size());
        assertEquals(Json.of(3), s.version("2").get("count"));
    }

    @Test
    void open_roomFileAddedByAnOlderKeybackupAfterConversion_mergedByTheRule() throws Exception {
        Path store = copy(LAYOUT1, dir.resolve("store"));
        LocalStore.open(store, USER);
        // an older keybackup then wrote a room file: a worse copy of a2 (kept out) and a new key
        Path room = store.resolve("versions/2/rooms").resolve(LocalFiles.fileName("!a:example.org"));
        Files.createDirectories(room.getParent());
        Files.write(room, CanonicalJson.encode(Json.obj("room_id", Json.of("!a:example.org"), "sessions",
                Json.obj("s2", key(false, 9, 9, "worse"), "s3", key(false, 0, 0, "a3")))));
        LocalStore s = LocalStore.open(store, USER);
        assertEquals("a2", marker(s.getSessionKey("2", "!a:example.org", "s2").orElseThrow()));
        assertEquals("a3", marker(s.getSessionKey("2", "!a:example.org", "s3").orElseThrow()));
        assertEquals(Json.of(4), s.version("2").get("count"));
        assertFalse(Files.exists(room.getParent()));
    }

    @Test
    void open_layout1RoomFileCorrupt_storeErrorNamingItAndStoreLeftAsIs() throws Exception {
        Path store = copy(LAYOUT1, dir.resolve("store"));
        Path room = store.resolve("versions/2/rooms").resolve(LocalFiles.fileName("!b:example.org"));
        Files.writeString(room, "{\"room_id\":\"!other:example.org\",\"sessions\":{}}");
        StoreException e = assertThrows(StoreException.class, () -> LocalStore.open(store, USER));
        assertTrue(e.getMessage().contains(room.getFileName().toString()), e.getMessage());
        assertFalse(Files.exists(store.resolve("store.json")));
        assertTrue(Files.exists(room));
    }

    @Test
    void open_layout2StoreWithNothingToComplete_readsWithoutTakingTheLock() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        s.putSessionKey("1", ROOM, "s", key(false, 0, 0, "a"));
        Files.delete(dir.resolve(StoreLock.LOCK_FILE));
        LocalStore reader = LocalStore.open(dir, USER); // so a store on read-only media still opens
        assertEquals(Json.of(1), reader.currentVersion().orElseThrow().get("count"));
        assertEquals(1, keys(reader, "1").size());
        assertFalse(Files.exists(dir.resolve(StoreLock.LOCK_FILE)), "no write, no lock");
    }

    @Test
    void open_otherLayout_refusedWithWhatToDo() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("store.json"), "{\"layout\":3}");
        StoreException e = assertThrows(StoreException.class, () -> LocalStore.open(dir, USER));
        assertTrue(e.getMessage().contains("layout 3"), e.getMessage());
        assertTrue(e.getMessage().contains("use the keybackup version that made the store"), e.getMessage());
        Files.writeString(dir.resolve("store.json"), "{\"layout\":\"2\"}");
        String message = assertThrows(StoreException.class, () -> LocalStore.open(dir, USER)).getMessage();
        assertTrue(message.contains("store.json is corrupt"), message);
    }

    /** A journal as {@code commit} writes it: version 1 goes to {@code count}/{@code etag} with these keys. */
    private void journal(long count, String etag, List<Json> keys, boolean clear) throws IOException {
        Json.Obj j = Json.obj("clear", Json.of(clear), "keys", Json.arr(keys), "state",
                Json.obj("count", Json.of(count), "etag", Json.of(etag)), "version", Json.of("1"));
        Files.write(dir.resolve(Journal.JOURNAL_FILE), CanonicalJson.encode(j));
    }

    private static Json change(String session, Json.Obj data) {
        return Json.arr(List.of(Json.of(ROOM), Json.of(session), data == null ? Json.Null.INSTANCE : data));
    }

    @Test
    void open_journalOfAnInterruptedWrite_completedWithExactCountAndEtag() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        s.putKeys("1", Json.obj(ROOM, Json.obj("sessions", Json.obj("a", key(false, 5, 0, "a"), "b", key(false, 0, 0,
                "b")))));
        // crashed after the journal and one of its three changes: "a" replaced, "b" deleted, "c" new
        journal(2, "2", List.of(change("a", key(false, 1, 0, "a2")), change("b", null), change("c", key(false, 0, 0,
                "c"))), false);
        Files.write(new LocalLayout(dir).keyFile("1", ROOM, "a"),
                CanonicalJson.encode(Json.obj("key", key(false, 1, 0, "a2"), "room_id", Json.of(ROOM), "session_id",
                        Json.of("a"))));
        LocalStore reopened = LocalStore.open(dir, USER);
        assertFalse(Files.exists(dir.resolve(Journal.JOURNAL_FILE)));
        assertEquals(Json.of(2), reopened.version("1").get("count"));
        assertEquals("2", reopened.version("1").string("etag"));
        TreeMap<String, String> expected = new TreeMap<>();
        expected.put(ROOM + "|a", "a2");
        expected.put(ROOM + "|c", "c");
        assertEquals(expected, keys(reopened, "1"));
    }

    @Test
    void version_journalLeftByAnotherProcess_completedBeforeAnswering() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        journal(1, "1", List.of(change("x", key(false, 0, 0, "x"))), false);
        assertEquals(Json.of(1), s.version("1").get("count"), "the store already open reads a complete write");
        assertEquals("x", marker(s.getSessionKey("1", ROOM, "x").orElseThrow()));
        journal(0, "2", List.of(), true);
        assertEquals(Json.of(0), s.currentVersion().orElseThrow().get("count"));
        assertEquals("2", s.version("1").string("etag"));
        assertEquals(0, keys(s, "1").size());
    }

    @Test
    void getSessionKey_journalLeftByAnotherProcess_readsTheCompleteWrite() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        s.putSessionKey("1", ROOM, "a", key(false, 5, 0, "a"));
        // another process crashed after its journal: "a" replaced, "b" new; neither key file written yet
        journal(2, "2", List.of(change("a", key(false, 1, 0, "a2")), change("b", key(false, 0, 0, "b"))), false);
        assertEquals("b", marker(s.getSessionKey("1", ROOM, "b").orElseThrow()), "the first read sees the batch");
        assertEquals("a2", marker(s.getSessionKey("1", ROOM, "a").orElseThrow()));
        assertFalse(Files.exists(dir.resolve(Journal.JOURNAL_FILE)));
    }

    @Test
    void getAccountDataAndQueryOwnKeys_journalLeftByAnotherProcess_completedBeforeAnswering() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        s.putAccountData("m.x", Json.obj("a", Json.of(1)));
        journal(1, "1", List.of(change("x", key(false, 0, 0, "x"))), false);
        assertEquals(Json.obj("a", Json.of(1)), s.getAccountData("m.x").orElseThrow());
        assertFalse(Files.exists(dir.resolve(Journal.JOURNAL_FILE)), "getAccountData completed it");
        assertTrue(Files.exists(new LocalLayout(dir).keyFile("1", ROOM, "x")));
        journal(0, "2", List.of(), true);
        s.queryOwnKeys();
        assertFalse(Files.exists(dir.resolve(Journal.JOURNAL_FILE)), "queryOwnKeys completed it");
        assertFalse(Files.exists(new LocalLayout(dir).keyFile("1", ROOM, "x")));
    }

    @Test
    void open_corruptJournal_storeErrorNamingItAndWhatToDo() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        String state = ",\"state\":{\"count\":1,\"etag\":\"1\"}";
        String[] bads = {
            "{\"clear\":false,\"keys\":[[\"!r\",\"s\",7]]" + state + ",\"version\":\"1\"}",
            "{\"clear\":false,\"keys\":[],\"state\":{\"count\":-1,\"etag\":\"1\"},\"version\":\"1\"}",
            "{\"clear\":false,\"keys\":[]" + state + ",\"version\":\"../1\"}",
            "{\"clear\":false,\"keys\":[[\"!r\",\"s\",{\"first_message_index\":0}]]" + state + ",\"version\":\"1\"}",
            "[]", "{\"keys\":"};
        for (String bad : bads) {
            Files.write(dir.resolve(Journal.JOURNAL_FILE), bad.getBytes(StandardCharsets.UTF_8));
            StoreException e = assertThrows(StoreException.class, () -> LocalStore.open(dir, USER), bad);
            assertTrue(e.getMessage().contains(Journal.JOURNAL_FILE), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertThrows(StoreException.class, () -> s.putSessionKey("1", ROOM, "s", key(false, 0, 0, "a")), bad);
        }
        Files.delete(dir.resolve(Journal.JOURNAL_FILE));
        assertEquals(Json.of(1), s.putSessionKey("1", ROOM, "s", key(false, 0, 0, "a")).get("count"));
    }

    @Test
    void open_journalWithTheSameKeyTwice_corruptNotRacedIntoPlace() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        // a batch's changes are applied in parallel: two for one key would race, so a journal never holds them
        journal(1, "1", List.of(change("s", key(false, 0, 0, "a")), change("s", null)), false);
        StoreException e = assertThrows(StoreException.class, () -> LocalStore.open(dir, USER));
        assertTrue(e.getMessage().contains("is corrupt: keys: the same key twice"), e.getMessage());
        assertFalse(Files.exists(new LocalLayout(dir).keyFile("1", ROOM, "s")), "nothing of it was applied");
    }

    @Test
    void putKeys_manyKeys_oneFilePerKeyInShardsAndNoJournalLeft() throws Exception {
        LocalStore s = LocalStore.open(dir, USER);
        s.createVersion(ALGORITHM, authData("k"));
        java.util.LinkedHashMap<String, Json> sessions = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 600; i++) sessions.put("s" + i, key(false, 0, 0, "m" + i));
        Json.Obj rooms = Json.obj(ROOM, Json.obj("sessions", new Json.Obj(sessions)));
        assertEquals(Json.obj("count", Json.of(600), "etag", Json.of("1")), s.putKeys("1", rooms));
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir.resolve("versions/1/keys"))) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        assertEquals(600, files.size());
        for (Path f : files) {
            assertTrue(LocalLayout.KEY_FILE.matcher(f.getFileName().toString()).matches(), f.toString());
            assertTrue(f.getFileName().toString().startsWith(f.getParent().getFileName().toString()), f.toString());
        }
        assertFalse(Files.exists(dir.resolve(Journal.JOURNAL_FILE)));
    }
}
