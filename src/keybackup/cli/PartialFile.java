package keybackup.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import keybackup.internal.AtomicFile;

/**
 * A restore's output while it is written: {@code OUT.partial}, a new owner-only file of this process,
 * renamed to {@code OUT} only when the restore finished ({@link #commit}), removed otherwise
 * ({@link #discard}, also from the interrupt hook). It holds plaintext session keys.
 *
 * <p>From its creation until it has its final name (or is removed), this process holds an exclusive lock on
 * it (an OS lock, released when the process dies, even by SIGKILL). So an existing {@code OUT.partial} found
 * at the start is told apart: locked, another restore is writing (or committing) it now; not locked, it is
 * left over from a restore that was killed, and the message says so and what to do. Nothing found is ever
 * read, used or removed.
 */
final class PartialFile implements AutoCloseable {
    private final Path target;
    private final Path path;
    private final FileChannel channel;
    private boolean committed;
    private boolean discarded;

    private PartialFile(Path target, Path path, FileChannel channel) {
        this.target = target;
        this.path = path;
        this.channel = channel;
    }

    /** The name used for {@code target} while it is written. */
    static Path partialName(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    /**
     * Refuses, with what to do, when {@code OUT.partial} exists: a command checks this before it asks for
     * anything, then {@link #create} checks again.
     */
    static void requireNone(String option, Path target) throws FailedException {
        Path p = partialName(target);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) throw new FailedException(option + ": " + existing(p, target));
    }

    /** Creates and locks {@code OUT.partial}; refuses, with what to do, when one exists. */
    static PartialFile create(String option, Path target) throws FailedException, IOException {
        requireNone(option, target);
        Path p = partialName(target);
        FileChannel ch;
        try {
            ch = UserFiles.newOwnerOnly(p);
        } catch (FileAlreadyExistsException e) { // appeared since the check
            throw new FailedException(option + ": " + existing(p, target));
        } catch (NoSuchFileException e) {
            throw new FailedException(option + ": cannot create " + p);
        }
        try {
            ch.lock();
        } catch (IOException | RuntimeException e) {
            // no lock (a file system without locks): the file is still this process's own
        }
        return new PartialFile(target, p, ch);
    }

    /** What an existing partial file is, and what to do. */
    private static String existing(Path p, Path target) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return p + " exists and is not a regular file; not touching it: remove it or choose another --out";
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock;
            try {
                lock = ch.tryLock(0, Long.MAX_VALUE, true);
            } catch (OverlappingFileLockException e) {
                lock = null; // this JVM holds it: another restore here
            }
            if (lock == null) {
                return "another restore is writing " + p + " now; wait for it to finish, or choose another --out";
            }
            lock.release();
        } catch (IOException e) {
            return p + " exists and cannot be read; it may hold plaintext keys: remove it (or move it) and run again";
        }
        return p
                + " is left over from an interrupted restore; it holds plaintext keys: delete it (or move it away) "
                + "and run again";
    }

    /** The file's name while it is written. */
    Path path() {
        return path;
    }

    /**
     * Writes to the file; closing the stream only flushes it: the file stays open, and locked, until
     * {@link #commit} gave it its final name or {@link #close} removed it.
     */
    OutputStream stream() {
        return new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    /**
     * Renames the written file to the target; never over a file that appeared meanwhile (then the file is
     * kept under its partial name, and the message says where the keys are).
     *
     * <p>The file stays open and locked through the sync and the rename: a restore to the same name started
     * meanwhile is told that this one is writing it, never that it is a leftover to delete.
     */
    void commit(String option) throws FailedException, IOException {
        commit(option, () -> { });
    }

    /** {@link #commit(String)}, running {@code atRename} just before the rename (tests check the lock there). */
    synchronized void commit(String option, Runnable atRename) throws FailedException, IOException {
        if (discarded) throw new FailedException("interrupted");
        channel.force(true); // on disk before its final name says it is complete
        try {
            atRename.run();
            rename();
            committed = true;
        } catch (FileAlreadyExistsException e) {
            committed = true; // the partial file is complete: keep it, under a name that survives a power loss
            AtomicFile.syncDirectory(target.toAbsolutePath().getParent());
            throw new FailedException(option + ": " + target + " appeared while restoring; the restored keys are in "
                    + path);
        }
        AtomicFile.syncDirectory(target.toAbsolutePath().getParent()); // the new name survives a power loss
        closeChannel(); // ends the lock: the file has its final name
    }

    /** Renames the file to the target, while it is open where the platform allows it. */
    private void rename() throws IOException {
        try {
            Files.move(path, target); // without REPLACE_EXISTING: a file that appeared meanwhile is not overwritten
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (IOException e) {
            // A platform that cannot rename an open file: closed first (which ends the lock), then renamed.
            closeChannel();
            Files.move(path, target);
        }
    }

    /** Whether {@link #commit} moved (or kept) the complete file: nothing is left to undo. */
    synchronized boolean committed() {
        return committed;
    }

    /**
     * Removes the file unless it was committed; true when this call removed it. Safe from any thread: the
     * interrupt hook calls it while the restore may still be writing (on POSIX systems the writes then go
     * to the removed file; the channel is closed only where a file cannot be removed while open).
     */
    synchronized boolean discard() {
        if (committed || discarded) return false;
        discarded = true;
        try {
            return Files.deleteIfExists(path);
        } catch (IOException e) {
            closeChannel();
            try {
                return Files.deleteIfExists(path);
            } catch (IOException again) {
                return false;
            }
        }
    }

    /** Removes the file unless it was committed, and closes it. */
    @Override
    public void close() {
        discard();
        closeChannel();
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing more to do: the file is committed or removed
        }
    }
}
