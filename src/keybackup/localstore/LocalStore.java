package keybackup.localstore;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.homeserver.VersionInfo;
import keybackup.json.Json;

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
 * journal. A journal found later, by the next {@link #open}, write or read (of any kind: versions, keys,
 * account data, the identity), is replayed under the write lock before anything else, so after a crash the
 * keys, {@code count} and {@code etag} are those of the interrupted write complete: exact, never stale, and no
 * reader sees half of a batch.
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
    private final Path dir;
    private final LocalLayout layout;
    private final String userId;
    private final ReplacementRule rule;
    private final VersionFiles versions;
    private final Journal journal;
    private final KeyFiles keys;

    private LocalStore(Path dir, String userId, ReplacementRule rule) {
        this.dir = dir;
        this.layout = new LocalLayout(dir);
        this.userId = userId;
        this.rule = rule;
        this.versions = new VersionFiles(layout);
        this.journal = new Journal(layout, versions);
        this.keys = new KeyFiles(layout, versions, journal, rule);
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
        LocalStore store = new LocalStore(dir, userId, rule);
        store.layout.createDirectories();
        if (store.layout.marker().isPresent() && OldLayout.versionsWithRoomFiles(dir).isEmpty()) {
            store.completeInterruptedWrite(); // takes the lock only when there is a journal: a read-only store opens
        } else {
            try (StoreLock held = store.lock()) {
                OldLayout.convertAndMark(store.layout, rule);
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
        completeInterruptedWrite();
        return LocalFiles.read(dir.resolve("identity.json"), LocalFiles.MAX_FILE_BYTES)
                .orElse(Json.obj("device_keys", Json.obj(), "failures", Json.obj()));
    }

    // ---- versions ----

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized String createVersion(String algorithm, Json.Obj authData) throws StoreException {
        try (StoreLock held = lock()) {
            return versions.create(algorithm, authData);
        }
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
        return versions.describe(version);
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
            versions.update(version, algorithm, authData);
        }
    }

    /**
     * {@inheritDoc} A version already deleted is 404 {@code M_NOT_FOUND}, as a {@code GET} of it is (the
     * specification's "the backup specified does not exist"; a client takes a 404 answering a retried
     * {@code DELETE} as done, protocol.md §5.7).
     */
    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized void deleteVersion(String version) throws StoreException {
        try (StoreLock held = lock()) {
            versions.delete(version);
        }
    }

    // ---- keys ----

    @Override
    @SuppressWarnings("try") // held: the write lock, for the block
    public synchronized Json.Obj putKeys(String version, Json.Obj rooms) throws StoreException {
        try (StoreLock held = lock()) {
            return keys.put(version, rooms);
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
        Path keysDir;
        synchronized (this) {
            completeInterruptedWrite();
            versions.requireInfo(version);
            keysDir = layout.keysDir(version);
            layout.requireNoLinks(keysDir);
        }
        KeyFiles.stream(keysDir, visitor);
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
        completeInterruptedWrite();
        // same as the client: any 404 M_NOT_FOUND reads as empty
        if (versions.info(version).isEmpty()) return Optional.empty();
        return keys.stored(version, roomId, sessionId);
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
            return keys.deleteAll(version);
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
            return keys.delete(version, roomId, sessionId);
        }
    }

    // ---- account data ----

    @Override
    public synchronized Optional<Json.Obj> getAccountData(String type) throws StoreException {
        completeInterruptedWrite();
        layout.requireNoLinks(layout.accountDataFile(type).getParent());
        return LocalFiles.read(layout.accountDataFile(type), LocalFiles.MAX_FILE_BYTES)
                .filter(c -> !c.members().isEmpty());
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

    // ---- lock ----

    /** The store's write lock held by {@link #hold()}; closing it releases the lock. */
    public interface Held extends AutoCloseable {
        /**
         * Releases the write lock.
         *
         * @throws StoreException the lock file could not be released (the lock goes with the process anyway)
         */
        @Override
        void close() throws StoreException;
    }

    /**
     * Takes the store's write lock (its {@code write.lock}, for every process) and keeps it until the result is
     * closed, so that a check and the writes that depend on it are one step for every other writer: they wait.
     * The calling thread's own reads and writes go on while it holds it; while it is held, no other thread may
     * use this instance (it would wait for the lock while holding the instance).
     *
     * @return the held lock; close it in the same thread
     * @throws StoreException if the write lock cannot be taken, or an interrupted write cannot be completed
     */
    public synchronized Held hold() throws StoreException {
        return lock();
    }

    /** The store's write lock, taken by every write; see {@link StoreLock#take}. */
    private StoreLock lock() throws StoreException {
        return StoreLock.take(layout, journal);
    }

    /**
     * Completes a write that a crash interrupted, if any (its journal is there): under the write lock. A store
     * this process cannot write (read-only media, another user's copy) cannot complete it, and no read may go
     * on without it (it would see half of a batch): the error then says that a write is unfinished and what to
     * run where the store can be written, instead of only the failure to lock.
     */
    @SuppressWarnings("try") // held: the write lock, for the block
    private void completeInterruptedWrite() throws StoreException {
        if (journal.pending()) {
            try (StoreLock held = lock()) {
                // lock() replayed it
            } catch (StoreException e) {
                if (e instanceof MatrixException || !LocalFiles.writeRefused(e)) throw e;
                throw new StoreException("local store: " + dir + " has an unfinished write ("
                        + dir.resolve(Journal.JOURNAL_FILE) + ", left by a write that was interrupted); no read can "
                        + "go on before it is completed, and that needs write access to the store, which this process "
                        + "does not have (" + e.getMessage() + "): run keybackup status --user " + userId + " --store "
                        + dir + " once as a user who can write to the store (or make it writable): any command "
                        + "completes the write first", e);
            }
        }
    }
}
