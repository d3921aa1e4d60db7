package keybackup.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.localstore.LocalStore;

/**
 * Fuzz target: every {@link LocalStore} method throws only {@link StoreException} (or its subclass
 * {@code MatrixException}), whatever the store's files hold.
 *
 * <p>The input is the store's content as text: sections, each starting with a line {@code @ PATH}
 * followed by that file's bytes up to the next such line. A PATH ending in {@code /} is a directory. Path
 * segments are {@code [A-Za-z0-9._-]} (never {@code .} or {@code ..}); the segment {@code ROOM.json} stands
 * for the room file name of {@value #ROOM} (layout 1), {@code SHARD} and {@code KEY.json} for the shard
 * directory and file name of the key ({@value #ROOM}, {@value #SESSION}) (layout 2). Example:
 * <pre>
 * &#64; versions/1/info.json
 * {"algorithm":"m.megolm_backup.v1.curve25519-aes-sha2","auth_data":{},"version":"1"}
 * &#64; versions/1/state.json
 * {"count":0,"etag":"0"}
 * </pre>
 * Then the store is opened and every method is called, reads first, then writes and deletes.
 */
public final class LocalStoreFuzz {
    private LocalStoreFuzz() {}

    static final String ROOM = "!room:example.org";
    static final String SESSION = "ab/cd+ef/GH+ij";
    private static final String ROOM_FILE = "b" + Base64.getUrlEncoder().withoutPadding().encodeToString(ROOM.getBytes(StandardCharsets.UTF_8)) + ".json";
    private static final String KEY_NAME = keyName();
    private static final int MAX_SECTIONS = 16;
    private static final Json.Obj KEY = Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0),
            "is_verified", Json.of(false), "session_data", Json.obj("ciphertext", Json.of("x")));

    /** One store operation; StoreException is the documented failure. */
    private interface Op {
        void run(LocalStore store, String version) throws StoreException;
    }

    private static final List<Op> OPS = List.of(
            (s, v) -> s.currentVersion(),
            (s, v) -> s.version(v),
            (s, v) -> s.getSessionKey(v, ROOM, SESSION),
            (s, v) -> s.streamKeys(v, (room, session, data) -> { }),
            (s, v) -> s.getAccountData("m.megolm_backup.v1"),
            (s, v) -> s.queryOwnKeys(),
            (s, v) -> s.putSessionKey(v, ROOM, SESSION, KEY),
            (s, v) -> s.putKeys(v, Json.obj(ROOM, Json.obj("sessions", Json.obj("other", KEY)))),
            (s, v) -> s.deleteSessionKey(v, ROOM, SESSION),
            (s, v) -> s.updateVersion(v, "m.megolm_backup.v1.curve25519-aes-sha2", Json.obj()),
            (s, v) -> s.putAccountData("m.megolm_backup.v1", Json.obj("encrypted", Json.obj())),
            (s, v) -> s.deleteKeys(v),
            (s, v) -> s.createVersion("m.megolm_backup.v1.curve25519-aes-sha2", Json.obj()),
            (s, v) -> s.deleteVersion(v));

    public static void fuzzerTestOneInput(byte[] data) {
        Path dir;
        try {
            dir = Files.createTempDirectory("keybackup-fuzz-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            if (!lay(dir, new String(data, StandardCharsets.UTF_8))) return;
            LocalStore store;
            try {
                store = LocalStore.open(dir, "@fuzz:example.org");
            } catch (StoreException e) {
                return; // documented
            }
            String current = "1";
            try {
                Optional<Json.Obj> info = store.currentVersion();
                if (info.isPresent()) current = info.get().string("version");
            } catch (StoreException e) {
                // documented
            }
            for (String version : new String[] {"1", current}) {
                for (Op op : OPS) Documented.allow(StoreException.class, () -> op.run(store, version));
            }
        } finally {
            delete(dir);
        }
    }

    /** Writes the sections into {@code dir}; false when the input does not follow the format (skipped). */
    private static boolean lay(Path dir, String text) {
        List<String[]> sections = new ArrayList<>();
        String[] open = null;
        StringBuilder content = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("@ ")) {
                if (open != null) sections.add(new String[] {open[0], content.toString()});
                open = new String[] {line.substring(2).strip()};
                content.setLength(0);
            } else if (open != null) {
                content.append(line).append('\n');
            }
        }
        if (open != null) sections.add(new String[] {open[0], content.toString()});
        if (sections.size() > MAX_SECTIONS) return false;
        try {
            for (String[] s : sections) {
                Path target = resolve(dir, s[0]);
                if (target == null) return false;
                if (s[0].endsWith("/")) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    if (Files.isDirectory(target)) return false;
                    Files.write(target, s[1].getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            return false; // for example a file where a directory was asked for
        }
        return true;
    }

    private static Path resolve(Path dir, String path) {
        String[] segments = path.split("/");
        if (segments.length == 0 || segments.length > 5) return null;
        Path p = dir;
        for (String seg : segments) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.length() > 100 || !seg.matches("[A-Za-z0-9._-]+")) return null;
            if (seg.equals("ROOM.json")) seg = ROOM_FILE;
            else if (seg.equals("SHARD")) seg = KEY_NAME.substring(0, 2);
            else if (seg.equals("KEY.json")) seg = KEY_NAME + ".json";
            p = p.resolve(seg);
        }
        return p;
    }

    /** The key's name in layout 2: hex SHA-256 of the room ID's UTF-8 length (4 bytes), the room ID and the session ID. */
    private static String keyName() {
        byte[] room = ROOM.getBytes(StandardCharsets.UTF_8);
        byte[] session = SESSION.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(
                    ByteBuffer.allocate(4 + room.length + session.length).putInt(room.length).put(room).put(session).array());
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
