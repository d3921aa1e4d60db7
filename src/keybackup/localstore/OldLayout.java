package keybackup.localstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Conversion of a store of layout 1, where each version kept its keys in {@code rooms/<name>.json}
 * ({@code {"room_id": "...", "sessions": {session id: KeyBackupData}}}, {@code <name>} from
 * {@link LocalFiles#fileName} of the room ID), to layout 2 (one file per key; {@link LocalStore}).
 * Run by {@link LocalStore#open} under the write lock for every version that has {@code rooms/}: a store
 * without {@code store.json}, or one that an older keybackup wrote to after this one converted it (then a
 * key in both places keeps the better copy by the store's replacement rule).
 *
 * <p>Crash safety: the keys of one room file are written and fsynced before that file is removed, and
 * {@code rooms/} is removed only after the version's {@code count} has been recounted from its key files;
 * an interrupted conversion leaves {@code rooms/} and no {@code store.json}, so the next open resumes it
 * (rewriting a key already converted writes the same content). Every value read is checked as layout 2's
 * are; a bad one stops the conversion with a StoreException naming the file, and the store stays as it is.
 */
final class OldLayout {
    private OldLayout() {}

    /** Largest room file of layout 1 (the limit that layout had). */
    private static final long MAX_ROOM_FILE_BYTES = 512L * 1024 * 1024;
    /** Largest single value in a room file (one KeyBackupData). */
    private static final long MAX_VALUE_BYTES = 4L * 1024 * 1024;
    /** Keys written (and fsynced) together during the conversion. */
    private static final int BATCH = 1000;

    /**
     * Checks {@code store.json}, and converts room files of layout 1: all of a store without {@code store.json}
     * (new, or of layout 1; marked once converted), or those an older keybackup added since.
     */
    static void convertAndMark(LocalLayout layout, ReplacementRule rule) throws StoreException {
        Path dir = layout.root();
        Optional<Json.Obj> marker = layout.marker();
        convert(dir, layout, rule);
        if (marker.isEmpty()) {
            LocalFiles.write(dir.resolve(LocalLayout.LAYOUT_FILE), Json.obj("layout", Json.of(LocalLayout.LAYOUT)));
        }
    }

    /** Converts every version that still has {@code rooms/}; versions without one are left as they are. */
    private static void convert(Path dir, LocalLayout layout, ReplacementRule rule) throws StoreException {
        for (String version : versionsWithRoomFiles(dir)) convertVersion(layout, version, rule);
    }

    /** The versions (canonical numbers) that have a {@code rooms/} directory. */
    static List<String> versionsWithRoomFiles(Path dir) throws StoreException {
        Path versions = dir.resolve("versions");
        List<String> old = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(versions)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (LocalLayout.number(name) >= 0 && Files.isDirectory(d.resolve(LocalLayout.OLD_ROOMS))) old.add(name);
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StoreException("local store: cannot list " + versions + " (" + e.getMessage() + ")", e);
        }
        return old;
    }

    private static void convertVersion(LocalLayout layout, String version, ReplacementRule rule) throws StoreException {
        Path v = layout.versionDir(version);
        Path rooms = v.resolve(LocalLayout.OLD_ROOMS);
        // read, written and removed only inside the store, as every read and write of it is
        layout.requireNoLinks(rooms);
        layout.requireNoLinks(layout.keysDir(version));
        if (!Files.exists(v.resolve("info.json")) || Files.exists(v.resolve("deleted"))) {
            LocalFiles.deleteTree(rooms); // a deleted or never-created version: its keys are not readable anyway
            return;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> list = Files.newDirectoryStream(rooms)) {
            for (Path f : list) {
                if (!f.getFileName().toString().startsWith(".")) files.add(f); // not a temporary file
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StoreException("local store: cannot list " + rooms + " (" + e.getMessage() + ")", e);
        }
        Set<Path> shards = new HashSet<>(); // each checked once
        for (Path file : files) {
            List<LocalFiles.Write> batch = new ArrayList<>();
            readRoomFile(file, (room, session, data) -> {
                String problem = ReplacementRule.problem(data);
                if (problem != null) throw new StoreException("local store: " + file + " is corrupt: a session's "
                        + problem);
                // a key already in layout 2 (written by this version of keybackup after an older one added
                // room files) is replaced only by a better copy, as an upload would replace it
                Path keyFile = layout.keyFile(version, room, session);
                if (shards.add(keyFile.getParent()) && Files.isSymbolicLink(keyFile.getParent())) {
                    throw LocalFiles.linkRefused(keyFile.getParent());
                }
                Optional<Json.Obj> stored = KeyFiles.read(keyFile);
                if (stored.isPresent() && !rule.shouldReplace(stored.get(), data)) return;
                batch.add(new LocalFiles.Write(keyFile, KeyFiles.content(room, session, data)));
                if (batch.size() >= BATCH) {
                    LocalFiles.writeAll(batch);
                    batch.clear();
                }
            });
            LocalFiles.writeAll(batch);
            LocalFiles.deleteDurably(file);
        }
        VersionFiles.writeRecount(layout, version, countKeys(layout.keysDir(version)));
        LocalFiles.deleteTree(rooms);
        LocalFiles.syncDirectory(v);
    }

    /** The number of key files under {@code keys}. */
    private static long countKeys(Path keys) throws StoreException {
        long n = 0;
        if (!Files.isDirectory(keys)) return 0;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(keys)) {
            for (Path shard : shards) {
                if (!LocalLayout.SHARD.matcher(shard.getFileName().toString()).matches()) continue;
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path f : files) {
                        if (LocalLayout.KEY_FILE.matcher(f.getFileName().toString()).matches()) n++;
                    }
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new StoreException("local store: cannot list " + keys + " (" + e.getMessage() + ")", e);
        }
        return n;
    }

    /** Receives one session of a room file. */
    private interface SessionVisitor {
        void visit(String roomId, String sessionId, Json.Obj data) throws StoreException;
    }

    /** Reads one room file {@code {"room_id", "sessions"}} of layout 1 incrementally. */
    private static void readRoomFile(Path file, SessionVisitor visitor) throws StoreException {
        try (JsonReader reader = new JsonReader(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS),
                MAX_ROOM_FILE_BYTES)) {
            reader.limitValues(MAX_VALUE_BYTES);
            reader.beginObject();
            String roomId = null;
            for (String key = reader.nextKey(); key != null; key = reader.nextKey()) {
                if (key.equals("room_id") && roomId == null && reader.readValue() instanceof Json.Str s) {
                    roomId = s.value();
                    // the name is derived from the room id: a file that names another room is not this room's
                    if (!LocalFiles.fileName(roomId).equals(file.getFileName().toString())) {
                        throw new StoreException("local store: " + file
                                + " is corrupt: room_id does not match the file name");
                    }
                } else if (key.equals("sessions") && roomId != null) { // canonical order puts room_id first
                    reader.beginObject();
                    for (String sessionId = reader.nextKey(); sessionId != null; sessionId = reader.nextKey()) {
                        if (!(reader.readValue() instanceof Json.Obj data)) {
                            throw new StoreException("local store: " + file
                                    + " is corrupt: a session's value is not an object");
                        }
                        visitor.visit(roomId, sessionId, data);
                    }
                } else {
                    throw new StoreException("local store: " + file + " is corrupt: unexpected member");
                }
            }
            reader.expectEnd();
        } catch (NoSuchFileException e) {
            // removed meanwhile: nothing to convert
        } catch (IOException | UncheckedIOException e) {
            if (Files.isSymbolicLink(file)) throw LocalFiles.linkRefused(file); // never followed
            throw new StoreException("local store: cannot read " + file, e);
        } catch (JsonException e) {
            throw new StoreException("local store: " + file + " is corrupt: " + e.getMessage(), e);
        }
    }
}
