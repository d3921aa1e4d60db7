package keybackup.localstore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import keybackup.homeserver.MatrixException;
import keybackup.homeserver.StoreException;
import keybackup.homeserver.VersionInfo;
import keybackup.json.Json;

/**
 * The versions of a {@link LocalStore}: their files {@code info.json}, {@code state.json} and the tombstone
 * {@code deleted}, each value checked where it is read, and a server's rules for them (numbers never reused,
 * only the current version writable, 404 for an unknown one). Callers hold the write lock for every change.
 */
final class VersionFiles {
    private final LocalLayout layout;

    VersionFiles(LocalLayout layout) {
        this.layout = layout;
    }

    /** Creates the next version (a number never used before) and returns its number. */
    String create(String algorithm, Json.Obj authData) throws StoreException {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(authData, "authData");
        long highest = layout.versions().highest();
        if (highest >= LocalLayout.MAX_VERSION) {
            throw new StoreException("local store: version " + highest
                    + " is the last possible number; no version can be created in " + layout.root());
        }
        String version = Long.toString(highest + 1);
        Path v = layout.versionDir(version);
        LocalFiles.write(v.resolve("state.json"), state(0, 0));
        LocalLayout.createShards(layout.keysDir(version));
        // info.json last: until it exists the version does not, so a crash leaves an unused (never reused) number
        LocalFiles.write(v.resolve("info.json"), info(algorithm, authData, version));
        return version;
    }

    /** A version as a server describes it: its {@code info.json} with the {@code count} and {@code etag}. */
    Json.Obj describe(String version) throws StoreException {
        Json.Obj info = requireInfo(version);
        Json.Obj state = state(version);
        // info() and state() checked each file; this states that the answer obeys the same rules as a server's
        Json.Obj answer = info.with("count", state.get("count")).with("etag", state.get("etag"));
        return VersionInfo.check("local store: " + layout.versionDir(version), answer, version);
    }

    /** Replaces {@code auth_data} of an existing version; see {@link LocalStore#updateVersion}. */
    void update(String version, String algorithm, Json.Obj authData) throws StoreException {
        Json.Obj info = requireInfo(version);
        if (!Objects.equals(info.string("algorithm"), algorithm)) {
            throw new MatrixException(400, MatrixException.INVALID_PARAM, "algorithm: differs from the stored one");
        }
        Json.Obj info2 = info(algorithm, Objects.requireNonNull(authData, "authData"), version);
        LocalFiles.write(layout.versionDir(version).resolve("info.json"), info2);
    }

    /**
     * Deletes a version: its number stays taken. A version that does not exist, never did or was deleted, is
     * 404 {@code M_NOT_FOUND} (as {@code GET} answers for it); the files a deletion stopped by a crash left
     * behind are removed first.
     */
    void delete(String version) throws StoreException {
        Path v = layout.versionDirIfValid(version);
        if (v == null || !Files.isDirectory(v)) throw notFound("unknown backup version");
        if (Files.exists(v.resolve("deleted")) || !Files.exists(v.resolve("info.json"))) {
            if (Files.exists(v.resolve("deleted"))) removeContent(v);
            throw notFound("unknown backup version"); // a version with a corrupt info.json can still be deleted
        }
        // tombstone first: a crash after it still reads as deleted
        LocalFiles.write(v.resolve("deleted"), Json.obj());
        removeContent(v);
    }

    /** Everything of a version but its tombstone. */
    private static void removeContent(Path v) throws StoreException {
        LocalFiles.deleteTree(v.resolve("info.json"));
        LocalFiles.deleteTree(v.resolve("state.json"));
        LocalFiles.deleteTree(v.resolve(LocalLayout.KEYS));
        LocalFiles.deleteTree(v.resolve(LocalLayout.OLD_ROOMS));
    }

    // ---- state.json ----

    static Json.Obj state(long count, long etag) {
        return Json.obj("count", Json.of(count), "etag", Json.of(Long.toString(etag)));
    }

    static long count(Json.Obj state) {
        return ((Json.Int) state.get("count")).value();
    }

    /** {@code state.json}: {@code count} an integer from 0 to 2^53−1, {@code etag} 1 to 15 decimal digits. */
    Json.Obj state(String version) throws StoreException {
        layout.requireNoLinks(layout.versionDir(version));
        return readState(layout.versionDir(version).resolve("state.json"));
    }

    static Json.Obj readState(Path file) throws StoreException {
        Json.Obj s = LocalFiles.read(file, LocalFiles.MAX_FILE_BYTES).orElse(state(0, 0));
        String problem = stateProblem(s);
        if (problem != null) throw new StoreException("local store: " + file + " is corrupt: " + problem);
        return s;
    }

    static String stateProblem(Json.Obj s) {
        if (!(s.get("count") instanceof Json.Int n) || n.value() < 0) return "count: expected a non-negative integer";
        String etag = s.string("etag");
        if (etag == null || !etag.matches("[0-9]{1,15}")) return "etag: expected a string of 1 to 15 decimal digits";
        return null;
    }

    /** Writes the recounted state of a converted version; see {@link OldLayout}. */
    static void writeRecount(LocalLayout layout, String version, long count) throws StoreException {
        Path file = layout.versionDir(version).resolve("state.json");
        Json.Obj old = readState(file);
        if (count > Json.MAX_INTEGER) throw new StoreException("local store: " + file + ": count cannot grow past "
                + Json.MAX_INTEGER);
        LocalFiles.write(file, state(count, Long.parseLong(old.string("etag"))));
    }

    // ---- info.json ----

    private static Json.Obj info(String algorithm, Json.Obj authData, String version) {
        return Json.obj("algorithm", Json.of(algorithm), "auth_data", authData, "version", Json.of(version));
    }

    /** {@code info.json}, checked by {@link VersionInfo} and required to name its own directory's version. */
    Optional<Json.Obj> info(String version) throws StoreException {
        Path v = layout.versionDirIfValid(version);
        if (v != null) layout.requireNoLinks(v);
        if (v == null || Files.exists(v.resolve("deleted"))) return Optional.empty();
        Path file = v.resolve("info.json");
        Optional<Json.Obj> info = LocalFiles.read(file, LocalFiles.MAX_FILE_BYTES);
        if (info.isPresent()) {
            VersionInfo.check("local store: " + file + " is corrupt", info.get());
            if (!version.equals(info.get().string("version"))) {
                throw new StoreException("local store: " + file + " is corrupt: version: not the directory's number");
            }
        }
        return info;
    }

    Json.Obj requireInfo(String version) throws StoreException {
        return info(version).orElseThrow(() -> notFound("unknown backup version"));
    }

    void requireWritable(String version) throws StoreException {
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
