package keybackup.localstore;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static keybackup.BackupFixtures.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing inside a local store is followed through a symbolic link: a file the store reads, or a directory it
 * goes through, that is a link (to a copy outside, or anywhere) is refused with an error that names it. The
 * store's own directory (--store DIR) may be a link.
 */
class LocalStoreSymlinkTest {
    @TempDir
    Path dir;

    /** A store with version 1, key "a" in {@link keybackup.BackupFixtures#ROOM}, account data and an identity. */
    private LocalStore store(Path at) throws Exception {
        LocalStore s = LocalStore.open(at, USER);
        s.createVersion(ALGORITHM, authData("k"));
        s.putSessionKey("1", ROOM, "a", key(false, 0, 0, "a"));
        s.putAccountData("m.type", Json.obj("x", Json.of(1)));
        s.publishIdentity(Json.obj("device_keys", Json.obj(), "failures", Json.obj()));
        return s;
    }

    /** Moves {@code p} (file or directory) outside the store and puts a link to it in its place. */
    private Path replaceByLink(Path p) throws IOException {
        Path outside = dir.resolve("outside-" + p.getFileName());
        Files.move(p, outside, StandardCopyOption.ATOMIC_MOVE);
        return Files.createSymbolicLink(p, outside);
    }

    private static void refused(Path link, Executable read) {
        StoreException e = assertThrows(StoreException.class, read);
        assertTrue(e.getMessage().contains(link + " is a symbolic link"), e.getMessage());
    }

    @Test
    void fileInsideTheStore_isALink_refused() throws Exception {
        Path store = dir.resolve("store");
        LocalStore s = store(store);
        Path info = replaceByLink(store.resolve("versions/1/info.json"));
        refused(info, () -> s.version("1"));
        Path keyFile = new LocalLayout(store).keyFile("1", ROOM, "a");
        Files.move(Files.readSymbolicLink(info), info, StandardCopyOption.REPLACE_EXISTING);
        Path key = replaceByLink(keyFile);
        refused(key, () -> s.getSessionKey("1", ROOM, "a"));
        refused(key, () -> s.streamKeys("1", (room, session, data) -> { }));
        Path identity = replaceByLink(store.resolve("identity.json"));
        refused(identity, s::queryOwnKeys);
        Path accountData = replaceByLink(new LocalLayout(store).accountDataFile("m.type"));
        refused(accountData, () -> s.getAccountData("m.type"));
    }

    @Test
    void directoryInsideTheStore_isALink_refused() throws Exception {
        Path store = dir.resolve("store");
        LocalStore s = store(store);
        Path shard = replaceByLink(new LocalLayout(store).keyFile("1", ROOM, "a").getParent());
        refused(shard, () -> s.getSessionKey("1", ROOM, "a"));
        refused(shard, () -> s.streamKeys("1", (room, session, data) -> { }));
        Files.delete(shard);
        Files.move(dir.resolve("outside-" + shard.getFileName()), shard);

        Path keys = replaceByLink(store.resolve("versions/1/keys"));
        refused(keys, () -> s.streamKeys("1", (room, session, data) -> { }));
        refused(keys, () -> s.getSessionKey("1", ROOM, "a"));
        Files.delete(keys);
        Files.move(dir.resolve("outside-keys"), keys);

        Path version = replaceByLink(store.resolve("versions/1"));
        refused(version, () -> s.version("1"));
        refused(version, s::currentVersion);
        Files.delete(version);
        Files.move(dir.resolve("outside-1"), version);

        Path accountData = replaceByLink(store.resolve("account_data"));
        refused(accountData, () -> s.getAccountData("m.type"));
    }

    /** A room file of layout 1 (converted when the store is opened) that is a link is refused, not converted. */
    @Test
    void layout1RoomFile_isALink_refused() throws Exception {
        Path store = dir.resolve("store");
        Path from = Path.of("test/vectors/local-store-layout1/store");
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = store.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        Path room = replaceByLink(store.resolve("versions/2/rooms/bIWE6ZXhhbXBsZS5vcmc.json"));
        refused(room, () -> LocalStore.open(store, USER));
        assertTrue(Files.exists(dir.resolve("outside-" + room.getFileName())), "what the link names is left alone");
    }

    /**
     * The conversion of layout 1 goes through the same directories as every read: a {@code rooms/} or {@code keys/}
     * directory that is a link is refused before anything is written, and nothing it names is converted, written
     * or removed.
     */
    @Test
    void layout1RoomsOrKeysDirectory_isALink_refusedAndWhatItNamesLeftAlone() throws Exception {
        for (String inside : List.of("versions/2/rooms", "versions/2/keys")) {
            Path store = dir.resolve("store-" + inside.replace('/', '-'));
            Path from = Path.of("test/vectors/local-store-layout1/store");
            try (Stream<Path> walk = Files.walk(from)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path target = store.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(target);
                    else Files.copy(p, target);
                }
            }
            Files.createDirectories(store.resolve(inside));
            Path outside = dir.resolve("outside-" + store.getFileName());
            Files.move(store.resolve(inside), outside, StandardCopyOption.ATOMIC_MOVE);
            Path link = Files.createSymbolicLink(store.resolve(inside), outside);
            List<Path> before;
            try (Stream<Path> walk = Files.walk(outside)) {
                before = walk.sorted().toList();
            }
            refused(link, () -> LocalStore.open(store, USER));
            try (Stream<Path> walk = Files.walk(outside)) {
                assertEquals(before, walk.sorted().toList(), inside + ": what the link names is left alone");
            }
        }
    }

    @Test
    void theStoresOwnDirectory_mayBeALink() throws Exception {
        Path real = dir.resolve("real-store");
        store(real);
        Path link = Files.createSymbolicLink(dir.resolve("store-link"), real);
        LocalStore s = LocalStore.open(link, USER);
        assertEquals(Json.of(1), s.version("1").get("count"));
        assertEquals("a", marker(s.getSessionKey("1", ROOM, "a").orElseThrow()));
        List<String> seen = new ArrayList<>();
        s.streamKeys("1", (room, session, data) -> seen.add(session));
        assertEquals(List.of("a"), seen);
        s.putSessionKey("1", ROOM, "b", key(false, 0, 0, "b"));
        assertEquals(Json.obj("x", Json.of(1)), s.getAccountData("m.type").orElseThrow());
        try (Stream<Path> top = Files.list(dir)) {
            assertEquals(2, top.count(), "nothing written beside the store");
        }
    }
}
