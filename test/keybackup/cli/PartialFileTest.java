package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore's {@code OUT.partial}: locked by this process from its creation until it has its final name, so
 * another restore never calls a file that is being committed a leftover to delete.
 */
@Timeout(60)
class PartialFileTest {
    @TempDir
    Path dir;

    /** Writes {@code text} the way restore does: through {@link PartialFile#stream}, which it then closes. */
    private static PartialFile written(Path out, String text) throws Exception {
        PartialFile p = PartialFile.create("--out", out);
        try (OutputStream s = p.stream()) {
            s.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    /** Whether this JVM holds a lock on {@code p} (another channel's tryLock then overlaps it). */
    private static boolean lockedHere(Path p) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
            assertNotNull(lock, "held by another process");
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    @Test
    void commit_theFileIsStillLockedAtTheRename_soAnotherRestoreSaysItIsBeingWritten() throws Exception {
        Path out = dir.resolve("keys.json");
        Path partial = PartialFile.partialName(out);
        AtomicReference<String> told = new AtomicReference<>();
        AtomicBoolean locked = new AtomicBoolean();
        try (PartialFile p = written(out, "[1, 2, 3]")) {
            p.commit("--out", () -> {
                try {
                    assertTrue(Files.exists(partial) && !Files.exists(out), "just before the rename");
                    // What a second `restore --out OUT` started now is told (it checks the lock the same way).
                    told.set(assertThrows(FailedException.class, () -> PartialFile.requireNone("--out", out))
                            .getMessage());
                    locked.set(lockedHere(partial));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        assertEquals("--out: another restore is writing " + partial + " now; wait for it to finish, or choose "
                + "another --out", told.get(), "never 'left over from an interrupted restore: delete it'");
        assertTrue(locked.get(), "the lock is held until the file has its final name");
        assertEquals("[1, 2, 3]", Files.readString(out));
        assertFalse(Files.exists(partial));
        assertFalse(lockedHere(out), "released once committed");
    }

    @Test
    void commit_whileAnInterruptDiscards_theDiscardWaitsAndRemovesNothing() throws Exception {
        Path out = dir.resolve("keys.json");
        CompletableFuture<Boolean> discarded = new CompletableFuture<>();
        try (PartialFile p = written(out, "[]")) {
            p.commit("--out", () -> {
                Thread hook = new Thread(() -> discarded.complete(p.discard()));
                hook.start();
                while (hook.getState() != Thread.State.BLOCKED) Thread.onSpinWait(); // waits for commit
            });
            assertFalse(discarded.get(), "the interrupt hook found the file committed");
            assertTrue(p.committed());
        }
        assertEquals("[]", Files.readString(out));
    }

    @Test
    void commit_targetAppearedMeanwhile_keepsTheCompletePartialFileAndSaysWhere() throws Exception {
        Path out = dir.resolve("keys.json");
        Path partial = PartialFile.partialName(out);
        PartialFile p = written(out, "[4]");
        FailedException e = assertThrows(FailedException.class, () -> p.commit("--out", () -> {
            try {
                Files.writeString(out, "someone else's");
            } catch (java.io.IOException io) {
                throw new AssertionError(io);
            }
        }));
        assertEquals("--out: " + out + " appeared while restoring; the restored keys are in " + partial,
                e.getMessage());
        p.close();
        assertEquals("[4]", Files.readString(partial), "the complete export is kept");
        assertEquals("someone else's", Files.readString(out), "never overwritten");
        assertFalse(lockedHere(partial), "released at close");
    }

    @Test
    void commit_afterADiscard_refusesAndLeavesNothing() throws Exception {
        Path out = dir.resolve("keys.json");
        try (PartialFile p = written(out, "[5]")) {
            assertTrue(p.discard());
            assertEquals("interrupted", assertThrows(FailedException.class, () -> p.commit("--out")).getMessage());
        }
        assertFalse(Files.exists(out) || Files.exists(PartialFile.partialName(out)));
    }
}
