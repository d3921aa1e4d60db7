package keybackup.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** The CLI's temporary files: created readable and writable by their owner only. */
final class TempFiles {
    private TempFiles() {}

    /**
     * A new empty file named {@code prefix…}{@code .tmp}, owner-only (rw-------) where the file system has POSIX
     * permissions, elsewhere with the platform's own default for temporary files. Removing it is the caller's job.
     *
     * @param dir where; null for {@code java.io.tmpdir}
     */
    static Path createOwnerOnly(Path dir, String prefix) throws IOException {
        FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        try {
            return dir == null ? Files.createTempFile(prefix, ".tmp", ownerOnly)
                    : Files.createTempFile(dir, prefix, ".tmp", ownerOnly);
        } catch (UnsupportedOperationException e) { // not POSIX: the platform's own default for temporary files
            return dir == null ? Files.createTempFile(prefix, ".tmp") : Files.createTempFile(dir, prefix, ".tmp");
        }
    }
}
