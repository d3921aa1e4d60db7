package keybackup.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file so that readers see either the old or the new content, never a partial one: a new
 * temporary file in the same directory, created exclusively under an unpredictable name (never an existing
 * file or a planted symlink; owner-only where the file system has POSIX permissions), all bytes forced to
 * disk, an atomic rename over the target, then the directory forced (best effort: not every platform can
 * open a directory). On failure the temporary file is removed; one left by a killed process is named
 * {@code .<file name><random>.tmp}, which readers of a directory of {@code .json} files skip.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Suffix of the temporary files. */
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int SLICE = 64 * 1024; // bytes per write call

    /**
     * Writes {@code content} to {@code target}, whose directory must exist.
     *
     * @throws java.nio.file.AtomicMoveNotSupportedException the file system cannot rename atomically
     * @throws IOException any other failure; the target is then unchanged
     */
    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName(), TEMP_SUFFIX);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                // In slices: the JDK copies a heap buffer through a direct one of the same size, and keeps that
                // one for the thread's later writes, outside the heap (a migration's entries file is tens of MB).
                for (int off = 0; off < content.length; off += SLICE) {
                    ByteBuffer buf = ByteBuffer.wrap(content, off, Math.min(SLICE, content.length - off));
                    while (buf.hasRemaining()) ch.write(buf);
                }
                ch.force(true); // on disk before the rename makes it the file
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            syncDirectory(dir);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a stray temporary file is skipped by every reader
                }
            }
        }
    }

    /**
     * Forces {@code dir} to disk, so that a rename or a deletion in it survives a power loss; best effort (not
     * every platform can open a directory).
     *
     * @param dir the directory
     */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the rename is atomic either way; only its durability after power loss is weaker
        }
    }
}
