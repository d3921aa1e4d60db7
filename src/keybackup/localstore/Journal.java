package keybackup.localstore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;

/**
 * The redo journal of a {@link LocalStore}, {@code journal.json}: a write that changes keys records its whole
 * outcome there (fsynced) before it touches a key file, so a crash at any point is followed by a replay that
 * completes it (crash safety: {@link LocalStore}'s class doc). Every method runs under the write lock.
 */
final class Journal {
    static final String JOURNAL_FILE = "journal.json";
    /** Largest journal read back: the keys of one write (the uploader sends at most 1 MiB at a time). */
    private static final long MAX_JOURNAL_BYTES = 512L * 1024 * 1024;
    /** Largest etag kept in {@code state.json}: 15 decimal digits (a counter that would take ages to reach). */
    private static final long MAX_ETAG = 999_999_999_999_999L;

    private final LocalLayout layout;
    private final VersionFiles versions;

    Journal(LocalLayout layout, VersionFiles versions) {
        this.layout = layout;
        this.versions = versions;
    }

    /** Whether a write was interrupted: its journal is there. */
    boolean pending() {
        return Files.exists(layout.root().resolve(JOURNAL_FILE));
    }

    /**
     * Makes a change of keys durable and exact: the journal (the outcome: version, new count and etag,
     * {@code [room, session, KeyBackupData or null]} per changed key, and whether all keys go first),
     * then the change itself ({@link #apply}), then the journal's removal. No change: nothing is written.
     */
    Json.Obj commit(String version, Json.Obj old, long count, List<Json> changes,
            boolean clear) throws StoreException {
        boolean changed = clear || !changes.isEmpty();
        long etag = Long.parseLong(old.string("etag")) + (changed ? 1 : 0); // at most 15 digits: state() checked it
        Path stateFile = layout.versionDir(version).resolve("state.json");
        if (etag > MAX_ETAG) throw new StoreException("local store: " + stateFile + ": etag cannot grow past "
                + MAX_ETAG);
        if (count > Json.MAX_INTEGER) throw new StoreException("local store: " + stateFile + ": count cannot grow past "
                + Json.MAX_INTEGER);
        Json.Obj state = VersionFiles.state(Math.max(0, count), etag);
        if (!changed) return old;
        Json.Obj journal = Json.obj("version", Json.of(version), "state", state, "clear", Json.of(clear), "keys",
                Json.arr(changes));
        Path journalFile = layout.root().resolve(JOURNAL_FILE);
        LocalFiles.write(journalFile, journal);
        apply(journalFile, journal);
        return state;
    }

    /** Replays the journal of an interrupted write; called by {@link StoreLock#take} once the lock is held. */
    void replay() throws StoreException {
        Path file = layout.root().resolve(JOURNAL_FILE);
        Optional<Json.Obj> journal = LocalFiles.read(file, MAX_JOURNAL_BYTES);
        if (journal.isPresent()) apply(file, check(file, journal.get()));
    }

    /** Carries out a journal already checked by {@link #check} (or just written), then removes it. */
    private void apply(Path journalFile, Json.Obj journal) throws StoreException {
        String version = journal.string("version");
        if (versions.info(version).isPresent()) {
            layout.requireNoLinks(layout.keysDir(version)); // and each shard below: never a write through a link
            if (journal.get("clear") instanceof Json.Bool b && b.value()) {
                LocalFiles.deleteTree(layout.keysDir(version));
                LocalLayout.createShards(layout.keysDir(version));
            }
            List<LocalFiles.Write> writes = new ArrayList<>();
            Path keys = layout.keysDir(version);
            Set<Path> shards = new HashSet<>();
            for (Json change : ((Json.Arr) journal.get("keys")).elements()) {
                List<Json> c = ((Json.Arr) change).elements();
                String room = ((Json.Str) c.get(0)).value();
                String session = ((Json.Str) c.get(1)).value();
                Json.Obj data = c.get(2) instanceof Json.Obj o ? o : null;
                Json content = data == null ? null : KeyFiles.content(room, session, data);
                Path file = LocalLayout.keyFile(keys, room, session);
                if (shards.add(file.getParent()) && Files.isSymbolicLink(file.getParent())) {
                    throw LocalFiles.linkRefused(file.getParent());
                }
                writes.add(new LocalFiles.Write(file, content));
            }
            LocalFiles.writeAll(writes);
            LocalFiles.write(layout.versionDir(version).resolve("state.json"), journal.object("state"));
        }
        LocalFiles.deleteDurably(journalFile);
    }

    /** The journal, each of its values checked like the files it stands for. */
    private static Json.Obj check(Path file, Json.Obj j) throws StoreException {
        String problem = null;
        Json.Obj state = j.object("state");
        if (LocalLayout.number(j.string("version")) < 0) problem = "version: expected a version number";
        else if (state == null) problem = "state: expected an object";
        else if (VersionFiles.stateProblem(state) != null) problem = "state." + VersionFiles.stateProblem(state);
        else if (!(j.get("clear") instanceof Json.Bool)) problem = "clear: expected a boolean";
        else if (!(j.get("keys") instanceof Json.Arr keys)) problem = "keys: expected an array";
        else {
            // One change per key: a batch never holds two (its writes run in parallel, so two would race).
            Set<List<Json>> seen = new HashSet<>();
            for (Json change : keys.elements()) {
                if (!(change instanceof Json.Arr c) || c.elements().size() != 3
                        || !(c.elements().get(0) instanceof Json.Str)
                        || !(c.elements().get(1) instanceof Json.Str)) {
                    problem = "keys: expected [room id, session id, key or null] for each key";
                } else if (!seen.add(c.elements().subList(0, 2))) {
                    problem = "keys: the same key twice";
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
}
