package keybackup.localstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import keybackup.homeserver.StoreException;

/** The lock of one write: held by one thread of one process at a time; closing it releases both parts. */
final class StoreLock implements AutoCloseable {
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
     * interrupted write (its journal), so every write starts from a complete one.
     */
    static StoreLock take(Path dir, Journal journal) throws StoreException {
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
        try {
            ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            ch.lock();
        } catch (IOException | RuntimeException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // the lock was not taken
            }
            mine.unlock();
            throw new StoreException("local store: cannot lock " + dir.resolve(LOCK_FILE) + " (" + e.getMessage() + ")",
                    e);
        }
        StoreLock held = new StoreLock(mine, ch);
        try {
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
