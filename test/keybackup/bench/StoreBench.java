package keybackup.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.localstore.LocalStore;

/**
 * {@code make bench-store}: the local store's cost per key against what it already holds (issue 13:
 * the same for n = 0 and n = 1,000,000 within 10 %). Two stores side by side, one empty and one holding
 * {@code n} keys (built once through the store API from synthetic but valid KeyBackupData, nothing
 * encrypted, and kept in {@code build/bench-store/n<n>} for the next run, which adds its keys to it).
 * Then, in rounds that alternate between the two stores (so a change of the host's load hits both
 * alike), per key: putting new keys in batches of 500 (the uploader's default), putting better copies of
 * stored keys (each replaced) and worse ones (each kept), reading {@code count} and {@code etag}
 * ({@code version}), reading single keys, and streaming every key back. Prints each figure for both stores and their ratio.
 *
 * <p>Arguments: {@code n} (default 1,000,000) and {@code k}, the new keys per store (default 10,000).
 * Wall time: the costs are file-system work (creations, renames, fsyncs), not CPU.
 */
public final class StoreBench {
    private StoreBench() {}

    private static final String USER = "@bench:example.org";
    private static final String ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
    private static final int BATCH = 500;
    private static final int ROUNDS = 10;
    private static final int ROOMS = 200;
    /** A session_data of a typical size: base64 of a 32-byte key, a 16-byte MAC and ~300 bytes of ciphertext. */
    private static final Json.Obj SESSION_DATA = Json.obj("ciphertext", Json.of("c".repeat(400)),
            "ephemeral", Json.of("e".repeat(43)), "mac", Json.of("m".repeat(11)));

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 && !args[0].isBlank() ? Long.parseLong(args[0].trim()) : 1_000_000;
        int k = args.length > 1 && !args[1].isBlank() ? Integer.parseInt(args[1].trim()) : 10_000;
        System.out.println("== local store: cost per key vs keys stored (n = 0 and n = " + n + ", k = " + k + ") ==");
        System.out.println("load average at the start: " + Bench.loadAverage());
        Path root = Path.of("build", "bench-store");
        Path big = root.resolve("n" + n);
        Path small = root.resolve("empty");
        deleteTree(small);
        LocalStore full = filled(big, n);
        LocalStore empty = LocalStore.open(small, USER);
        String vFull = full.currentVersion().orElseThrow().string("version");
        String vEmpty = empty.createVersion(ALGORITHM, Json.obj());
        String[] names = {"n=0", "n=" + ((Json.Int) full.version(vFull).get("count")).value()};
        LocalStore[] stores = {empty, full};
        String[] versions = {vEmpty, vFull};
        double[][] ns = new double[6][2];
        String[] what = {"put new keys (batches of 500)", "put better copies (replaced)", "put worse copies (kept)",
            "count and etag (version)", "get one key", "stream all keys back"};
        // Key names unique to this run: a reused store holds the keys of every earlier run, and a key it
        // already holds is not new (its puts would measure the replacement rule's cheap "kept" path instead).
        String run = Long.toString(System.currentTimeMillis(), 36) + "-";
        // warm-up (not counted): every operation on both stores, so the JIT has compiled them before the rounds
        for (int s = 0; s < 2; s++) {
            put(stores[s], versions[s], run + "warm-", BATCH * 2, 5);
            put(stores[s], versions[s], run + "warm-", BATCH * 2, 1);
            put(stores[s], versions[s], run + "warm-", BATCH * 2, 3);
            versionCalls(stores[s], versions[s], 500);
            gets(stores[s], versions[s], run + "warm-", BATCH * 2);
        }
        int per = k / ROUNDS;
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < 2; i++) {
                int s = (round + i) % 2; // each store goes first in every other round
                String prefix = run + "r" + round + "-";
                ns[0][s] += put(stores[s], versions[s], prefix, per, 5) / (double) (per * ROUNDS);
                ns[1][s] += put(stores[s], versions[s], prefix, per, 1) / (double) (per * ROUNDS);
                ns[2][s] += put(stores[s], versions[s], prefix, per, 3) / (double) (per * ROUNDS);
                ns[3][s] += versionCalls(stores[s], versions[s], 500) / ROUNDS;
                ns[4][s] += gets(stores[s], versions[s], prefix, per) / ROUNDS;
            }
        }
        for (int s = 0; s < 2; s++) {
            long t0 = System.nanoTime();
            long[] seen = {0};
            stores[s].streamKeys(versions[s], (room, session, data) -> seen[0]++);
            ns[5][s] = (System.nanoTime() - t0) / (double) seen[0];
            System.out.printf(Locale.ROOT, "streamed %s: %d keys%n", names[s], seen[0]);
        }
        System.out.println();
        System.out.println("| per key (wall) | " + names[0] + " | " + names[1] + " | ratio |");
        System.out.println("|---|---|---|---|");
        for (int i = 0; i < what.length; i++) {
            System.out.printf(Locale.ROOT, "| %s | %.1f µs | %.1f µs | %.2f |%n", what[i], ns[i][0] / 1e3,
                    ns[i][1] / 1e3, ns[i][1] / ns[i][0]);
        }
        System.out.println("load average at the end: " + Bench.loadAverage());
        System.out.println("(" + big + " is kept for the next run; delete it to free the space)");
    }

    /** A KeyBackupData that passes the server's checks; {@code index} orders copies (lower replaces higher). */
    private static Json.Obj key(long index) {
        return Json.obj("first_message_index", Json.of(index), "forwarded_count", Json.of(0),
                "is_verified", Json.of(false),
                "session_data", SESSION_DATA);
    }

    /** The store in {@code dir} holding {@code n} keys: reused when a previous run left it complete. */
    private static LocalStore filled(Path dir, long n) throws StoreException, IOException {
        LocalStore store = LocalStore.open(dir, USER);
        // a previous run's store is reused: it holds n keys and the k (and warm-up keys) that run added
        if (store.currentVersion().isPresent() && store.currentVersion().get().get("count") instanceof Json.Int c
                && c.value() >= n && c.value() <= n + n / 10 + 100_000) {
            System.out.println("reusing " + dir + " (" + c.value() + " keys)");
            return store;
        }
        deleteTree(dir);
        store = LocalStore.open(dir, USER);
        String v = store.createVersion(ALGORITHM, Json.obj());
        long t0 = System.nanoTime();
        for (long done = 0; done < n; ) {
            int size = (int) Math.min(BATCH * 10, n - done);
            store.putKeys(v, rooms("fill-", done, size, 5));
            done += size;
            if (done % 100_000 == 0 || done == n) {
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "filling %s: %d keys (%.0f s)%n", dir, done, seconds);
            }
        }
        return store;
    }

    /** {@code count} sessions from number {@code from}, spread over {@value #ROOMS} rooms. */
    private static Json.Obj rooms(String prefix, long from, int count, long index) {
        Map<String, Map<String, Json>> rooms = new LinkedHashMap<>();
        for (long i = from; i < from + count; i++) {
            rooms.computeIfAbsent("!room" + (i % ROOMS) + ":example.org", r -> new LinkedHashMap<>())
                    .put(prefix + "session-" + i, key(index));
        }
        Map<String, Json> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Json>> r : rooms.entrySet()) {
            out.put(r.getKey(), Json.obj("sessions", new Json.Obj(r.getValue())));
        }
        return new Json.Obj(out);
    }

    /** Puts {@code count} keys named by {@code prefix} with {@code index}, in batches; returns the ns taken. */
    private static long put(LocalStore store, String version, String prefix, int count,
            long index) throws StoreException {
        long t0 = System.nanoTime();
        for (int done = 0; done < count; done += BATCH) {
            store.putKeys(version, rooms(prefix, done, Math.min(BATCH, count - done), index));
        }
        return System.nanoTime() - t0;
    }

    private static double versionCalls(LocalStore store, String version, int calls) throws StoreException {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) store.version(version);
        return (System.nanoTime() - t0) / (double) calls;
    }

    private static double gets(LocalStore store, String version, String prefix, int count) throws StoreException {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (store.getSessionKey(version, "!room" + (i % ROOMS) + ":example.org", prefix + "session-"
                    + i).isEmpty()) {
                throw new IllegalStateException("a key put by this run is missing");
            }
        }
        return (System.nanoTime() - t0) / (double) count;
    }

    /** Removes a bench store directory. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
