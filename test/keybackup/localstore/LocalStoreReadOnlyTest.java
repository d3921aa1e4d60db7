package keybackup.localstore;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import keybackup.homeserver.StoreException;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that cannot be written (read-only media, another user's copy) with the journal of a write a crash
 * interrupted: every read must complete that write first, which needs write access. The error says so, and
 * what to run. Read-only is made with the modes (as a user) or, where the modes do not stop the writer (root),
 * with the immutable attribute ({@code chattr +i}); the test is skipped only when neither is possible.
 */
class LocalStoreReadOnlyTest {
    @TempDir
    Path dir;

    @Test
    void read_readOnlyStoreWithLeftoverJournal_saysAWriteIsUnfinishedAndWhatToRun() throws Exception {
        Path store = dir.resolve("store");
        LocalStore s = LocalStore.open(store, USER);
        s.createVersion(ALGORITHM, authData("k"));
        s.putSessionKey("1", ROOM, "a", key(false, 0, 0, "a"));
        Json.Obj journal = Json.obj("clear", Json.of(false), "keys", Json.arr(List.of(Json.arr(List.of(Json.of(ROOM),
                Json.of("b"), key(false, 0, 0, "b"))))), "state", Json.obj("count", Json.of(2), "etag", Json.of("2")),
                "version", Json.of("1"));
        Path journalFile = Files.write(store.resolve(Journal.JOURNAL_FILE), CanonicalJson.encode(journal));
        Path lock = store.resolve(StoreLock.LOCK_FILE);
        assertTrue(Files.exists(lock));
        boolean immutable = false;
        Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("r--------"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("r-x------"));
        try {
            if (Files.isWritable(store)) { // root: the modes do not stop it
                immutable = chattr("+i", lock, store);
                assumeTrue(immutable, "neither the modes nor chattr +i make the store read-only here");
            }
            StoreException e = assertThrows(StoreException.class, () -> LocalStore.open(store, USER));
            String m = e.getMessage();
            assertTrue(m.startsWith("local store: " + store + " has an unfinished write (" + journalFile), m);
            assertTrue(m.contains("needs write access to the store"), m);
            assertTrue(m.contains("run keybackup status --user " + USER + " --store " + store), m);
            StoreException read = assertThrows(StoreException.class, () -> s.version("1"));
            assertEquals(m, read.getMessage(), "every read says the same");
            assertTrue(Files.exists(journalFile), "the journal is kept for a run that can complete it");
        } finally {
            if (immutable) chattr("-i", lock, store);
            Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-------"));
        }
        assertEquals(Json.of(2), LocalStore.open(store, USER).version("1").get("count"), "writable again: completed");
    }

    private static boolean chattr(String change, Path... paths) throws Exception {
        for (Path p : paths) {
            Process chattr;
            try {
                chattr = new ProcessBuilder("chattr", change, p.toString()).redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                return false; // no chattr
            }
            chattr.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (chattr.waitFor() != 0) return false;
        }
        return true;
    }
}
