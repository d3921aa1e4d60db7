package keybackup.localstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import keybackup.homeserver.StoreException;
import keybackup.internal.AtomicFile;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * File helpers of {@link LocalStore}: safe file names for arbitrary identifiers, atomic JSON writes (one
 * file, or a batch of files with their fsyncs done together), strict JSON reads.
 */
final class LocalFiles {
    private LocalFiles() {}

    /** Suffix of every data file; temporary files start with a dot, end in {@link #TEMP_SUFFIX}; readers skip them. */
    static final String SUFFIX = ".json";
    static final String TEMP_SUFFIX = ".tmp";
    /** Largest data file read back (all but the journal and layout 1's room files). */
    static final long MAX_FILE_BYTES = JsonReader.DEFAULT_MAX_BYTES;
    /** Longest encoded name kept readable; longer identifiers are named by their SHA-256. */
    private static final int MAX_READABLE_NAME = 200;
    /** Threads that fsync one batch's files: a file system commits concurrent fsyncs together. */
    private static final int SYNC_THREADS = 8;

    /**
     * A file name for any identifier (account-data type; a room ID in the old layout): {@code b} + unpadded
     * base64url of its UTF-8 when that fits in {@value #MAX_READABLE_NAME} characters, else {@code h} + hex
     * SHA-256. Neither form can contain a path separator, be a dot segment, or collide with the other; the
     * identifier itself is kept inside the file where it must be read back.
     */
    static String fileName(String identifier) {
        byte[] utf8 = identifier.getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(utf8);
        if (b64.length() <= MAX_READABLE_NAME) return "b" + b64 + SUFFIX;
        return "h" + hex(sha256(utf8)) + SUFFIX;
    }

    /** One SHA-256 per thread: every read and write of a key hashes its name, and a lookup costs more than a hash. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    });

    static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data); // digest() resets it for the next use
    }

    static String hex(byte[] bytes) {
        byte[] digits = new byte[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            digits[2 * i] = HEX_DIGITS[(bytes[i] >> 4) & 0xf];
            digits[2 * i + 1] = HEX_DIGITS[bytes[i] & 0xf];
        }
        return new String(digits, StandardCharsets.US_ASCII);
    }

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * Writes {@code value} as canonical JSON so that readers see either the old or the new file, never a
     * partial one: a temporary file in the same directory, fsync, atomic rename, then fsync of the directory
     * (best effort: not every platform can open a directory).
     */
    static void write(Path target, Json value) throws StoreException {
        writeAll(List.of(new Write(target, value)));
    }

    /** One file of a batch: {@code value} null deletes {@code target}. */
    record Write(Path target, Json value) {}

    /**
     * Writes (or deletes) every file of {@code writes}, each atomically as {@link #write} does, with the
     * work of a batch done together and several files at once (a file system commits concurrent creations
     * and fsyncs together): each file is written to its temporary file, fsynced and renamed (or deleted),
     * then every directory touched is fsynced once. A crash leaves each file old or new; which of them are
     * new is for the caller's journal to settle.
     */
    static void writeAll(Collection<Write> writes) throws StoreException {
        List<Write> items = List.copyOf(writes);
        Set<Path> dirs = new LinkedHashSet<>();
        for (Write w : items) dirs.add(w.target().getParent());
        boolean[] settled = new boolean[items.size()]; // no temporary file of the item is left
        ExecutorService pool = items.size() <= 1 ? null : Executors.newFixedThreadPool(Math.min(SYNC_THREADS,
                items.size()), r -> {
            Thread t = new Thread(r, "local-store-write");
            t.setDaemon(true);
            return t;
        });
        try {
            inParallel(pool, items.size(), i -> {
                Write w = items.get(i);
                if (w.value() == null) {
                    settled[i] = true;
                    Files.deleteIfExists(w.target());
                    return;
                }
                Path temp = temp(w.target());
                try (FileChannel ch = openTemp(temp)) {
                    ByteBuffer buf = ByteBuffer.wrap(CanonicalJson.encode(w.value()));
                    while (buf.hasRemaining()) ch.write(buf);
                    ch.force(true);
                }
                move(temp, w.target());
                settled[i] = true;
            });
            List<Path> dirList = new ArrayList<>(dirs);
            inParallel(pool, dirList.size(), i -> syncDirectory(dirList.get(i)));
        } catch (IOException e) {
            throw new StoreException("local store: cannot write " + (items.size() == 1
                    ? items.get(0).target()
                    : items.size() + " files in " + dirs.iterator().next()) + " (" + e.getMessage() + ")", e);
        } finally {
            if (pool != null) pool.shutdownNow();
            for (int i = 0; i < items.size(); i++) {
                if (settled[i]) continue;
                try {
                    Files.deleteIfExists(temp(items.get(i).target()));
                } catch (IOException ignored) {
                    // a stray temporary file is ignored by every reader
                }
            }
        }
    }

    /** The temporary file of {@code target}: {@code .<name>.tmp} beside it. */
    private static Path temp(Path target) {
        return target.resolveSibling("." + target.getFileName() + TEMP_SUFFIX);
    }

    /** One step of {@link #writeAll} for item {@code i}. */
    private interface Step {
        void run(int i) throws IOException, StoreException;
    }

    /**
     * Runs {@code step} for 0 … n−1 on {@code pool} (in this thread when null), and waits for all: each of
     * the pool's threads takes the next item until none is left, so a batch costs a task per thread, not per item.
     */
    private static void inParallel(ExecutorService pool, int n, Step step) throws IOException, StoreException {
        if (pool == null || n <= 1) {
            for (int i = 0; i < n; i++) step.run(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<Void>> done = new ArrayList<>();
        for (int t = 0; t < Math.min(SYNC_THREADS, n); t++) {
            done.add(pool.submit(() -> {
                Exception failed = null; // a failed item does not stop the others, as on one thread
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    try {
                        step.run(i);
                    } catch (IOException | StoreException | RuntimeException e) {
                        if (failed == null) failed = e;
                    }
                }
                if (failed != null) throw failed;
                return null;
            }));
        }
        Exception first = null;
        boolean interrupted = false;
        for (Future<Void> f : done) { // every step ends before this returns: none runs on after a failure is reported
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (first == null) first = e.getCause() instanceof Exception x ? x : new IOException(e.getCause());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    next.set(n); // no item starts after the interruption; those under way end before this returns
                    if (first == null) first = new IOException("interrupted while writing files", e);
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (first instanceof IOException io) throw io;
        if (first instanceof StoreException se) throw se;
        if (first instanceof RuntimeException re) throw re;
        if (first != null) throw new IOException(first);
    }

    /**
     * Creates {@code .<target name>.tmp} beside {@code target}, new (CREATE_NEW, never through a symbolic
     * link) and owner-only, making its directory (owner-only) when it is missing. Every writer holds the
     * store's write lock, so the name is its own: whatever is found there (a file a crash left, a link
     * planted in its place) is removed, never followed, and the file made anew.
     */
    private static FileChannel openTemp(Path temp) throws IOException {
        try {
            return createNew(temp);
        } catch (FileAlreadyExistsException e) {
            Files.delete(temp); // a link itself, not what it points to
            return createNew(temp);
        } catch (NoSuchFileException e) {
            LocalLayout.createOwnerOnly(temp.getParent());
            syncDirectory(temp.getParent().getParent());
            return createNew(temp);
        }
    }

    private static FileChannel createNew(Path file) throws IOException {
        return openOwnerOnly(file, StandardOpenOption.CREATE_NEW);
    }

    /**
     * Opens {@code file} for writing, never through a symbolic link, creating it owner-only as {@code create}
     * says ({@code CREATE} or {@code CREATE_NEW}).
     */
    static FileChannel openOwnerOnly(Path file, StandardOpenOption create) throws IOException {
        Set<OpenOption> options = Set.of(create, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            return FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(LocalLayout.OWNER_ONLY_FILE));
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(file, options); // not a POSIX file system
        }
    }

    private static void move(Path temp, Path target) throws StoreException, IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StoreException("local store: file system cannot rename atomically in " + target.getParent(), e);
        }
    }

    /** Deletes {@code file} (absent is fine) and fsyncs its directory, so the deletion survives a crash. */
    static void deleteDurably(Path file) throws StoreException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StoreException("local store: cannot delete " + file + " (" + e.getMessage() + ")", e);
        }
        syncDirectory(file.getParent());
    }

    /** Forces {@code dir} to disk: the one rule for that lives in {@link AtomicFile#syncDirectory}. */
    static void syncDirectory(Path dir) {
        AtomicFile.syncDirectory(dir);
    }

    /**
     * The JSON object in {@code file}, or empty when the file does not exist. The file is opened without
     * following a symbolic link ({@link #linkRefused}); its directories are the caller's to check
     * ({@link LocalLayout#requireNoLinks}).
     */
    static Optional<Json.Obj> read(Path file, long maxBytes) throws StoreException {
        byte[] bytes;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            bytes = readCapped(in, (int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) throw new StoreException("local store: " + file + " is over " + maxBytes
                    + " bytes");
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Files.isSymbolicLink(file)) throw linkRefused(file);
            throw new StoreException("local store: cannot read " + file + " (" + e.getMessage() + ")", e);
        }
        try {
            if (JsonReader.parse(bytes, maxBytes) instanceof Json.Obj o) return Optional.of(o);
            throw new StoreException("local store: " + file + " does not hold a json object");
        } catch (JsonException e) {
            throw new StoreException("local store: " + file + " is corrupt: " + e.getMessage(), e);
        }
    }

    /**
     * The bytes of {@code in} up to its end or {@code cap} bytes, whichever comes first: never more than the
     * cap is read, whatever the file claims to be (a device, a growing file). The buffer has the size the file
     * claims, so a key file is read in one call and without copies; its end is where the file claims it is,
     * or where a read finds it.
     */
    private static byte[] readCapped(FileChannel in, int cap) throws IOException {
        long claimed = in.size();
        byte[] buf = new byte[(int) Math.max(1, Math.min(cap, claimed))];
        int n = 0;
        while (n == 0 || n != claimed) {
            if (n == buf.length) {
                if (n == cap) break;
                buf = Arrays.copyOf(buf, (int) Math.min(cap, Math.max(8192, 2L * n)));
            }
            int read = in.read(ByteBuffer.wrap(buf, n, buf.length - n));
            if (read < 0) break;
            n += read;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    /**
     * Whether {@code e} (or a cause of it) is the file system refusing a write: permission denied, a read-only
     * file system, or an operation not permitted (an immutable file, a file of another owner).
     */
    static boolean writeRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AccessDeniedException) return true;
            if (t instanceof FileSystemException f && f.getReason() != null
                    && (f.getReason().contains("Read-only file system") || f.getReason().contains("not permitted"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error for a symbolic link met inside the store: never followed, since a link could make the store
     * read (and answer with) or write a file anywhere. Only the store's own directory may be a link.
     */
    static StoreException linkRefused(Path link) {
        return new StoreException("local store: " + link + " is a symbolic link, which the store does not follow "
                + "inside its directory: put the file or directory itself there (only the store's own directory, "
                + "--store DIR, may be a link)");
    }

    /** Deletes {@code path} and everything under it; absent is fine. */
    static void deleteTree(Path path) throws StoreException {
        try {
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
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
