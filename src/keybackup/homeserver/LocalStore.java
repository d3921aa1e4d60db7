package keybackup.homeserver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import keybackup.json.Json;
import keybackup.json.JsonReader;

/**
 * A {@link BackupStore} in a local directory that behaves like a homeserver (protocol.md §5), so every command
 * works offline. Layout ({@code <name>} is {@code b} + unpadded base64url of the UTF-8 identifier, or {@code h} + hex SHA-256 when that
 * would exceed 200 characters):
 * <pre>
 * versions/&lt;n&gt;/info.json           {"algorithm", "auth_data", "version"}; the version exists iff this
 *                                  file exists and there is no tombstone
 * versions/&lt;n&gt;/state.json          {"count": &lt;keys stored&gt;, "etag": "&lt;decimal counter&gt;"}
 * versions/&lt;n&gt;/deleted             tombstone: n was deleted (the directory stays, so n is never reused)
 * versions/&lt;n&gt;/rooms/&lt;name&gt;.json   {"room_id": "...", "sessions": {session id: KeyBackupData}}
 * account_data/&lt;name&gt;.json          the content of one account-data type
 * identity.json                    the user's published keys, in the POST /keys/query response shape
 * </pre>
 * Rules as on a server: versions are "1", "2", … and never reused; only the current version (highest
 * non-deleted) accepts key writes (403 {@code M_WRONG_ROOM_KEYS_VERSION} with {@code current_version});
 * an unknown version is 404 {@code M_NOT_FOUND}; {@code count} and {@code etag} (incremented only when a
 * key is inserted, replaced or deleted) are kept; replacement follows a {@link ReplacementRule}.
 *
 * <p>Security and robustness properties: every file is written atomically (temp file, fsync, rename), so
 * a crash leaves old or new content, never a partial file; file names are derived from identifiers by an
 * injective encoding and versions must be decimal numbers, so no identifier can address a path outside
 * the directory. Every write holds the store's write lock ({@code write.lock}, an OS file lock, plus a lock per
 * directory within one JVM), so any number of processes and threads can write one store at once without
 * losing keys or miscounting. Not protected: a crash between a room file and {@code state.json} can leave
 * {@code count} stale.
 * Files are not encrypted beyond what the backup format itself encrypts.
 *
 * <p>Errors: every method throws only {@link StoreException} ({@link MatrixException} for what a server
 * would refuse), whatever the files hold: each value read from disk is checked where it is read
 * ({@code info.json} by {@link VersionInfo}, {@code state.json}'s count and etag, each stored KeyBackupData,
 * version directory names), and a bad one is a StoreException that names the file. Null arguments are
 * caller bugs ({@link NullPointerException}).
 */
public final class LocalStore implements BackupStore {
    private static final long MAX_ROOM_FILE_BYTES = 512L * 1024 * 1024;
    private static final long MAX_FILE_BYTES = JsonReader.DEFAULT_MAX_BYTES;
    /** Largest etag kept in {@code state.json}: 15 decimal digits (a counter that would take ages to reach). */
    private static final long MAX_ETAG = 999_999_999_999_999L;
    /** Held (OS file lock) during every write, by any process; its content is unused. */
    static final String LOCK_FILE = "write.lock";

    private final Path dir;
    private final LocalLayout layout;
    private final String userId;
    private final ReplacementRule rule;

    private LocalStore(Path dir, String userId, ReplacementRule rule) {
        this.dir = dir;
        this.layout = new LocalLayout(dir);
        this.userId = userId;
        this.rule = rule;
    }

    /** A store in {@code dir} (created when missing) with the spec's replacement rule. */
    public static LocalStore open(Path dir, String userId) throws StoreException {
        return open(dir, userId, ReplacementRule.SPEC);
    }

    /** A store in {@code dir} (created when missing) with the given replacement rule. */
    public static LocalStore open(Path dir, String userId, ReplacementRule rule) throws StoreException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(rule, "rule");
        try {
            Files.createDirectories(dir.resolve("versions"));
            Files.createDirectories(dir.resolve("account_data"));
        } catch (IOException e) {
            throw new StoreException("local store: cannot create " + dir + " (" + e.getMessage() + ")", e);
        }
        return new LocalStore(dir, userId, rule);
    }

    @Override
    public String userId() {
        return userId;
    }

    /** The store's own user: a local store has no token and no other owner. */
    @Override
    public String whoami() {
        return userId;
    }

    /** Sets what {@link #queryOwnKeys()} returns (a {@code /keys/query} response), for setup and demos. */
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void publishIdentity(Json.Obj keysQueryResponse) throws StoreException {
        try (StoreLock held = lock()) {
            LocalFiles.write(dir.resolve("identity.json"), Objects.requireNonNull(keysQueryResponse, "keysQueryResponse"));
        }
    }

    @Override
    public synchronized Json.Obj queryOwnKeys() throws StoreException {
        return LocalFiles.read(dir.resolve("identity.json"), MAX_FILE_BYTES)
                .orElse(Json.obj("device_keys", Json.obj(), "failures", Json.obj()));
    }

    // ---- versions ----

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized String createVersion(String algorithm, Json.Obj authData) throws StoreException {
        try (StoreLock held = lock()) {
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(authData, "authData");
            long highest = layout.versions().highest();
            if (highest >= LocalLayout.MAX_VERSION) {
                throw new StoreException("local store: version " + highest + " is the last possible number; no version can be created in " + dir);
            }
            String version = Long.toString(highest + 1);
            Path v = layout.versionDir(version);
            LocalFiles.write(v.resolve("state.json"), state(0, 0));
            // info.json last: until it exists the version does not, so a crash leaves an unused (never reused) number
            LocalFiles.write(v.resolve("info.json"), info(algorithm, authData, version));
            return version;
        }
    }

    @Override
    public synchronized Optional<Json.Obj> currentVersion() throws StoreException {
        long current = layout.versions().current();
        return current == 0 ? Optional.empty() : Optional.of(version(Long.toString(current)));
    }

    @Override
    public synchronized Json.Obj version(String version) throws StoreException {
        Json.Obj info = requireInfo(version);
        Json.Obj state = state(version);
        // info() and state() checked each file; this states that the answer obeys the same rules as a server's
        return VersionInfo.check("local store: " + layout.versionDir(version), info.with("count", state.get("count")).with("etag", state.get("etag")), version);
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void updateVersion(String version, String algorithm, Json.Obj authData) throws StoreException {
        try (StoreLock held = lock()) {
            Json.Obj info = requireInfo(version);
            if (!Objects.equals(info.string("algorithm"), algorithm)) {
                throw new MatrixException(400, MatrixException.INVALID_PARAM, "algorithm: differs from the stored one");
            }
            LocalFiles.write(layout.versionDir(version).resolve("info.json"), info(algorithm, Objects.requireNonNull(authData, "authData"), version));
        }
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void deleteVersion(String version) throws StoreException {
        try (StoreLock held = lock()) {
            Path v = layout.versionDirIfValid(version);
            if (v == null || !Files.isDirectory(v)) throw notFound("unknown backup version");
            LocalFiles.write(v.resolve("deleted"), Json.obj()); // tombstone first: a crash after it still reads as deleted
            LocalFiles.deleteTree(v.resolve("info.json"));
            LocalFiles.deleteTree(v.resolve("state.json"));
            LocalFiles.deleteTree(v.resolve("rooms"));
        }
    }

    // ---- keys ----

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj putKeys(String version, Json.Obj rooms) throws StoreException {
        try (StoreLock held = lock()) {
            requireWritable(version);
            for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
                if (!(room.getValue() instanceof Json.Obj r) || r.object("sessions") == null) {
                    throw new MatrixException(400, MatrixException.BAD_JSON, "rooms." + room.getKey() + ".sessions: expected an object");
                }
                validateSessions(r.object("sessions"));
            }
            Json.Obj state = state(version);
            long count = count(state);
            boolean changed = false;
            for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
                long[] delta = merge(version, room.getKey(), ((Json.Obj) room.getValue()).object("sessions"));
                count += delta[0];
                changed |= delta[1] != 0;
            }
            return saveState(version, state, count, changed);
        }
    }

    @Override
    public synchronized Json.Obj putRoomKeys(String version, String roomId, Json.Obj sessions) throws StoreException {
        return putKeys(version, Json.obj(roomId, Json.obj("sessions", sessions)));
    }

    @Override
    public synchronized Json.Obj putSessionKey(String version, String roomId, String sessionId, Json.Obj keyBackupData) throws StoreException {
        return putKeys(version, Json.obj(roomId, Json.obj("sessions", Json.obj(sessionId, keyBackupData))));
    }

    @Override
    public void streamKeys(String version, KeyVisitor visitor) throws StoreException {
        // The lock is held only to list the room files, never while the visitor runs: a visitor may
        // write to this store (a migration uploads while it reads). Room files are replaced by atomic
        // renames, so a file being read is never a partial one.
        java.util.List<Path> roomFiles = new java.util.ArrayList<>();
        synchronized (this) {
            requireInfo(version);
            Path rooms = layout.versionDir(version).resolve("rooms");
            if (!Files.isDirectory(rooms)) return;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(rooms, "*" + LocalFiles.SUFFIX)) {
                for (Path file : files) roomFiles.add(file);
            } catch (IOException e) {
                throw new StoreException("local store: cannot list " + rooms + " (" + e.getMessage() + ")", e);
            }
        }
        // one room file at a time, each read incrementally: memory stays bounded by one KeyBackupData
        for (Path file : roomFiles) {
            if (Files.exists(file)) KeyStream.readRoomFile(file, MAX_ROOM_FILE_BYTES, (room, session, data) -> {
                String problem = ReplacementRule.problem(data);
                if (problem != null) throw new StoreException("local store: " + file + " is corrupt: a session's " + problem);
                visitor.visit(room, session, data);
            });
        }
    }

    @Override
    public synchronized Json.Obj getRoomKeys(String version, String roomId) throws StoreException {
        requireInfo(version);
        return Json.obj("sessions", roomSessions(version, roomId));
    }

    @Override
    public synchronized Optional<Json.Obj> getSessionKey(String version, String roomId, String sessionId) throws StoreException {
        if (info(version).isEmpty()) return Optional.empty(); // same as the client: any 404 M_NOT_FOUND reads as empty
        return Optional.ofNullable(roomSessions(version, roomId).object(sessionId));
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj deleteKeys(String version) throws StoreException {
        try (StoreLock held = lock()) {
            requireInfo(version);
            Json.Obj state = state(version);
            long removed = count(state);
            LocalFiles.deleteTree(layout.versionDir(version).resolve("rooms"));
            return saveState(version, state, 0, removed > 0);
        }
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj deleteRoomKeys(String version, String roomId) throws StoreException {
        try (StoreLock held = lock()) {
            requireInfo(version);
            Json.Obj state = state(version);
            long removed = roomSessions(version, roomId).members().size();
            LocalFiles.deleteTree(layout.roomFile(version, roomId));
            return saveState(version, state, count(state) - removed, removed > 0);
        }
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj deleteSessionKey(String version, String roomId, String sessionId) throws StoreException {
        try (StoreLock held = lock()) {
            requireInfo(version);
            Json.Obj state = state(version);
            Json.Obj sessions = roomSessions(version, roomId);
            if (!sessions.has(sessionId)) return saveState(version, state, count(state), false);
            writeRoom(version, roomId, sessions.without(sessionId));
            return saveState(version, state, count(state) - 1, true);
        }
    }

    // ---- account data ----

    @Override
    public synchronized Optional<Json.Obj> getAccountData(String type) throws StoreException {
        return LocalFiles.read(layout.accountDataFile(type), MAX_FILE_BYTES).filter(c -> !c.members().isEmpty());
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void putAccountData(String type, Json.Obj content) throws StoreException {
        try (StoreLock held = lock()) {
            LocalFiles.write(layout.accountDataFile(type), Objects.requireNonNull(content, "content"));
        }
    }

    @Override
    public String toString() {
        return "LocalStore[" + dir + ", " + userId + ", " + rule + "]";
    }

    // ---- internals ----

    /** Stores written in this JVM, each with the lock its writers take before the file lock (a file lock is per process). */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock> WRITERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The lock of one write: held by one thread of one process at a time; closing it releases both parts. */
    private static final class StoreLock implements AutoCloseable {
        private final java.util.concurrent.locks.ReentrantLock inProcess;
        private final java.nio.channels.FileChannel channel; // null when this thread already holds the file lock

        StoreLock(java.util.concurrent.locks.ReentrantLock inProcess, java.nio.channels.FileChannel channel) {
            this.inProcess = inProcess;
            this.channel = channel;
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

    /**
     * Takes the store's write lock: first this JVM's lock for the directory, then an OS lock on the file
     * {@value #LOCK_FILE} in it, so writers in other processes wait too (each write reads, changes and
     * replaces room files and {@code state.json}; two at once lost keys and miscounted).
     */
    private StoreLock lock() throws StoreException {
        java.util.concurrent.locks.ReentrantLock mine = WRITERS.computeIfAbsent(dir.toAbsolutePath().normalize(),
                d -> new java.util.concurrent.locks.ReentrantLock());
        mine.lock();
        if (mine.getHoldCount() > 1) return new StoreLock(mine, null); // a write inside a write of this thread
        java.nio.channels.FileChannel ch = null;
        try {
            ch = java.nio.channels.FileChannel.open(dir.resolve(LOCK_FILE), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE);
            ch.lock();
            return new StoreLock(mine, ch);
        } catch (IOException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // the lock was not taken
            }
            mine.unlock();
            throw new StoreException("local store: cannot lock " + dir.resolve(LOCK_FILE) + " (" + e.getMessage() + ")", e);
        }
    }

    /** Inserts or replaces the sessions of one room; returns {inserted count, changed ? 1 : 0}. */
    private long[] merge(String version, String roomId, Json.Obj incoming) throws StoreException {
        // incoming passed validateSessions; the stored sessions passed roomSessions' checks
        LinkedHashMap<String, Json> sessions = new LinkedHashMap<>(roomSessions(version, roomId).members());
        long inserted = 0;
        boolean changed = false;
        for (Map.Entry<String, Json> e : incoming.members().entrySet()) {
            Json.Obj candidate = (Json.Obj) e.getValue();
            Json stored = sessions.get(e.getKey());
            if (stored == null) {
                inserted++;
            } else if (!rule.shouldReplace((Json.Obj) stored, candidate)) {
                continue;
            }
            sessions.put(e.getKey(), candidate);
            changed = true;
        }
        if (changed) writeRoom(version, roomId, new Json.Obj(sessions));
        return new long[] {inserted, changed ? 1 : 0};
    }

    private static void validateSessions(Json.Obj sessions) throws MatrixException {
        for (Map.Entry<String, Json> s : sessions.members().entrySet()) {
            if (!(s.getValue() instanceof Json.Obj data)) {
                throw new MatrixException(400, MatrixException.BAD_JSON, "sessions." + s.getKey() + ": expected an object");
            }
            String problem = ReplacementRule.problem(data);
            if (problem != null) throw new MatrixException(400, MatrixException.INVALID_PARAM, problem);
        }
    }

    /** The stored sessions of a room, each checked to be a KeyBackupData a server would accept. */
    private Json.Obj roomSessions(String version, String roomId) throws StoreException {
        Path path = layout.roomFile(version, roomId);
        Optional<Json.Obj> file = LocalFiles.read(path, MAX_ROOM_FILE_BYTES);
        if (file.isEmpty()) return Json.obj();
        Json.Obj sessions = file.get().object("sessions");
        if (!roomId.equals(file.get().string("room_id")) || sessions == null) {
            throw new StoreException("local store: " + path + " is corrupt: expected {\"room_id\": the room's id, \"sessions\": {...}}");
        }
        for (Map.Entry<String, Json> s : sessions.members().entrySet()) {
            String problem = s.getValue() instanceof Json.Obj data ? ReplacementRule.problem(data) : "expected an object";
            if (problem != null) throw new StoreException("local store: " + path + " is corrupt: a session's " + problem);
        }
        return sessions;
    }

    private void writeRoom(String version, String roomId, Json.Obj sessions) throws StoreException {
        if (sessions.members().isEmpty()) {
            LocalFiles.deleteTree(layout.roomFile(version, roomId));
        } else {
            LocalFiles.write(layout.roomFile(version, roomId), Json.obj("room_id", Json.of(roomId), "sessions", sessions));
        }
    }

    private Json.Obj saveState(String version, Json.Obj old, long count, boolean changed) throws StoreException {
        long etag = Long.parseLong(old.string("etag")) + (changed ? 1 : 0); // at most 15 digits: state() checked it
        Path file = layout.versionDir(version).resolve("state.json");
        if (etag > MAX_ETAG) throw new StoreException("local store: " + file + ": etag cannot grow past " + MAX_ETAG);
        // a count left stale by a crash (class doc) can undercount; it is never written below zero
        count = Math.max(0, count);
        if (count > Json.MAX_INTEGER) throw new StoreException("local store: " + file + ": count cannot grow past " + Json.MAX_INTEGER);
        Json.Obj state = state(count, etag);
        if (changed) LocalFiles.write(file, state);
        return state;
    }

    private static Json.Obj state(long count, long etag) {
        return Json.obj("count", Json.of(count), "etag", Json.of(Long.toString(etag)));
    }

    private static long count(Json.Obj state) {
        return ((Json.Int) state.get("count")).value();
    }

    /** {@code state.json}: {@code count} an integer from 0 to 2^53−1, {@code etag} 1 to 15 decimal digits. */
    private Json.Obj state(String version) throws StoreException {
        Path file = layout.versionDir(version).resolve("state.json");
        Json.Obj s = LocalFiles.read(file, MAX_FILE_BYTES).orElse(state(0, 0));
        String etag = s.string("etag");
        if (!(s.get("count") instanceof Json.Int n) || n.value() < 0) {
            throw new StoreException("local store: " + file + " is corrupt: count: expected a non-negative integer");
        }
        if (etag == null || !etag.matches("[0-9]{1,15}")) {
            throw new StoreException("local store: " + file + " is corrupt: etag: expected a string of 1 to 15 decimal digits");
        }
        return s;
    }

    private static Json.Obj info(String algorithm, Json.Obj authData, String version) {
        return Json.obj("algorithm", Json.of(algorithm), "auth_data", authData, "version", Json.of(version));
    }

    /** {@code info.json}, checked by {@link VersionInfo} and required to name its own directory's version. */
    private Optional<Json.Obj> info(String version) throws StoreException {
        Path v = layout.versionDirIfValid(version);
        if (v == null || Files.exists(v.resolve("deleted"))) return Optional.empty();
        Path file = v.resolve("info.json");
        Optional<Json.Obj> info = LocalFiles.read(file, MAX_FILE_BYTES);
        if (info.isPresent()) {
            String problem = VersionInfo.problem(info.get());
            if (problem == null && !version.equals(info.get().string("version"))) problem = "version: not the directory's number";
            if (problem != null) throw new StoreException("local store: " + file + " is corrupt: " + problem);
        }
        return info;
    }

    private Json.Obj requireInfo(String version) throws StoreException {
        return info(version).orElseThrow(() -> notFound("unknown backup version"));
    }

    private void requireWritable(String version) throws StoreException {
        requireInfo(version);
        String current = Long.toString(layout.versions().current());
        if (!current.equals(version)) {
            throw new MatrixException(403, MatrixException.WRONG_ROOM_KEYS_VERSION, "wrong backup version", current, -1);
        }
    }

    private static MatrixException notFound(String message) {
        return new MatrixException(404, MatrixException.NOT_FOUND, message);
    }
}
