package keybackup.localstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import keybackup.homeserver.StoreException;

/** The lock of one write: held by one thread of one process at a time; closing it releases both parts. */
final class StoreLock implements LocalStore.Held {
    /** Held (OS file lock) during every write, by any process; its content is unused. */
    static final String LOCK_FILE = "write.lock";

    /**
     * Stores written in this JVM, each with the lock its writers take before the file lock (a file lock is
     * per process).
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> WRITERS = new ConcurrentHashMap<>();

    private final ReentrantLock inProcess;
    private final FileChannel channel; // null when this thread already holds the file lock

    private StoreLock(ReentrantLock inProcess, FileChannel channel) {
        this.inProcess = inProcess;
        this.channel = channel;
    }

    /**
     * Takes the write lock of the store in {@code dir}: first this JVM's lock for the directory, then an OS
     * lock on the file {@value #LOCK_FILE} in it, so writers in other processes wait too; then completes an
     * interrupted write (its journal), so every write starts from a complete one. Before the journal, makes the
     * store's directory owner-only ({@link LocalLayout#makeOwnerOnly}), or fails: nothing is written into a
     * directory others can read.
     */
    static StoreLock take(LocalLayout layout, Journal journal) throws StoreException {
        Path dir = layout.root();
        // keyed by the real path: two spellings of one directory (a symlink, "..") must share one lock, or the
        // second OS lock of this JVM on the same file would fail (OverlappingFileLockException) instead of waiting
        Path key;
        try {
            key = dir.toRealPath();
        } catch (IOException e) {
            throw new StoreException("local store: cannot resolve " + dir + " (" + e.getMessage() + ")", e);
        }
        ReentrantLock mine = WRITERS.computeIfAbsent(key, d -> new ReentrantLock());
        mine.lock();
        if (mine.getHoldCount() > 1) return new StoreLock(mine, null); // a write inside a write of this thread
        FileChannel ch = null;
        Path file = dir.resolve(LOCK_FILE);
        try {
            ch = open(file);
            ch.lock();
        } catch (IOException | RuntimeException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // the lock was not taken
            }
            mine.unlock();
            String why = Files.isSymbolicLink(file)
                    ? "it is a symbolic link, which the store never follows: remove the link" : e.getMessage();
            throw new StoreException("local store: cannot lock " + file + " (" + why + ")", e);
        }
        StoreLock held = new StoreLock(mine, ch);
        try {
            layout.makeOwnerOnly(); // before anything is written: the store's directory is its owner's only
            journal.replay();
        } catch (StoreException | RuntimeException e) {
            try {
                held.close();
            } catch (StoreException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return held;
    }

    /**
     * Opens (creating it owner-only when missing) the lock file, never through a symbolic link: a link planted
     * in its place would otherwise have every writer create or open the file it points to.
     */
    private static FileChannel open(Path file) throws IOException {
        return LocalFiles.openOwnerOnly(file, StandardOpenOption.CREATE);
    }

    @Override
    public void close() throws StoreException {
        try {
            if (channel != null) channel.close(); // releases the OS lock
        } catch (IOException e) {
            throw new StoreException("local store: cannot release the write lock (" + e.getMessage() + ")", e);
        } finally {
            inProcess.unlock();
        }
    }
}
