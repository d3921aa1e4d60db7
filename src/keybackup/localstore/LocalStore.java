package keybackup.localstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.homeserver.VersionInfo;
import keybackup.json.Json;
import keybackup.json.JsonReader;

/**
 * A {@link BackupStore} in a local directory that behaves like a homeserver (protocol.md §5), so every command
 * works offline. Layout 2 ({@code <name>} of account data is {@code b} + unpadded base64url of the UTF-8
 * type, or {@code h} + hex SHA-256 when that would exceed 200 characters; {@code <h>} of a key is the hex
 * SHA-256 of its room and session IDs, {@code <xx>} its first two digits, see {@link LocalLayout#keyFile}):
 * <pre>
 * store.json                         {"layout": 2}
 * write.lock                         held (OS file lock) by every write
 * journal.json                       the write in progress: exists only from its start to its end
 * versions/&lt;n&gt;/info.json             {"algorithm", "auth_data", "version"}; the version exists iff this
 *                                    file exists and there is no tombstone
 * versions/&lt;n&gt;/state.json            {"count": &lt;keys stored&gt;, "etag": "&lt;decimal counter&gt;"}
 * versions/&lt;n&gt;/deleted               tombstone: n was deleted (the directory stays, so n is never reused)
 * versions/&lt;n&gt;/keys/&lt;xx&gt;/&lt;h&gt;.json    {"key": KeyBackupData, "room_id": "...", "session_id": "..."}
 * account_data/&lt;name&gt;.json            the content of one account-data type
 * identity.json                      the user's published keys, in the POST /keys/query response shape
 * </pre>
 * Rules as on a server: versions are "1", "2", … and never reused; only the current version (highest
 * non-deleted) accepts key writes (403 {@code M_WRONG_ROOM_KEYS_VERSION} with {@code current_version});
 * an unknown version is 404 {@code M_NOT_FOUND}; {@code count} and {@code etag} (incremented only when a
 * key is inserted, replaced or deleted) are kept; replacement follows a {@link ReplacementRule}.
 *
 * <p>Cost: a write reads and writes only the files of the keys it names, plus {@code state.json} and the
 * journal; {@code count} and {@code etag} are read from {@code state.json}; a read of all keys visits each
 * key file once, holding one at a time. None of it depends on how many keys are already stored (the
 * shards keep every directory at 1/256 of a version's keys).
 *
 * <p>Crash safety: every file is written atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves old or new content, never a partial file. A write that changes keys
 * first records its whole outcome (the new keys, the new {@code count} and {@code etag}) in
 * {@code journal.json} (fsynced), then writes the key files and {@code state.json}, then removes the
 * journal. A journal found later, by the next {@link #open}, write or read of the version's count, is
 * replayed under the write lock before anything else, so after a crash the keys, {@code count} and
 * {@code etag} are those of the interrupted write complete: exact, never stale.
 *
 * <p>Older stores: a store of layout 1 (one file per room, {@code versions/<n>/rooms/}) is converted by
 * {@link #open} under the write lock, one room file at a time (each is removed only once its keys are
 * written and fsynced; an interrupted conversion resumes at the next open), and {@code count} is
 * recounted ({@code etag} is kept). Room files that an older keybackup adds to a converted store are
 * converted the same way at the next open, a key stored in both keeping the better copy by the store's
 * rule. A store of another layout is refused with a message saying so.
 *
 * <p>Security and robustness properties: file names are derived from identifiers by an injective
 * encoding or a SHA-256 (and each key file names its IDs, checked on read against its name) and versions
 * must be decimal numbers, so no identifier can address a path outside the directory. Every write holds the
 * store's write lock ({@code write.lock}, an OS file lock, plus a lock per directory within one JVM), so any
 * number of processes and threads can write one store at once without losing keys or miscounting. Files
 * are not encrypted beyond what the backup format itself encrypts.
 *
 * <p>Errors: every method throws only {@link StoreException} ({@link MatrixException} for what a server
 * would refuse), whatever the files hold: each value read from disk is checked where it is read
 * ({@code info.json} by {@link VersionInfo}, {@code state.json}'s count and etag, each key file, the
 * journal, {@code store.json}, version directory names), and a bad one is a StoreException that names the
 * file. Null arguments are caller bugs ({@link NullPointerException}).
 */
public final class LocalStore implements BackupStore {
    private static final long MAX_FILE_BYTES = JsonReader.DEFAULT_MAX_BYTES;
    /** Largest journal read back: the keys of one write (the uploader sends at most 1 MiB at a time). */
    private static final long MAX_JOURNAL_BYTES = 512L * 1024 * 1024;
    /** Largest etag kept in {@code state.json}: 15 decimal digits (a counter that would take ages to reach). */
    private static final long MAX_ETAG = 999_999_999_999_999L;
    /** The layout this code reads and writes (the first one kept keys in room files; see the class doc). */
    static final long LAYOUT = 2;
    /** Held (OS file lock) during every write, by any process; its content is unused. */
    static final String LOCK_FILE = "write.lock";
    static final String JOURNAL_FILE = "journal.json";
    static final String LAYOUT_FILE = "store.json";

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

    /**
     * A store in {@code dir} (created when missing) with the spec's replacement rule; see
     * {@link #open(Path, String, ReplacementRule)}.
     *
     * @param dir the store's directory
     * @param userId the user the store answers for (from {@link #whoami()}); not checked against the files
     * @return the opened store
     * @throws StoreException if the directory cannot be created, is a store of an unknown layout, or holds a
     *     malformed file met while finishing an interrupted write or converting layout 1
     */
    public static LocalStore open(Path dir, String userId) throws StoreException {
        return open(dir, userId, ReplacementRule.SPEC);
    }

    /**
     * A store in {@code dir} (created when missing) with the given replacement rule. Completes a write
     * that a crash interrupted and converts a store of layout 1 (class doc), under the write lock.
     *
     * @param dir the store's directory; {@code versions/} and {@code account_data/} are created in it
     * @param userId the user the store answers for (from {@link #whoami()}); not checked against the files
     * @param rule which uploaded KeyBackupData replaces a stored one
     * @return the opened store
     * @throws StoreException if the directory cannot be created, is a store of an unknown layout, or holds a
     *     malformed file met while finishing an interrupted write or converting layout 1
     */
    @SuppressWarnings("try") // held: the write lock, for the block
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
        LocalStore store = new LocalStore(dir, userId, rule);
        if (store.layoutMarker().isPresent() && OldLayout.versionsWithRoomFiles(dir).isEmpty()) {
            store.completeInterruptedWrite(); // takes the lock only when there is a journal: a read-only store opens
        } else {
            try (StoreLock held = store.lock()) {
                store.checkLayout();
            }
        }
        return store;
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

    /**
     * Sets what {@link #queryOwnKeys()} returns (a {@code /keys/query} response), for setup and demos. The
     * object is stored as given, unchecked: readers treat it as untrusted, as they treat a server's answer.
     *
     * @param keysQueryResponse the whole response, written atomically to {@code identity.json}
     * @throws StoreException if the write lock cannot be taken or the file cannot be written
     */
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void publishIdentity(Json.Obj keysQueryResponse) throws StoreException {
        try (StoreLock held = lock()) {
            LocalFiles.write(dir.resolve("identity.json"), Objects.requireNonNull(keysQueryResponse,
                    "keysQueryResponse"));
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
                throw new StoreException("local store: version " + highest
                        + " is the last possible number; no version can be created in " + dir);
            }
            String version = Long.toString(highest + 1);
            Path v = layout.versionDir(version);
            LocalFiles.write(v.resolve("state.json"), state(0, 0));
            createShards(layout.keysDir(version));
            // info.json last: until it exists the version does not, so a crash leaves an unused (never reused) number
            LocalFiles.write(v.resolve("info.json"), info(algorithm, authData, version));
            return version;
        }
    }

    /** The 256 shard directories, made with the version so that no write of keys has to make one. */
    private static void createShards(Path keys) throws StoreException {
        try {
            for (int i = 0; i < 256; i++) Files.createDirectories(keys.resolve(LocalFiles.hex(new byte[] {(byte) i})));
        } catch (IOException e) {
            throw new StoreException("local store: cannot create " + keys + " (" + e.getMessage() + ")", e);
        }
        LocalFiles.syncDirectory(keys);
        LocalFiles.syncDirectory(keys.getParent());
    }

    @Override
    public synchronized Optional<Json.Obj> currentVersion() throws StoreException {
        completeInterruptedWrite();
        long current = layout.versions().current();
        return current == 0 ? Optional.empty() : Optional.of(version(Long.toString(current)));
    }

    @Override
    public synchronized Json.Obj version(String version) throws StoreException {
        completeInterruptedWrite();
        Json.Obj info = requireInfo(version);
        Json.Obj state = state(version);
        // info() and state() checked each file; this states that the answer obeys the same rules as a server's
        Json.Obj answer = info.with("count", state.get("count")).with("etag", state.get("etag"));
        return VersionInfo.check("local store: " + layout.versionDir(version), answer, version);
    }

    /**
     * {@code PUT /room_keys/version/{v}}: replaces {@code auth_data} (the algorithm cannot change). Any
     * existing version may be updated, not only the current one; {@code count} and {@code etag} stay.
     *
     * @param version the backup version, a decimal number
     * @param algorithm must equal the stored algorithm
     * @param authData the new AuthData, stored as given
     * @throws StoreException a {@link MatrixException}: 404 {@code M_NOT_FOUND} for an unknown or deleted
     *     version, 400 {@code M_INVALID_PARAM} when {@code algorithm} differs; otherwise a file failed
     */
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void updateVersion(String version, String algorithm, Json.Obj authData) throws StoreException {
        try (StoreLock held = lock()) {
            Json.Obj info = requireInfo(version);
            if (!Objects.equals(info.string("algorithm"), algorithm)) {
                throw new MatrixException(400, MatrixException.INVALID_PARAM, "algorithm: differs from the stored one");
            }
            Json.Obj info2 = info(algorithm, Objects.requireNonNull(authData, "authData"), version);
            LocalFiles.write(layout.versionDir(version).resolve("info.json"), info2);
        }
    }

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void deleteVersion(String version) throws StoreException {
        try (StoreLock held = lock()) {
            Path v = layout.versionDirIfValid(version);
            if (v == null || !Files.isDirectory(v)) throw notFound("unknown backup version");
            // tombstone first: a crash after it still reads as deleted
            LocalFiles.write(v.resolve("deleted"), Json.obj());
            LocalFiles.deleteTree(v.resolve("info.json"));
            LocalFiles.deleteTree(v.resolve("state.json"));
            LocalFiles.deleteTree(v.resolve(LocalLayout.KEYS));
            LocalFiles.deleteTree(v.resolve(LocalLayout.OLD_ROOMS));
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
                    throw new MatrixException(400, MatrixException.BAD_JSON, "rooms." + room.getKey()
                            + ".sessions: expected an object");
                }
                validateSessions(r.object("sessions"));
            }
            Json.Obj state = state(version);
            long count = count(state);
            List<Json> changes = new ArrayList<>();
            for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
                for (Map.Entry<String, Json> s : ((Json.Obj) room.getValue()).object("sessions").members().entrySet()) {
                    Json.Obj candidate = (Json.Obj) s.getValue(); // passed validateSessions
                    Optional<Json.Obj> stored = storedKey(version, room.getKey(), s.getKey());
                    if (stored.isEmpty()) {
                        count++;
                    } else if (!rule.shouldReplace(stored.get(), candidate)) {
                        continue;
                    }
                    changes.add(Json.arr(List.of(Json.of(room.getKey()), Json.of(s.getKey()), candidate)));
                }
            }
            return commit(version, state, count, changes, false);
        }
    }

    /**
     * {@code PUT /room_keys/keys/{roomId}/{sessionId}?version=V} with one KeyBackupData: the same checks and
     * replacement rule as {@link #putKeys} for a single session.
     *
     * @param version the backup version; must be the current one
     * @param roomId the room id (any string: file names are derived from it by hashing)
     * @param sessionId the session id (any string: file names are derived from it by hashing)
     * @param keyBackupData the uploaded KeyBackupData; must have the four fields a server requires
     * @return {@code {"etag", "count"}} after the write; the etag grows only when the key was stored
     * @throws StoreException a {@link MatrixException}: 404 for an unknown version, 403
     *     {@code M_WRONG_ROOM_KEYS_VERSION} when it is not current, 400 for a malformed KeyBackupData;
     *     otherwise a file failed
     */
    public synchronized Json.Obj putSessionKey(String version, String roomId, String sessionId,
            Json.Obj keyBackupData) throws StoreException {
        return putKeys(version, Json.obj(roomId, Json.obj("sessions", Json.obj(sessionId, keyBackupData))));
    }

    @Override
    public void streamKeys(String version, KeyVisitor visitor) throws StoreException {
        // The lock is never held while the visitor runs: a visitor may write to this store (a migration
        // uploads while it reads). Key files are replaced by atomic renames, so a file being read is never
        // a partial one; one directory entry and one key are in memory at a time.
        Path keys;
        synchronized (this) {
            completeInterruptedWrite();
            requireInfo(version);
            keys = layout.keysDir(version);
        }
        if (!Files.isDirectory(keys)) return;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(keys)) {
            for (Path shard : shards) {
                String name = shard.getFileName().toString();
                if (name.startsWith(".")) continue;
                if (!LocalLayout.SHARD.matcher(name).matches()) {
                    throw new StoreException("local store: " + shard + " is corrupt: not a shard of " + LocalLayout.KEYS
                            + "/ (two hex digits)");
                }
                streamShard(shard, visitor);
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StoreException("local store: cannot list " + keys + " (" + e.getMessage() + ")", e);
        }
    }

    private static void streamShard(Path shard, KeyVisitor visitor) throws StoreException {
        String prefix = shard.getFileName().toString();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) continue; // a temporary file
                if (!LocalLayout.KEY_FILE.matcher(name).matches() || !name.startsWith(prefix)) {
                    throw new StoreException("local store: " + file + " is corrupt: not a key file of this shard");
                }
                Optional<Json.Obj> content = LocalFiles.read(file, MAX_FILE_BYTES); // empty: deleted meanwhile
                if (content.isEmpty()) continue;
                Json.Obj key = checkKeyFile(file, content.get());
                visitor.visit(key.string("room_id"), key.string("session_id"), key.object("key"));
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StoreException("local store: cannot list " + shard + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * {@code GET /room_keys/keys/{roomId}/{sessionId}?version=V}: one stored key.
     *
     * @param version the backup version, a decimal number
     * @param roomId the room id (any string: file names are derived from it by hashing)
     * @param sessionId the session id (any string: file names are derived from it by hashing)
     * @return the stored KeyBackupData (its key file's IDs checked against the name); empty when the version
     *     or that key is not stored, as the client reads a 404
     * @throws StoreException if a file cannot be read or written, or one read is malformed (the message names it)
     */
    public synchronized Optional<Json.Obj> getSessionKey(String version, String roomId,
            String sessionId) throws StoreException {
        if (info(version).isEmpty()) return Optional.empty(); // same as the client: any 404 M_NOT_FOUND reads as empty
        return storedKey(version, roomId, sessionId);
    }

    /**
     * {@code DELETE /room_keys/keys?version=V}: deletes all keys of the version, which stays (current or not).
     *
     * @param version the backup version, a decimal number
     * @return {@code {"etag", "count"}} after the deletion: count 0, the etag grown when keys were removed
     * @throws StoreException a {@link MatrixException} 404 {@code M_NOT_FOUND} for an unknown or deleted
     *     version; otherwise a file failed
     */
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj deleteKeys(String version) throws StoreException {
        try (StoreLock held = lock()) {
            requireInfo(version);
            Json.Obj state = state(version);
            return commit(version, state, 0, List.of(), count(state) > 0);
        }
    }

    /**
     * {@code DELETE /room_keys/keys/{roomId}/{sessionId}?version=V}: deletes one key.
     *
     * @param version the backup version, a decimal number
     * @param roomId the room id (any string: file names are derived from it by hashing)
     * @param sessionId the session id (any string: file names are derived from it by hashing)
     * @return {@code {"etag", "count"}} after the deletion; unchanged when that key was not stored
     * @throws StoreException a {@link MatrixException} 404 {@code M_NOT_FOUND} for an unknown or deleted
     *     version; otherwise a file failed
     */
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj deleteSessionKey(String version, String roomId,
            String sessionId) throws StoreException {
        try (StoreLock held = lock()) {
            requireInfo(version);
            Json.Obj state = state(version);
            if (storedKey(version, roomId, sessionId).isEmpty()) return state;
            Json delete = Json.arr(List.of(Json.of(roomId), Json.of(sessionId), Json.Null.INSTANCE));
            return commit(version, state, count(state) - 1, List.of(delete), false);
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

    // ---- the journal ----

    /**
     * Makes a change of keys durable and exact: the journal (the outcome: version, new count and etag,
     * {@code [room, session, KeyBackupData or null]} per changed key, and whether all keys go first),
     * then the change itself ({@link #apply}), then the journal's removal. No change: nothing is written.
     */
    private Json.Obj commit(String version, Json.Obj old, long count, List<Json> changes,
            boolean clear) throws StoreException {
        boolean changed = clear || !changes.isEmpty();
        long etag = Long.parseLong(old.string("etag")) + (changed ? 1 : 0); // at most 15 digits: state() checked it
        Path stateFile = layout.versionDir(version).resolve("state.json");
        if (etag > MAX_ETAG) throw new StoreException("local store: " + stateFile + ": etag cannot grow past "
                + MAX_ETAG);
        if (count > Json.MAX_INTEGER) throw new StoreException("local store: " + stateFile + ": count cannot grow past "
                + Json.MAX_INTEGER);
        Json.Obj state = state(Math.max(0, count), etag);
        if (!changed) return old;
        Json.Obj journal = Json.obj("version", Json.of(version), "state", state, "clear", Json.of(clear), "keys",
                Json.arr(changes));
        Path journalFile = dir.resolve(JOURNAL_FILE);
        LocalFiles.write(journalFile, journal);
        apply(journalFile, journal);
        return state;
    }

    /** Carries out a journal already checked by {@link #checkJournal} (or just written), then removes it. */
    private void apply(Path journalFile, Json.Obj journal) throws StoreException {
        String version = journal.string("version");
        if (info(version).isPresent()) {
            if (journal.get("clear") instanceof Json.Bool b && b.value()) {
                LocalFiles.deleteTree(layout.keysDir(version));
                createShards(layout.keysDir(version));
            }
            List<LocalFiles.Write> writes = new ArrayList<>();
            for (Json change : ((Json.Arr) journal.get("keys")).elements()) {
                List<Json> c = ((Json.Arr) change).elements();
                String room = ((Json.Str) c.get(0)).value();
                String session = ((Json.Str) c.get(1)).value();
                Json.Obj data = c.get(2) instanceof Json.Obj o ? o : null;
                Json content = data == null ? null : keyFile(room, session, data);
                writes.add(new LocalFiles.Write(layout.keyFile(version, room, session), content));
            }
            LocalFiles.writeAll(writes);
            LocalFiles.write(layout.versionDir(version).resolve("state.json"), journal.object("state"));
        }
        LocalFiles.deleteDurably(journalFile);
    }

    /** Completes a write that a crash interrupted, if any (its journal is there): under the write lock. */
    @SuppressWarnings("try") // held: the write lock, for the block
    private void completeInterruptedWrite() throws StoreException {
        if (Files.exists(dir.resolve(JOURNAL_FILE))) {
            try (StoreLock held = lock()) {
                // lock() replayed it
            }
        }
    }

    /** Replays the journal of an interrupted write; called by {@link #lock()} once the lock is held. */
    private void replayJournal() throws StoreException {
        Path file = dir.resolve(JOURNAL_FILE);
        Optional<Json.Obj> journal = LocalFiles.read(file, MAX_JOURNAL_BYTES);
        if (journal.isPresent()) apply(file, checkJournal(file, journal.get()));
    }

    /** The journal, each of its values checked like the files it stands for. */
    private static Json.Obj checkJournal(Path file, Json.Obj j) throws StoreException {
        String problem = null;
        Json.Obj state = j.object("state");
        if (LocalLayout.number(j.string("version")) < 0) problem = "version: expected a version number";
        else if (state == null) problem = "state: expected an object";
        else if (stateProblem(state) != null) problem = "state." + stateProblem(state);
        else if (!(j.get("clear") instanceof Json.Bool)) problem = "clear: expected a boolean";
        else if (!(j.get("keys") instanceof Json.Arr keys)) problem = "keys: expected an array";
        else {
            for (Json change : keys.elements()) {
                if (!(change instanceof Json.Arr c) || c.elements().size() != 3
                        || !(c.elements().get(0) instanceof Json.Str)
                        || !(c.elements().get(1) instanceof Json.Str)) {
                    problem = "keys: expected [room id, session id, key or null] for each key";
                } else if (c.elements().get(2) instanceof Json.Obj data) {
                    problem = ReplacementRule.problem(data);
                } else if (!(c.elements().get(2) instanceof Json.Null)) {
                    problem = "keys: a key is an object or null";
                }
                if (problem != null) break;
            }
        }
        if (problem != null) {
            throw new StoreException("local store: " + file + " is corrupt: " + problem
                    + " (it completes an interrupted write; move it away to open the store without that write)");
        }
        return j;
    }

    // ---- key files ----

    private static Json.Obj keyFile(String roomId, String sessionId, Json.Obj data) {
        return Json.obj("key", data, "room_id", Json.of(roomId), "session_id", Json.of(sessionId));
    }

    /** The stored KeyBackupData of one key, checked to be one a server would accept and to be that key's. */
    private Optional<Json.Obj> storedKey(String version, String roomId, String sessionId) throws StoreException {
        return readKey(layout.keyFile(version, roomId, sessionId));
    }

    /** The KeyBackupData in a key file, checked as {@link #checkKeyFile} does; empty when there is no such file. */
    static Optional<Json.Obj> readKey(Path file) throws StoreException {
        Optional<Json.Obj> content = LocalFiles.read(file, MAX_FILE_BYTES);
        if (content.isEmpty()) return content;
        return Optional.of(checkKeyFile(file, content.get()).object("key"));
    }

    /** A key file's content: both IDs, naming this very file, and a KeyBackupData a server would accept. */
    private static Json.Obj checkKeyFile(Path file, Json.Obj content) throws StoreException {
        String room = content.string("room_id");
        String session = content.string("session_id");
        if (room == null || session == null || content.object("key") == null || content.members().size() != 3) {
            throw new StoreException("local store: " + file
                    + " is corrupt: expected {\"key\": {...}, \"room_id\": \"...\", \"session_id\": \"...\"}");
        }
        if (!file.getFileName().toString().equals(LocalLayout.keyName(room, session) + LocalFiles.SUFFIX)) {
            throw new StoreException("local store: " + file
                    + " is corrupt: its room_id and session_id are another key's");
        }
        String problem = ReplacementRule.problem(content.object("key"));
        if (problem != null) throw new StoreException("local store: " + file + " is corrupt: a session's " + problem);
        return content;
    }

    private static void validateSessions(Json.Obj sessions) throws MatrixException {
        for (Map.Entry<String, Json> s : sessions.members().entrySet()) {
            if (!(s.getValue() instanceof Json.Obj data)) {
                throw new MatrixException(400, MatrixException.BAD_JSON, "sessions." + s.getKey()
                        + ": expected an object");
            }
            String problem = ReplacementRule.problem(data);
            if (problem != null) throw new MatrixException(400, MatrixException.INVALID_PARAM, problem);
        }
    }

    // ---- layout and the first layout's conversion ----

    /**
     * Checks {@code store.json}, and converts room files of layout 1: all of a store without {@code store.json}
     * (new, or of layout 1; marked once converted), or those an older keybackup added since.
     */
    private void checkLayout() throws StoreException {
        Optional<Json.Obj> marker = layoutMarker();
        OldLayout.convert(dir, layout, rule);
        if (marker.isEmpty()) LocalFiles.write(dir.resolve(LAYOUT_FILE), Json.obj("layout", Json.of(LAYOUT)));
    }

    /** {@code store.json} when there is one, checked to name layout 2: any other is refused. */
    private Optional<Json.Obj> layoutMarker() throws StoreException {
        Path file = dir.resolve(LAYOUT_FILE);
        Optional<Json.Obj> marker = LocalFiles.read(file, MAX_FILE_BYTES);
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

    /** Writes the recounted state of a converted version; see {@link OldLayout}. */
    static void writeRecount(LocalLayout layout, String version, long count) throws StoreException {
        Path file = layout.versionDir(version).resolve("state.json");
        Json.Obj old = readState(file);
        if (count > Json.MAX_INTEGER) throw new StoreException("local store: " + file + ": count cannot grow past "
                + Json.MAX_INTEGER);
        LocalFiles.write(file, state(count, Long.parseLong(old.string("etag"))));
    }

    // ---- lock ----

    /**
     * Stores written in this JVM, each with the lock its writers take before the file lock (a file lock is
     * per process).
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> WRITERS = new ConcurrentHashMap<>();

    /** The lock of one write: held by one thread of one process at a time; closing it releases both parts. */
    private static final class StoreLock implements AutoCloseable {
        private final ReentrantLock inProcess;
        private final FileChannel channel; // null when this thread already holds the file lock

        StoreLock(ReentrantLock inProcess, FileChannel channel) {
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
     * {@value #LOCK_FILE} in it, so writers in other processes wait too; then completes an interrupted
     * write (its journal), so every write starts from a complete one.
     */
    private StoreLock lock() throws StoreException {
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
            replayJournal();
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

    // ---- state and info ----

    private static Json.Obj state(long count, long etag) {
        return Json.obj("count", Json.of(count), "etag", Json.of(Long.toString(etag)));
    }

    private static long count(Json.Obj state) {
        return ((Json.Int) state.get("count")).value();
    }

    /** {@code state.json}: {@code count} an integer from 0 to 2^53−1, {@code etag} 1 to 15 decimal digits. */
    private Json.Obj state(String version) throws StoreException {
        return readState(layout.versionDir(version).resolve("state.json"));
    }

    static Json.Obj readState(Path file) throws StoreException {
        Json.Obj s = LocalFiles.read(file, MAX_FILE_BYTES).orElse(state(0, 0));
        String problem = stateProblem(s);
        if (problem != null) throw new StoreException("local store: " + file + " is corrupt: " + problem);
        return s;
    }

    private static String stateProblem(Json.Obj s) {
        if (!(s.get("count") instanceof Json.Int n) || n.value() < 0) return "count: expected a non-negative integer";
        String etag = s.string("etag");
        if (etag == null || !etag.matches("[0-9]{1,15}")) return "etag: expected a string of 1 to 15 decimal digits";
        return null;
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
            VersionInfo.check("local store: " + file + " is corrupt", info.get());
            if (!version.equals(info.get().string("version"))) {
                throw new StoreException("local store: " + file + " is corrupt: version: not the directory's number");
            }
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
            throw new MatrixException(403, MatrixException.WRONG_ROOM_KEYS_VERSION, "wrong backup version", current,
                    -1);
        }
    }

    private static MatrixException notFound(String message) {
        return new MatrixException(404, MatrixException.NOT_FOUND, message);
    }
}
