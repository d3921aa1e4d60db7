package keybackup.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import keybackup.internal.AtomicFile;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Files the user names on the command line: key files read with a size cap, JSON files, and new files only
 * their owner can read (keys, restored session keys), never written over an existing file. Each failure is a
 * {@link FailedException} that names the option.
 */
final class UserFiles {
    private UserFiles() {}

    /** Largest key file accepted (recovery key, base64 key, seed): a key is under 100 bytes. */
    static final int MAX_KEY_FILE = 4096;

    /**
     * Reads a key file of at most {@link #MAX_KEY_FILE} bytes (never more is read), with a clear error if it is
     * missing.
     */
    static String readTextFile(String option, String path) throws FailedException, IOException {
        try (InputStream file = Files.newInputStream(Path.of(path))) {
            byte[] b = file.readNBytes(MAX_KEY_FILE + 1);
            if (b.length > MAX_KEY_FILE) {
                throw new FailedException(option + ": file is over " + MAX_KEY_FILE
                        + " bytes; a key file holds one key");
            }
            return new String(b, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new FailedException(option + ": no such file: " + path);
        } catch (IOException e) {
            throw unreadable(option, path, e);
        }
    }

    /** Reads a JSON file of at most {@link Io#MAX_INPUT} bytes, the cap on stdin (never more is read). */
    static Json readJsonFile(String option, String path) throws FailedException, IOException {
        try {
            return JsonReader.parse(readCapped(option, path, Io.MAX_INPUT, "a JSON file"));
        } catch (JsonException e) {
            throw new FailedException(option + ": " + e.getMessage());
        }
    }

    /**
     * The bytes of a file of at most {@code max} bytes (never more is read); a larger one is refused with an
     * error naming the option, the file and the limit for {@code what}. The caller wipes the bytes of a secret.
     */
    static byte[] readCapped(String option, String path, int max, String what) throws FailedException, IOException {
        try (InputStream file = Files.newInputStream(Path.of(path))) {
            byte[] b = file.readNBytes(max + 1);
            if (b.length > max) {
                Arrays.fill(b, (byte) 0);
                throw new FailedException(option + ": " + path + ": file is over the limit of " + max + " bytes for "
                        + what);
            }
            return b;
        } catch (NoSuchFileException e) {
            throw new FailedException(option + ": no such file: " + path);
        } catch (IOException e) {
            throw unreadable(option, path, e);
        }
    }

    /**
     * The error for a file option whose path exists but cannot be read as a file: names the option, the path and
     * why (a directory given by mistake, no permission), not the JDK's bare "Is a directory".
     */
    static FailedException unreadable(String option, String path, IOException e) {
        String why = Files.isDirectory(Path.of(path)) ? "a directory, not a file"
                : e instanceof AccessDeniedException ? "permission denied" : "cannot read it (" + e.getMessage() + ")";
        return new FailedException(option + ": " + path + ": " + why);
    }

    /** The first line of a key file, trimmed. */
    static String firstLine(String option, String path) throws FailedException, IOException {
        String text = readTextFile(option, path);
        int nl = text.indexOf('\n');
        String line = (nl >= 0 ? text.substring(0, nl) : text).trim();
        if (line.isEmpty()) throw new FailedException(option + ": file is empty: " + path);
        return line;
    }

    /**
     * Creates a new file readable only by its owner and writes {@code content}, on disk before it returns (a key
     * file must not be lost in a crash that keeps what it unlocks, so its directory is synced too); refuses to
     * overwrite an existing file.
     */
    static void writeSecretFile(String option, String path, String content) throws FailedException, IOException {
        Path p = Path.of(path);
        try (FileChannel ch = create(option, p)) {
            ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        AtomicFile.syncDirectory(p.toAbsolutePath().getParent()); // the file's name, not only its bytes
    }

    /**
     * Opens a new file (CREATE_NEW: never an existing file, never through a symbolic link left in its
     * place) that only its owner can read, for keys and for restored session keys.
     */
    static OutputStream createOwnerOnly(String option, Path p) throws FailedException, IOException {
        return Channels.newOutputStream(create(option, p));
    }

    private static FileChannel create(String option, Path p) throws FailedException, IOException {
        try {
            return newOwnerOnly(p);
        } catch (FileAlreadyExistsException e) {
            throw new FailedException(option + ": file exists, not overwriting it: " + p);
        } catch (NoSuchFileException e) {
            throw new FailedException(option + ": cannot create " + p);
        }
    }

    /**
     * A new file (CREATE_NEW, so never an existing file nor a link in its place), readable and writable by its
     * owner only where the file system has POSIX permissions; the caller maps the exceptions to its messages.
     */
    static FileChannel newOwnerOnly(Path p) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            return FileChannel.open(p, options, PosixFilePermissions.asFileAttribute(Set.of(
                    PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(p, options); // not a POSIX file system
        }
    }
}
