package keybackup.localstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;

/**
 * Paths of {@link LocalStore}'s directory (layout in its class doc), its layout marker {@code store.json} and
 * the shard directories of a version's keys. Security property: versions must be canonical decimal numbers
 * and identifiers become names by {@link LocalFiles#fileName} or a SHA-256, so no input can name a path
 * outside the store.
 */
final class LocalLayout {
    /** The layout this code reads and writes (the first one kept keys in room files; see LocalStore's doc). */
    static final long LAYOUT = 2;
    static final String LAYOUT_FILE = "store.json";
    /**
     * Highest version number: 2^53−1, the largest integer of canonical JSON, so every number fits a JSON
     * integer and {@code highest + 1} cannot overflow. A directory with a larger number is corrupt.
     */
    static final long MAX_VERSION = Json.MAX_INTEGER;
    /** A version directory's name: a canonical decimal number (no sign, no leading zero), at most 16 digits. */
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,15}");
    /** A shard directory of {@code keys/}: two lowercase hex digits. */
    static final Pattern SHARD = Pattern.compile("[0-9a-f]{2}");
    /** A key file: 64 lowercase hex digits (the key's SHA-256 name) and {@code .json}. */
    static final Pattern KEY_FILE = Pattern.compile("[0-9a-f]{64}\\.json");
    /** Directory of a version holding its keys, in shards. */
    static final String KEYS = "keys";
    /** Directory of a version holding its keys in the first layout (one file per room); migrated when opened. */
    static final String OLD_ROOMS = "rooms";

    private final Path dir;

    LocalLayout(Path dir) {
        this.dir = dir;
    }

    Path root() {
        return dir;
    }

    /**
     * Creates the store's directory with {@code versions/} and {@code account_data/} in it, when missing, each
     * owner-only; then makes an existing store directory owner-only where it can ({@link #makeOwnerOnly}): a
     * store it cannot change (read-only media, another user's) still opens for reading.
     */
    void createDirectories() throws StoreException {
        try {
            createOwnerOnly(dir.resolve("versions"));
            createOwnerOnly(dir.resolve("account_data"));
        } catch (IOException e) {
            throw new StoreException("local store: cannot create " + dir + " (" + e.getMessage() + ")", e);
        }
        try {
            makeOwnerOnly();
        } catch (StoreException e) {
            // refused at the first write instead (StoreLock.take): reading exposes nothing new
        }
    }

    /** Read, write and search by the owner only: the mode of every directory the store creates. */
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    /** Read and write by the owner only: the mode of every file the store creates. */
    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    /**
     * Creates {@code d} and its missing parents, each new one owner-only where the file system has POSIX
     * permissions (the umask can only narrow a mode given at creation); existing ones are left as they are.
     */
    static void createOwnerOnly(Path d) throws IOException {
        try {
            Files.createDirectories(d, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(d); // not a POSIX file system
        }
    }

    /**
     * Makes the store's directory owner-only when the group or others have any permission on it (it holds
     * key backups and account data: the files in it are then out of their reach whatever their own modes).
     * Nothing to do on a file system without POSIX permissions.
     *
     * @throws StoreException the directory is open to others and its mode cannot be changed; says what to do
     */
    void makeOwnerOnly() throws StoreException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        if (view == null) return;
        Set<PosixFilePermission> mode;
        try {
            mode = view.readAttributes().permissions();
        } catch (IOException e) {
            throw new StoreException("local store: cannot read the permissions of " + dir + " (" + e.getMessage()
                    + ")", e);
        }
        Set<PosixFilePermission> owner = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : mode) if (OWNER_ONLY_DIR.contains(p)) owner.add(p);
        if (owner.equals(mode)) return;
        try {
            view.setPermissions(owner);
        } catch (IOException | SecurityException e) {
            throw new StoreException("local store: " + dir + " is open to other users ("
                    + PosixFilePermissions.toString(mode) + ") and cannot be made owner-only (" + e.getMessage()
                    + "); as its owner run chmod go= on it, or copy the store to a directory of yours", e);
        }
    }

    /**
     * Refuses ({@link LocalFiles#linkRefused}) when {@code p}, or a directory between the store's directory and
     * it, is a symbolic link: what the store reads or goes through inside its directory is never a link (the
     * store's directory itself may be one). One {@code lstat} per level; absent paths pass.
     *
     * @param p a path inside the store, made from {@link #root()}
     */
    void requireNoLinks(Path p) throws StoreException {
        if (!p.startsWith(dir)) throw new IllegalArgumentException("not inside the store: " + p);
        for (Path q = p; q != null && !q.equals(dir); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) throw LocalFiles.linkRefused(q);
        }
    }

    /** {@code store.json} when there is one, checked to name layout 2: any other is refused. */
    Optional<Json.Obj> marker() throws StoreException {
        Path file = dir.resolve(LAYOUT_FILE);
        Optional<Json.Obj> marker = LocalFiles.read(file, LocalFiles.MAX_FILE_BYTES);
        if (marker.isPresent()) {
            if (!(marker.get().get("layout") instanceof Json.Int n) || n.value() < 1) {
                throw new StoreException("local store: " + file + " is corrupt: layout: expected a positive integer");
            }
            if (n.value() != LAYOUT) {
                throw new StoreException("local store: " + dir + " has layout " + n.value()
                        + ", and this keybackup reads layout "
                        + LAYOUT + " only: use the keybackup version that made the store");
            }
        }
        return marker;
    }

    /**
     * The directory of a version; versions are canonical decimal numbers up to {@link #MAX_VERSION}, anything
     * else is unknown (null).
     */
    Path versionDirIfValid(String version) {
        if (number(version) < 0) return null;
        return dir.resolve("versions").resolve(version);
    }

    /** The value of a canonical version number, or −1 when {@code name} is not one. */
    static long number(String name) {
        if (name == null || !NUMBER.matcher(name).matches()) return -1;
        long n = Long.parseLong(name); // at most 16 digits: cannot overflow
        return n <= MAX_VERSION ? n : -1;
    }

    Path versionDir(String version) {
        return Objects.requireNonNull(versionDirIfValid(version), "version");
    }

    Path keysDir(String version) {
        return versionDir(version).resolve(KEYS);
    }

    /** The 256 shard directories, made with the version so that no write of keys has to make one. */
    static void createShards(Path keys) throws StoreException {
        try {
            for (int i = 0; i < 256; i++) createOwnerOnly(keys.resolve(LocalFiles.hex(new byte[] {(byte) i})));
        } catch (IOException e) {
            throw new StoreException("local store: cannot create " + keys + " (" + e.getMessage() + ")", e);
        }
        LocalFiles.syncDirectory(keys);
        LocalFiles.syncDirectory(keys.getParent());
    }

    /**
     * The file of one key: {@code keys/<xx>/<h>.json} where {@code h} is the hex SHA-256 of the room ID's
     * UTF-8 length (4 bytes, big-endian), the room ID's UTF-8 and the session ID's UTF-8, and {@code xx}
     * is its first two digits. The length prefix makes the hashed input injective; the file holds both
     * IDs, and a reader checks that they hash to the file's name.
     */
    Path keyFile(String version, String roomId, String sessionId) {
        return keyFile(keysDir(version), roomId, sessionId);
    }

    /** The file of one key in {@code keys}, a version's {@link #keysDir}, named as {@link #keyFile} says. */
    static Path keyFile(Path keys, String roomId, String sessionId) {
        String name = keyName(roomId, sessionId);
        return keys.resolve(name.substring(0, 2)).resolve(name + LocalFiles.SUFFIX);
    }

    /** The 64 hex digits naming the key (roomId, sessionId); see {@link #keyFile}. */
    static String keyName(String roomId, String sessionId) {
        byte[] room = Objects.requireNonNull(roomId, "roomId").getBytes(StandardCharsets.UTF_8);
        byte[] session = Objects.requireNonNull(sessionId, "sessionId").getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(4 + room.length + session.length);
        input.putInt(room.length).put(room).put(session);
        return LocalFiles.hex(LocalFiles.sha256(input.array()));
    }

    Path accountDataFile(String type) {
        if (Objects.requireNonNull(type, "type").isEmpty()) {
            throw new IllegalArgumentException("type: must not be empty");
        }
        return dir.resolve("account_data").resolve(LocalFiles.fileName(type));
    }

    record Versions(long highest, long current) {}

    /**
     * Highest version number ever created and the current (highest non-deleted) one; 0 for none. Entries
     * whose name has no digit first are not versions and are skipped (stray files); a name of digits that is
     * not a canonical number up to {@link #MAX_VERSION} is corrupt: a StoreException naming it.
     */
    Versions versions() throws StoreException {
        long highest = 0;
        long current = 0;
        Path versions = dir.resolve("versions");
        requireNoLinks(versions);
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(versions)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || name.charAt(0) < '0' || name.charAt(0) > '9') continue;
                if (Files.isSymbolicLink(d)) throw LocalFiles.linkRefused(d);
                long n = number(name);
                if (n < 0) {
                    throw new StoreException("local store: " + d
                            + " is corrupt: a version number is a decimal number from 1 to " + MAX_VERSION);
                }
                highest = Math.max(highest, n);
                if (Files.exists(d.resolve("info.json")) && !Files.exists(d.resolve("deleted"))) {
                    current = Math.max(current, n);
                }
            }
        } catch (IOException e) {
            throw new StoreException("local store: cannot list " + versions + " (" + e.getMessage() + ")", e);
        }
        return new Versions(highest, current);
    }
}
