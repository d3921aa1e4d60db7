package keybackup.homeserver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * File helpers of {@link LocalStore}: safe file names for arbitrary identifiers, atomic JSON writes,
 * strict JSON reads.
 */
final class LocalFiles {
    private LocalFiles() {}

    /** Suffix of every data file; temporary files end in {@link #TEMP_SUFFIX} and are ignored by readers. */
    static final String SUFFIX = ".json";
    static final String TEMP_SUFFIX = ".tmp";
    /** Longest encoded name kept readable; longer identifiers are named by their SHA-256. */
    private static final int MAX_READABLE_NAME = 200;

    /**
     * A file name for any identifier (room ID, account-data type): {@code b} + unpadded base64url of its UTF-8
     * when that fits in {@value #MAX_READABLE_NAME} characters, else {@code h} + hex SHA-256. Neither form can
     * contain a path separator, be a dot segment, or collide with the other; the identifier itself is kept
     * inside the file where it must be read back.
     */
    static String fileName(String identifier) {
        byte[] utf8 = identifier.getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8);
        if (b64.length() <= MAX_READABLE_NAME) return "b" + b64 + SUFFIX;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(utf8);
            StringBuilder sb = new StringBuilder("h");
            for (byte b : digest) sb.append(String.format("%02x", b & 0xff));
            return sb.append(SUFFIX).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /**
     * Writes {@code value} as canonical JSON so that readers see either the old or the new file, never a
     * partial one: a temporary file in the same directory, fsync, atomic rename, then fsync of the directory
     * (best effort: not every platform can open a directory).
     */
    static void write(Path target, Json value) throws StoreException {
        Path dir = target.getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, ".", TEMP_SUFFIX);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(CanonicalJson.encode(value));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            syncDirectory(dir);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StoreException("local store: file system cannot rename atomically in " + dir, e);
        } catch (IOException e) {
            throw new StoreException("local store: cannot write " + target + " (" + e.getMessage() + ")", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a stray *.tmp file is ignored by every reader
                }
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the rename is atomic either way; only its durability after power loss is weaker
        }
    }

    /** The JSON object in {@code file}, or empty when the file does not exist. */
    static Optional<Json.Obj> read(Path file, long maxBytes) throws StoreException {
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            // never more than the limit is read, whatever the file claims to be (a device, a growing file)
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) throw new StoreException("local store: " + file + " is over " + maxBytes + " bytes");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("local store: cannot read " + file + " (" + e.getMessage() + ")", e);
        }
        try {
            if (JsonReader.parse(bytes, maxBytes) instanceof Json.Obj o) return Optional.of(o);
            throw new StoreException("local store: " + file + " does not hold a json object");
        } catch (JsonException e) {
            throw new StoreException("local store: " + file + " is corrupt: " + e.getMessage(), e);
        }
    }

    /** Deletes {@code path} and everything under it; absent is fine. */
    static void deleteTree(Path path) throws StoreException {
        try {
            if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
                    for (Path child : children) deleteTree(child);
                }
            }
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new StoreException("local store: cannot delete " + path + " (" + e.getMessage() + ")", e);
        }
    }
}
