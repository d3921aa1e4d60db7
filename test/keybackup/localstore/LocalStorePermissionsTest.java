package keybackup.localstore;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local store keeps its files to their owner: every directory it creates is rwx------, every file rw-------
 * (whatever the umask), a store directory open to others is made owner-only, and a symbolic link planted where
 * it writes (its lock file, a temporary file) is never followed.
 */
class LocalStorePermissionsTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void newStore_everyDirectoryAndFileItCreates_ownerOnly() throws Exception {
        Path dir = tmp.resolve("store"); // created by open, under the test's umask (022 or 002 as a rule)
        LocalStore s = LocalStore.open(dir, USER);
        String v = s.createVersion(ALGORITHM, authData("k"));
        s.putSessionKey(v, ROOM, "s", key(false, 0, 0, "a"));
        s.putAccountData("m.x", Json.obj("a", Json.of(1)));
        s.publishIdentity(Json.obj("device_keys", Json.obj()));
        s.createVersion(ALGORITHM, authData("k2"));
        s.deleteVersion("2");
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.forEach(all::add);
        }
        int files = 0;
        for (Path p : all) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                assertEquals("rwx------", mode(p), p.toString());
            } else {
                files++;
                assertEquals("rw-------", mode(p), p.toString());
            }
        }
        assertTrue(files >= 8, "store.json, write.lock, identity, account data, info, state, a key, a tombstone");
        assertTrue(Files.exists(dir.resolve(StoreLock.LOCK_FILE)));
    }

    @Test
    void existingStoreDirectoryOpenToOthers_madeOwnerOnlyOnOpenAndAgainOnWrite() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("store"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalStore s = LocalStore.open(dir, USER);
        assertEquals("rwx------", mode(dir));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwx---"));
        s.putAccountData("m.x", Json.obj("a", Json.of(1)));
        assertEquals("rwx------", mode(dir), "a write never goes into a directory the group can read");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x---r-x"));
        LocalStore.open(dir, USER);
        assertEquals("r-x------", mode(dir), "only the others' bits go: the owner's are kept as they are");
    }

    @Test
    void lockFileReplacedByASymbolicLink_writeRefusedAndTheTargetNeverCreated() throws Exception {
        Path dir = tmp.resolve("store");
        LocalStore s = LocalStore.open(dir, USER);
        s.putAccountData("m.x", Json.obj("a", Json.of(1)));
        Path victim = tmp.resolve("victim");
        Files.delete(dir.resolve(StoreLock.LOCK_FILE));
        Files.createSymbolicLink(dir.resolve(StoreLock.LOCK_FILE), victim);
        StoreException e = assertThrows(StoreException.class, () -> s.putAccountData("m.x", Json.obj("a",
                Json.of(2))));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "nothing created through the link");
        assertEquals(Json.obj("a", Json.of(1)), s.getAccountData("m.x").orElseThrow(), "nothing written");
        Files.delete(dir.resolve(StoreLock.LOCK_FILE)); // what the message says to do
        s.putAccountData("m.x", Json.obj("a", Json.of(2)));
        assertEquals(Json.obj("a", Json.of(2)), s.getAccountData("m.x").orElseThrow());
    }

    @Test
    void temporaryFileReplacedByASymbolicLink_linkRemovedNotFollowed() throws Exception {
        Path dir = tmp.resolve("store");
        LocalStore s = LocalStore.open(dir, USER);
        Path target = new LocalLayout(dir).accountDataFile("m.x");
        Path temp = target.resolveSibling("." + target.getFileName() + LocalFiles.TEMP_SUFFIX);
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        Files.createSymbolicLink(temp, victim);
        s.putAccountData("m.x", Json.obj("a", Json.of(1)));
        assertEquals("precious", Files.readString(victim), "the file the link pointed to is untouched");
        assertFalse(Files.isSymbolicLink(target), "the data file is a file of the store, not the planted link");
        assertEquals("rw-------", mode(target));
        assertFalse(Files.exists(temp, LinkOption.NOFOLLOW_LINKS));
        assertEquals(Json.obj("a", Json.of(1)), s.getAccountData("m.x").orElseThrow());
    }
}
