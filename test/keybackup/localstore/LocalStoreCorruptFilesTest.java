package keybackup.localstore;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.SESSION;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * LocalStore's own files, corrupted or hostile: every value read from disk is checked where it is read, and
 * a bad one is a StoreException with a one-line reason naming the file (the fuzz findings of issue 11 and
 * their neighbours). The same inputs are in test/fuzz-corpus/local-store.
 */
class LocalStoreCorruptFilesTest {
    @TempDir
    Path dir;
    private LocalStore store;

    @BeforeEach
    void open() throws Exception {
        store = LocalStore.open(dir, USER);
    }

    private Path v1() {
        return dir.resolve("versions").resolve("1");
    }

    private static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Only StoreException escapes, with one line that names {@code file}. */
    private static StoreException assertStoreError(String file, Executable call) {
        Throwable t = assertThrows(Throwable.class, call);
        assertTrue(t instanceof StoreException, "undocumented " + t);
        assertTrue(t.getMessage().contains(file), t.getMessage());
        assertFalse(t.getMessage().contains("\n"), t.getMessage());
        return (StoreException) t;
    }

    @Test
    void createVersion_directoryOf18Nines_storeErrorNamingIt() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        Files.createDirectories(dir.resolve("versions").resolve("999999999999999999"));
        assertStoreError("999999999999999999", () -> store.createVersion(ALGORITHM, authData("k")));
        assertStoreError("999999999999999999", () -> store.currentVersion());
    }

    @Test
    void createVersion_afterTheLastPossibleNumber_storeErrorNothingCreated() throws Exception {
        Path last = dir.resolve("versions").resolve(Long.toString(Json.MAX_INTEGER));
        write(last.resolve("info.json"), "{\"algorithm\":\"" + ALGORITHM + "\",\"auth_data\":{},\"version\":\"" + Json.MAX_INTEGER + "\"}");
        assertEquals(Long.toString(Json.MAX_INTEGER), store.currentVersion().orElseThrow().string("version"));
        assertStoreError(Long.toString(Json.MAX_INTEGER), () -> store.createVersion(ALGORITHM, authData("k")));
        try (var list = Files.list(dir.resolve("versions"))) {
            assertEquals(1, list.count());
        }
    }

    private Path keyFile() {
        return new LocalLayout(dir).keyFile("1", ROOM, SESSION);
    }

    private static String keyFileText(String room, String session, String key) {
        return "{\"key\":" + key + ",\"room_id\":\"" + room + "\",\"session_id\":\"" + session.replace("/", "\\/") + "\"}";
    }

    @Test
    void putSessionKey_storedKeyIsANumber_storeErrorNamingKeyFile() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        store.putSessionKey("1", ROOM, SESSION, key(false, 5, 0, "a"));
        write(keyFile(), keyFileText(ROOM, SESSION, "7"));
        String name = keyFile().getFileName().toString();
        assertStoreError(name, () -> store.putSessionKey("1", ROOM, SESSION, key(false, 0, 0, "b")));
        assertStoreError(name, () -> store.getSessionKey("1", ROOM, SESSION));
        assertStoreError(name, () -> store.streamKeys("1", (r, s, d) -> { }));
    }

    @Test
    void putSessionKey_storedKeyBackupDataInvalid_storeErrorNamingKeyFile() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        write(keyFile(), keyFileText(ROOM, SESSION, "{\"first_message_index\":-1}"));
        StoreException e = assertStoreError(keyFile().getFileName().toString(),
                () -> store.putSessionKey("1", ROOM, SESSION, key(false, 0, 0, "b")));
        assertTrue(e.getMessage().contains("first_message_index"), e.getMessage());
    }

    @Test
    void streamKeys_keyFileNamingAnotherKey_storeError() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        write(keyFile(), keyFileText("!other:example.org", SESSION, "{\"first_message_index\":0,\"forwarded_count\":0,"
                + "\"is_verified\":false,\"session_data\":{}}"));
        StoreException e = assertStoreError(keyFile().getFileName().toString(), () -> store.streamKeys("1", (r, s, d) -> { }));
        assertTrue(e.getMessage().contains("another key"), e.getMessage());
        assertStoreError(keyFile().getFileName().toString(), () -> store.getSessionKey("1", ROOM, SESSION));
    }

    @Test
    void streamKeys_strayFileOrDirectory_storeErrorNamingIt() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        write(keyFile().getParent().resolve("notes.txt"), "x");
        assertStoreError("notes.txt", () -> store.streamKeys("1", (r, s, d) -> { }));
        Files.delete(keyFile().getParent().resolve("notes.txt"));
        Files.createDirectories(v1().resolve("keys").resolve("zz"));
        assertStoreError("zz", () -> store.streamKeys("1", (r, s, d) -> { }));
    }

    @Test
    void putSessionKey_countAtTheIntegerLimit_storeErrorNamingStateFile() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        write(v1().resolve("state.json"), "{\"count\":" + Json.MAX_INTEGER + ",\"etag\":\"1\"}");
        assertStoreError("state.json", () -> store.putSessionKey("1", ROOM, SESSION, key(false, 0, 0, "a")));
    }

    @Test
    void version_stateWithNegativeCountOrBadEtag_storeErrorNamingStateFile() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        for (String state : new String[] {"{\"count\":-1,\"etag\":\"1\"}", "{\"count\":\"1\",\"etag\":\"1\"}", "{\"count\":1,\"etag\":1}",
                "{\"count\":1,\"etag\":\"-1\"}", "[]", "not json"}) {
            write(v1().resolve("state.json"), state);
            assertStoreError("state.json", () -> store.version("1"));
        }
    }

    @Test
    void putSessionKey_etagAtItsLimit_storeErrorNamingStateFile() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        write(v1().resolve("state.json"), "{\"count\":0,\"etag\":\"999999999999999\"}");
        assertStoreError("state.json", () -> store.putSessionKey("1", ROOM, SESSION, key(false, 0, 0, "a")));
    }

    @Test
    void version_infoBreakingAVersionInfoRule_storeErrorNamingInfoFile() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        for (String info : new String[] {
                "{\"algorithm\":\"" + ALGORITHM + "\",\"version\":\"1\"}",
                "{\"algorithm\":7,\"auth_data\":{},\"version\":\"1\"}",
                "{\"algorithm\":\"" + ALGORITHM + "\",\"auth_data\":{}}",
                "{\"algorithm\":\"" + ALGORITHM + "\",\"auth_data\":{},\"version\":\"..\"}",
                "{\"algorithm\":\"" + ALGORITHM + "\",\"auth_data\":{},\"version\":\"2\"}"}) {
            write(v1().resolve("info.json"), info);
            assertStoreError("info.json", () -> store.version("1"));
            assertStoreError("info.json", () -> store.currentVersion());
            assertStoreError("info.json", () -> store.putSessionKey("1", ROOM, SESSION, key(false, 0, 0, "a")));
        }
    }

    @Test
    void deleteSessionKey_editedCountBelowRemoved_countStaysAtZero() throws Exception {
        store.createVersion(ALGORITHM, authData("k"));
        store.putSessionKey("1", ROOM, SESSION, key(false, 0, 0, "a"));
        write(v1().resolve("state.json"), "{\"count\":0,\"etag\":\"1\"}"); // edited by hand: never by a crash
        assertEquals(Json.of(0), store.deleteSessionKey("1", ROOM, SESSION).get("count"));
        assertEquals(Json.of(0), store.version("1").get("count"));
    }
}
