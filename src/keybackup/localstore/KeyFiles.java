package keybackup.localstore;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import keybackup.homeserver.BackupStore.KeyVisitor;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;

/**
 * The keys of a {@link LocalStore}: the key files ({@code keys/<xx>/<h>.json}, each checked on read to be a
 * KeyBackupData a server would accept and to name its own key), their reads, and the writes of keys, checked
 * as a server checks an upload, the changes picked by the store's {@link ReplacementRule} and made through
 * the {@link Journal}. Callers hold the write lock for every write.
 */
final class KeyFiles {
    private final LocalLayout layout;
    private final VersionFiles versions;
    private final Journal journal;
    private final ReplacementRule rule;

    KeyFiles(LocalLayout layout, VersionFiles versions, Journal journal, ReplacementRule rule) {
        this.layout = layout;
        this.versions = versions;
        this.journal = journal;
        this.rule = rule;
    }

    // ---- writes ----

    /** Stores the uploaded keys that are new or better by the rule; see {@link LocalStore#putKeys}. */
    Json.Obj put(String version, Json.Obj rooms) throws StoreException {
        versions.requireWritable(version);
        for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
            if (!(room.getValue() instanceof Json.Obj r) || r.object("sessions") == null) {
                throw new MatrixException(400, MatrixException.BAD_JSON, "rooms." + room.getKey()
                        + ".sessions: expected an object");
            }
            validateSessions(r.object("sessions"));
        }
        Json.Obj state = versions.state(version);
        long count = VersionFiles.count(state);
        List<Json> changes = new ArrayList<>();
        Path keys = layout.keysDir(version);
        layout.requireNoLinks(keys);
        Set<Path> shards = new HashSet<>(); // checked once each
        for (Map.Entry<String, Json> room : rooms.members().entrySet()) {
            for (Map.Entry<String, Json> s : ((Json.Obj) room.getValue()).object("sessions").members().entrySet()) {
                Json.Obj candidate = (Json.Obj) s.getValue(); // passed validateSessions
                Path file = LocalLayout.keyFile(keys, room.getKey(), s.getKey());
                if (shards.add(file.getParent()) && Files.isSymbolicLink(file.getParent())) {
                    throw LocalFiles.linkRefused(file.getParent());
                }
                Optional<Json.Obj> stored = read(file);
                if (stored.isEmpty()) {
                    count++;
                } else if (!rule.shouldReplace(stored.get(), candidate)) {
                    continue;
                }
                changes.add(Json.arr(List.of(Json.of(room.getKey()), Json.of(s.getKey()), candidate)));
            }
        }
        return journal.commit(version, state, count, changes, false);
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

    /** Deletes all keys of the version; see {@link LocalStore#deleteKeys}. */
    Json.Obj deleteAll(String version) throws StoreException {
        versions.requireInfo(version);
        Json.Obj state = versions.state(version);
        return journal.commit(version, state, 0, List.of(), VersionFiles.count(state) > 0);
    }

    /** Deletes one key; see {@link LocalStore#deleteSessionKey}. */
    Json.Obj delete(String version, String roomId, String sessionId) throws StoreException {
        versions.requireInfo(version);
        Json.Obj state = versions.state(version);
        if (stored(version, roomId, sessionId).isEmpty()) return state;
        Json delete = Json.arr(List.of(Json.of(roomId), Json.of(sessionId), Json.Null.INSTANCE));
        return journal.commit(version, state, VersionFiles.count(state) - 1, List.of(delete), false);
    }

    // ---- key files ----

    static Json.Obj content(String roomId, String sessionId, Json.Obj data) {
        return Json.obj("key", data, "room_id", Json.of(roomId), "session_id", Json.of(sessionId));
    }

    /** The stored KeyBackupData of one key, checked to be one a server would accept and to be that key's. */
    Optional<Json.Obj> stored(String version, String roomId, String sessionId) throws StoreException {
        Path file = layout.keyFile(version, roomId, sessionId);
        layout.requireNoLinks(file.getParent());
        return read(file);
    }

    /** The KeyBackupData in a key file, checked as {@link #check} does; empty when there is no such file. */
    static Optional<Json.Obj> read(Path file) throws StoreException {
        Optional<Json.Obj> content = LocalFiles.read(file, LocalFiles.MAX_FILE_BYTES);
        if (content.isEmpty()) return content;
        return Optional.of(check(file, content.get()).object("key"));
    }

    /** A key file's content: both IDs, naming this very file, and a KeyBackupData a server would accept. */
    private static Json.Obj check(Path file, Json.Obj content) throws StoreException {
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

    /**
     * Visits every key file under {@code keys} (a version's {@code keys/}, which the caller checked is no link),
     * shard by shard, one file at a time; a shard or a key file that is a symbolic link is refused.
     */
    static void stream(Path keys, KeyVisitor visitor) throws StoreException {
        if (!Files.isDirectory(keys)) return;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(keys)) {
            for (Path shard : shards) {
                String name = shard.getFileName().toString();
                if (name.startsWith(".")) continue;
                if (!LocalLayout.SHARD.matcher(name).matches()) {
                    throw new StoreException("local store: " + shard + " is corrupt: not a shard of " + LocalLayout.KEYS
                            + "/ (two hex digits)");
                }
                if (Files.isSymbolicLink(shard)) throw LocalFiles.linkRefused(shard);
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
                // empty: deleted meanwhile
                Optional<Json.Obj> content = LocalFiles.read(file, LocalFiles.MAX_FILE_BYTES);
                if (content.isEmpty()) continue;
                Json.Obj key = check(file, content.get());
                visitor.visit(key.string("room_id"), key.string("session_id"), key.object("key"));
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StoreException("local store: cannot list " + shard + " (" + e.getMessage() + ")", e);
        }
    }
}
