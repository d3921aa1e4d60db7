package keybackup.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import keybackup.backup.ExportedSession;
import keybackup.backup.SessionData;
import keybackup.backup.SessionExport;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.workflow.WorkflowFixture;

/**
 * {@code make bench-commands}: the commands a user runs, each measured as a whole process from start to
 * exit ({@code bin/keybackup}, so the launcher's JVM options count too), beside the JCA floor measured in
 * this same process before and after the commands. Argument: the number of keys (default 20,000).
 *
 * <p>Per command: wall time; CPU time (user + sys) of the child; CPU per key over the floor; wall / CPU;
 * peak RSS. CPU and peak RSS come from the kernel's accounting of the finished child ({@code wait4}
 * rusage, read through GNU {@code time -f} when {@code /usr/bin/time} exists); without it, from
 * {@code /proc/PID/stat} and {@code VmHWM} polled every 10 ms until the child exits (which misses at most
 * the last poll interval, and says so).
 *
 * <p>With {@code BENCH_THREADS=1} the table also gives the process's CPU over its worker threads' CPU (from
 * {@code /proc/PID/task}): the worker threads do the per-key work, so this ratio is what the process adds
 * (JIT, parsing, I/O), measured at the same moment, immune to the host's speed drifting between the floor
 * and the command.
 *
 * <p>Environment: {@code BENCH_STDIN=0} skips the rows through stdin and stdout (Element's encrypted export
 * written and read back, a plain export from stdin). {@code BENCH_HTTP=0} skips the loopback homeserver,
 * {@code BENCH_LOCAL=0} the local
 * store; {@code BENCH_LARGE=1} runs only the streaming commands on the local store (the 1,000,000-key
 * bounded-memory check): upload from the file, restore to a file, restore to stdout as Element's encrypted
 * export, upload of that encrypted export from stdin, and the online audit (table and {@code --json}, every
 * key's row sorted on disk); and exits 1 unless every command ran with
 * {@code -Xmx256m} within 300 MB of peak RSS. Without it, a plain upload from stdin runs too.
 * {@code KEYBACKUP_JAVA_OPTS} passes through to the children.
 *
 * <p>The provider seam: run with {@code -Dkeybackup.provider=NAME}, that provider registered through
 * {@code -Djava.security.properties=FILE} and its jar named by {@code -Dbench.provider.jar=JAR} (what {@code make
 * bench-commands BENCH_PROVIDER_JAR=JAR BENCH_PROVIDER=NAME} does), the bench gives the same three to every child:
 * to each command through {@code KEYBACKUP_JAVA_OPTS} (the jar as {@code -cp}: the launcher runs the keybackup
 * module from the module path, and the JDK finds providers on the class path too), and to the process floor on its
 * command line, so the ratio compares like with like. Without them every child runs as before. Either way the
 * untimed {@code enable} and a small untimed process floor run once with {@code -Djava.security.debug=provider},
 * and the bench prints which provider each JCA object came from; with a provider named, it stops unless every
 * Ed25519 and X25519 object came from it.
 */
public final class CommandBench {
    private CommandBench() {}

    static final int ROOM_SIZE = 100;
    private static final Path LAUNCHER = Path.of("bin/keybackup").toAbsolutePath();
    private static final Path GNU_TIME = Path.of("/usr/bin/time");
    private static final List<String[]> ROWS = new ArrayList<>();

    /** The provider every child selects ({@code -Dkeybackup.provider} of this JVM), or null for the JDK's own. */
    private static final String PROVIDER = blankToNull(System.getProperty("keybackup.provider"));

    /** The JVM options that register and select {@link #PROVIDER} in a child; empty without one. */
    private static final List<String> PROVIDER_OPTS = providerOptions();

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static List<String> providerOptions() {
        if (PROVIDER == null) return List.of();
        String jar = blankToNull(System.getProperty("bench.provider.jar"));
        String security = blankToNull(System.getProperty("java.security.properties"));
        if (jar == null || security == null) {
            throw new IllegalStateException("-Dkeybackup.provider needs -Dbench.provider.jar and "
                    + "-Djava.security.properties (make bench-commands BENCH_PROVIDER_JAR=... BENCH_PROVIDER=...)");
        }
        List<String> opts = List.of("-cp", Path.of(jar).toAbsolutePath().toString(), "-Djava.security.properties="
                + Path.of(security).toAbsolutePath(), "-Dkeybackup.provider=" + PROVIDER);
        for (String o : opts) {
            // KEYBACKUP_JAVA_OPTS is split at spaces by the launcher
            if (o.chars().anyMatch(Character::isWhitespace)) throw new IllegalStateException("a space in: " + o);
        }
        return opts;
    }

    /** The provider's name and version, or "JDK" for the JDK's own, for the table's header. */
    private static String providerName() {
        if (PROVIDER == null) return "JDK (SunEC, SunJCE)";
        java.security.Provider p = java.security.Security.getProvider(PROVIDER);
        return PROVIDER + (p == null ? "" : " " + p.getVersionStr()) + " in every child";
    }

    /** Which provider the children use, for the headers. */
    private static String providerLabel() {
        if (PROVIDER == null) return "the JDK's own (no -Dkeybackup.provider)";
        java.security.Provider p = java.security.Security.getProvider(PROVIDER);
        return PROVIDER + (p == null ? "" : " " + p.getVersionStr()) + " (-Dkeybackup.provider=" + PROVIDER + ", jar "
                + Path.of(System.getProperty("bench.provider.jar")).getFileName() + ", in every child)";
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0].trim()) : 20_000;
        boolean large = "1".equals(System.getenv("BENCH_LARGE"));
        System.out.println("== machine ==");
        System.out.printf("cpus: %d, cpu: %s%n", Runtime.getRuntime().availableProcessors(), cpuModel());
        System.out.printf("java: %s (%s %s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"));
        System.out.println("load average at the start: " + loadAverage()
                + " (the cores are shared: above ~0.5 every wall figure is slowed)");
        System.out.println("child accounting: " + (Files.isExecutable(GNU_TIME) ? "wait4 rusage via " + GNU_TIME
                : "/proc polling every 10 ms (no " + GNU_TIME + "; CPU may miss the last 10 ms)"));
        String opts = System.getenv("KEYBACKUP_JAVA_OPTS");
        System.out.println("launcher: bin/keybackup" + (opts == null ? "" : " with KEYBACKUP_JAVA_OPTS=" + opts));
        System.out.println("provider: " + providerLabel());
        System.out.println();

        Floors before = Floors.measure();
        System.out.println("floor before: " + before);

        Path dir = Files.createTempDirectory("keybackup-cmdbench-");
        try {
            long t0 = System.nanoTime();
            Path export = dir.resolve("export.json");
            long bytes = writeExport(export, n);
            System.out.printf("export: %d keys in %d rooms, %.1f MiB (%.1f s to generate)%n%n", n,
                    (n + ROOM_SIZE - 1) / ROOM_SIZE,
                    bytes / 1048576.0, (System.nanoTime() - t0) / 1e9);

            startup(dir);
            processFloors(n, "before", true);
            if (!"0".equals(System.getenv("BENCH_LOCAL"))) {
                try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir.resolve("local"))) {
                    commands("local", f, dir.resolve("local"), List.of("--store",
                            dir.resolve("local").resolve("store").toString()), export, n, large);
                }
            }
            if (!large && !"0".equals(System.getenv("BENCH_HTTP"))) {
                try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir.resolve("http"))) {
                    Path token = Files.writeString(dir.resolve("token.txt"), WorkflowFixture.TOKEN + "\n");
                    commands("http", f, dir.resolve("http"), List.of("--homeserver", f.server.uri().toString(), "--access-token-file", token.toString()),
                            export, n, false);
                }
            }
            // Again after the commands (not in the long large run): this host's speed drifts by a fifth within
            // minutes, so a floor measured only before the commands is biased; the ratio takes the mean.
            if (!large) processFloors(n, "after", false);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        Floors after = Floors.measure();
        System.out.println("floor after: " + after);
        Floors floor = Floors.mean(before, after);
        System.out.println("load average at the end: " + loadAverage());
        System.out.println();
        System.out.printf("== whole commands, %d keys, provider %s (floor per key: restore %.3f ms = verify + "
                + "X25519, upload %.3f ms = sign + X25519 key pair + agreement; mean of before and after) ==%n",
                n, providerName(), floor.restore() / 1e6, floor.upload() / 1e6);
        if (PROCESS_FLOOR.isEmpty()) {
            System.out.println("(no process floor: it is measured only when the commands run)");
        } else {
            System.out.printf("process floor, %d keys on %d threads from JVM start to exit: restore %.2f s CPU (%s), "
                    + "upload %.2f s CPU (%s) (the JIT compiling the JDK's own crypto included; mean of the runs "
                    + "before and after the commands)%n", n, THREADS, processFloorMean("restore") / 1e9,
                    seconds(PROCESS_FLOOR.get("restore")), processFloorMean("upload") / 1e9,
                    seconds(PROCESS_FLOOR.get("upload")));
        }
        System.out.println("| command | keys | wall | CPU (user+sys) | CPU per key / floor | CPU / process floor "
                + "| wall / CPU | peak RSS | heap | process CPU / worker CPU |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (String[] r : ROWS) {
            Run run = RUNS.get(Integer.parseInt(r[1]));
            double floorNs = switch (r[2]) {
                case "restore" -> floor.restore();
                case "upload" -> floor.upload();
                case "migrate" -> 2 * floor.restore() + floor.upload();
                default -> 0;
            };
            long keys = Long.parseLong(r[3]);
            String perKey = keys == 0 || floorNs == 0 ? "–" : String.format("%.2f × (%.3f ms vs %.3f ms %s)",
                    run.cpuNs / (double) keys / floorNs, run.cpuNs / (double) keys / 1e6, floorNs / 1e6, r[2]);
            String overWorkers = run.workerCpuNs > 0 ? String.format("%.2f", run.cpuNs / (double) run.workerCpuNs) : "–";
            double processFloorNs = processFloorNs(r[2], keys, n);
            String overProcess = processFloorNs <= 0 ? "–" : String.format("%.2f ×", run.cpuNs / processFloorNs);
            System.out.printf("| %s | %s | %.2f s | %.2f s | %s | %s | %.2f | %d MB | %s | %s |%n", r[0],
                    keys == 0 ? "–" : Long.toString(keys), run.wallNs / 1e9, run.cpuNs / 1e9, perKey, overProcess,
                    run.wallNs / (double) run.cpuNs, run.peakRssKb / 1000, run.heap == null ? "?" : run.heap,
                    overWorkers);
        }
        if (!boundedMemory(n) && large) System.exit(1);
    }

    private static final List<Run> RUNS = new ArrayList<>();

    /** Worker threads of the commands (their default: one per processor) and of the process floor. */
    private static final int THREADS = Runtime.getRuntime().availableProcessors();

    /** The process floor's CPU (ns) for the bench's N keys, by kind (restore, upload): before, after the commands. */
    private static final Map<String, List<Long>> PROCESS_FLOOR = new TreeMap<>();

    /**
     * Runs {@link FloorProcess} for restore and upload with the launcher's heap and collector: the whole-process
     * cost of the JDK primitives alone for N keys, from JVM start to exit. {@code check}: first the untimed
     * check of which provider the floor's JCA objects come from.
     */
    private static void processFloors(int n, String when, boolean check) throws Exception {
        Path dir = Files.createTempDirectory("keybackup-floor-");
        try {
            for (String kind : check ? List.of("restore", "upload") : List.<String>of()) {
                // Untimed, a few keys on one thread: which provider the floor's JCA objects come from.
                Run.exec(dir, floorCommand(kind, 4, 1, true), List.of(), null, null);
                providerCheck("process floor (" + kind + ")", dir.resolve("child.err"));
            }
            for (String kind : List.of("restore", "upload")) {
                Run run = Run.exec(dir, floorCommand(kind, n, THREADS, false), List.of(), null, null);
                PROCESS_FLOOR.computeIfAbsent(kind, k -> new ArrayList<>()).add(run.cpuNs);
                System.out.printf("process floor %s: %-7s wall %7.2f s  CPU %7.2f s  peak RSS %4d MB%n", when, kind,
                        run.wallNs / 1e9, run.cpuNs / 1e9, run.peakRssKb / 1000);
            }
            System.out.println();
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The java command of a process floor: the launcher's heap and collector, and the provider's options if any. */
    private static List<String> floorCommand(String kind, int n, int threads, boolean debug) {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-Xms80m", "-Xmn64m", "-XX:+UseSerialGC"));
        if (PROVIDER != null) java.addAll(PROVIDER_OPTS.subList(2, PROVIDER_OPTS.size())); // its jar is on our -cp
        if (debug) java.add(DEBUG_PROVIDER);
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), FloorProcess.class.getName(), kind,
                Integer.toString(n), Integer.toString(threads)));
        return java;
    }

    /** The JDK's debug option that logs, for each JCA object a JVM gets, the provider it came from. */
    private static final String DEBUG_PROVIDER = "-Djava.security.debug=provider";

    /**
     * Prints which provider each kind of JCA object came from in a child run with {@link #DEBUG_PROVIDER} (its
     * stderr {@code err}); with {@link #PROVIDER} set, throws unless every Ed25519 and X25519 object came from it.
     */
    private static void providerCheck(String who, Path err) throws IOException {
        Map<String, java.util.TreeSet<String>> byProvider = new TreeMap<>();
        for (String line : Files.readAllLines(err, StandardCharsets.ISO_8859_1)) {
            int at = line.indexOf(" algorithm from: ");
            int start = line.indexOf("Provider: ");
            if (at < 0 || start < 0) continue;
            String service = line.substring(start + "Provider: ".length(), at).replaceAll(",? mode:.*", "")
                    .replaceAll(" (signing|verification)$", "");
            String provider = line.substring(at + " algorithm from: ".length()).trim();
            byProvider.computeIfAbsent(provider, k -> new java.util.TreeSet<>()).add(service);
            if (PROVIDER != null && service.matches(".*\\.(Ed25519|X25519)") && !provider.equals(PROVIDER)) {
                throw new IllegalStateException(who + ": " + service + " came from " + provider + ", not " + PROVIDER);
            }
        }
        if (byProvider.isEmpty()) throw new IllegalStateException(who + ": no JCA object seen in its debug output");
        if (PROVIDER != null && !byProvider.containsKey(PROVIDER)) {
            throw new IllegalStateException(who + ": no JCA object came from " + PROVIDER);
        }
        StringBuilder sb = new StringBuilder("  JCA objects of " + who + " by provider:");
        byProvider.forEach((p, services) -> sb.append(' ').append(p).append(' ').append(services).append(';'));
        System.out.println(sb);
    }

    /** The process floor for {@code keys} keys of one kind (migrate: 2 × restore + upload), or 0 if none. */
    private static double processFloorNs(String kind, long keys, int n) {
        if (PROCESS_FLOOR.isEmpty() || keys == 0 || n == 0) return 0;
        double restore = processFloorMean("restore") * keys / n;
        double upload = processFloorMean("upload") * keys / n;
        return switch (kind) {
            case "restore" -> restore;
            case "upload" -> upload;
            case "migrate" -> 2 * restore + upload;
            default -> 0;
        };
    }

    /** The mean of the process floor's runs of one kind (before and after the commands), in ns of CPU. */
    private static double processFloorMean(String kind) {
        return PROCESS_FLOOR.get(kind).stream().mapToLong(Long::longValue).average().orElse(0);
    }

    private static String seconds(List<Long> ns) {
        return ns.stream().map(v -> String.format("%.2f", v / 1e9)).collect(java.util.stream.Collectors.joining(" / "));
    }

    /** Issue 13's memory target: every command within {@link #MAX_RSS_MB} of peak RSS, with a 256 MiB heap. */
    static final long MAX_RSS_MB = 300;
    static final String HEAP = "-Xmx256m";

    /**
     * Prints, per command, whether it ran with {@link #HEAP} and stayed within {@link #MAX_RSS_MB}; returns
     * whether all did. With {@code BENCH_LARGE=1} a failure makes the bench exit 1.
     */
    private static boolean boundedMemory(int n) {
        System.out.println();
        System.out.printf("== bounded memory, %d keys: peak RSS <= %d MB with %s ==%n", n, MAX_RSS_MB, HEAP);
        boolean all = true;
        for (String[] r : ROWS) {
            Run run = RUNS.get(Integer.parseInt(r[1]));
            boolean heapOk = HEAP.equals(run.heap);
            boolean rssOk = run.peakRssKb / 1000 <= MAX_RSS_MB;
            all &= heapOk && rssOk;
            System.out.printf("%-4s %-34s peak RSS %4d MB, heap %s%n", heapOk && rssOk ? "PASS" : "FAIL", r[0],
                    run.peakRssKb / 1000,
                    run.heap == null ? "unknown (the JVM was not seen)" : run.heap);
        }
        System.out.println(all ? "bounded memory: PASS" : "bounded memory: FAIL");
        return all;
    }

    private static void row(String name, Run run, String floorKind, long keys) {
        RUNS.add(run);
        ROWS.add(new String[] {name, Integer.toString(RUNS.size() - 1), floorKind, Long.toString(keys)});
        System.out.printf("  %-34s wall %7.2f s  CPU %7.2f s  peak RSS %4d MB%n", name, run.wallNs / 1e9,
                run.cpuNs / 1e9, run.peakRssKb / 1000);
    }

    /** Start-up: {@code --help} and {@code status} on an empty local store, best of 5 (each a new JVM). */
    private static void startup(Path dir) throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir.resolve("startup"))) {
            List<String> status = new ArrayList<>(List.of("status", "--user", f.store.userId(), "--store",
                    dir.resolve("startup").resolve("store").toString()));
            Run help = null;
            Run st = null;
            for (int i = 0; i < 5; i++) {
                Run h = Run.of(dir, List.of("--help"), true);
                Run s = Run.of(dir, status, true);
                if (help == null || h.wallNs < help.wallNs) help = h;
                if (st == null || s.wallNs < st.wallNs) st = s;
            }
            System.out.println("start-up (best of 5 runs):");
            row("--help", help, "", 0);
            row("status (local store)", st, "", 0);
            System.out.println();
        }
    }

    /** enable, then the measured commands, on one backend. */
    private static void commands(String label, WorkflowFixture f, Path dir, List<String> where, Path export, int n,
            boolean large) throws Exception {
        Files.createDirectories(dir);
        Path rk = Files.writeString(dir.resolve("recovery-key.txt"), f.ssKey.toRecoveryKey() + "\n");
        byte[] seed = f.deviceKey.exportSeed();
        Path dk = Files.writeString(dir.resolve("device-key.txt"), Base64Unpadded.encode(seed) + "\n");
        Arrays.fill(seed, (byte) 0);
        List<String> common = new ArrayList<>(where);
        common.addAll(List.of("--user", WorkflowFixture.USER, "--recovery-key-file", rk.toString(), "--device-id",
                WorkflowFixture.DEVICE,
                "--device-key-file", dk.toString()));
        System.out.println(label + ":");
        Run.exec(dir, List.of(LAUNCHER.toString()), cmd("enable", common), null, null, DEBUG_PROVIDER);
        providerCheck(label + ": enable (untimed)", dir.resolve("child.err"));
        row(label + ": upload --keys", Run.of(dir, cmd("upload", common, "--keys", export.toString(), "--source",
                "olm"), false), "upload", n);
        row(label + ": restore --out", Run.of(dir, cmd("restore", common, "--out",
                dir.resolve("restored.json").toString()), false), "restore", n);
        Files.delete(dir.resolve("restored.json"));
        if (!"0".equals(System.getenv("BENCH_STDIN"))) {
            // Element's encrypted export, to stdout, and read back from stdin (through upload's encrypted temporary copy).
            // The fewest rounds the writer takes: PBKDF2 is a fixed cost, not what this measures.
            Path pass = Files.writeString(dir.resolve("pass.txt"), "bench passphrase\n");
            Path encrypted = dir.resolve("restored.txt");
            row(label + ": restore --out - --encrypt", Run.of(dir, cmd("restore", common, "--out", "-", "--encrypt",
                    "--export-passphrase-file", pass.toString(), "--export-rounds", "100000"), false, null, encrypted),
                    "restore", n);
            row(label + ": upload --keys - (encrypted)", Run.of(dir, cmd("upload", common, "--keys", "-", "--source", "olm",
                    "--export-passphrase-file", pass.toString()), false, encrypted, null), "upload", n);
            Files.delete(encrypted);
            if (!large) {
                row(label + ": upload --keys - (plain)",
                        Run.of(dir, cmd("upload", common, "--keys", "-", "--source", "olm"), false, export, null),
                        "upload", n);
            }
        }
        row(label + ": audit (online) --json", Run.of(dir, cmd("audit", common, "--json"), false), "restore", n);
        if (large) row(label + ": audit (online)", Run.of(dir, cmd("audit", common), false), "restore", n);
        if (!large) {
            // --rotate: the backup is signed and trusted, so a plain migrate has nothing to do. A rotation does the
            // whole migration: read the old version, write a new one under a new signing key, read it back.
            row(label + ": migrate --rotate", Run.of(dir, cmd("migrate", common, "--rotate", "--checkpoint",
                    dir.resolve("migration.json").toString()), false), "migrate", n);
        }
        System.out.println();
    }

    private static List<String> cmd(String command, List<String> common, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(common);
        all.addAll(List.of(more));
        return all;
    }

    // ---- the export ----

    /**
     * A plain key export of {@code n} real-format Megolm sessions (protocol.md §6.3: version 1, index 0, a
     * random 128-byte ratchet, a real Ed25519 public key, which is the session id), {@link #ROOM_SIZE} per
     * room. At most 2000 signing keys are generated and reused across rooms (a session id is unique only
     * within its room), so a million keys do not cost a million key generations.
     */
    static long writeExport(Path file, int n) throws Exception {
        int pool = Math.max(Math.min(n, 2000), Math.min(n, ROOM_SIZE));
        byte[][] ids = new byte[pool][];
        for (int i = 0; i < pool; i++) {
            try (Ed25519PrivateKey k = Ed25519PrivateKey.generate()) {
                ids[i] = k.publicKey().bytes();
            }
        }
        String senderKey;
        try (BackupDecryptionKey k = BackupDecryptionKey.generate()) {
            senderKey = k.publicKey().toBase64();
        }
        String senderEd;
        try (Ed25519PrivateKey k = Ed25519PrivateKey.generate()) {
            senderEd = k.publicKey().toBase64();
        }
        Random random = new Random(4048);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write('[');
            for (int i = 0; i < n; i++) {
                byte[] ratchet = new byte[128];
                random.nextBytes(ratchet);
                SessionData data = SessionData.from(Json.obj(
                        "algorithm", Json.of("m.megolm.v1.aes-sha2"),
                        "forwarding_curve25519_key_chain", Json.arr(List.of()),
                        "sender_claimed_keys", Json.obj("ed25519", Json.of(senderEd)),
                        "sender_key", Json.of(senderKey),
                        "session_key", Json.of(SessionExport.encode(0, ratchet, ids[i % pool]))));
                ExportedSession s = new ExportedSession("!room" + (i / ROOM_SIZE) + ":bench.example", data.sessionId(),
                        data);
                if (i > 0) out.write(",\n".getBytes(StandardCharsets.US_ASCII));
                out.write(CanonicalJson.encode(s.toExportJson()));
            }
            out.write("]\n".getBytes(StandardCharsets.US_ASCII));
        }
        return Files.size(file);
    }

    // ---- one child process ----

    /** One finished child: wall, CPU (user + sys) and peak RSS. */
    record Run(long wallNs, long cpuNs, long peakRssKb, long workerCpuNs, String heap) {
        static Run of(Path dir, List<String> args, boolean quietOk) throws Exception {
            return of(dir, args, quietOk, null, null);
        }

        /**
         * As above, with stdin from {@code stdin} and stdout to {@code stdout} (each null: none, and a file of the
         * bench).
         */
        static Run of(Path dir, List<String> args, boolean quietOk, Path stdin, Path stdout) throws Exception {
            return exec(dir, List.of(LAUNCHER.toString()), args, stdin, stdout);
        }

        /** Runs {@code program} followed by {@code args} (the first of which names the run), measured. */
        static Run exec(Path dir, List<String> program, List<String> args, Path stdin, Path stdout) throws Exception {
            return exec(dir, program, args, stdin, stdout, null);
        }

        /**
         * As above; {@code javaOption} (or null) goes to {@code KEYBACKUP_JAVA_OPTS} after the provider's options.
         */
        static Run exec(Path dir, List<String> program, List<String> args, Path stdin, Path stdout, String javaOption)
                throws Exception {
            boolean gnu = Files.isExecutable(GNU_TIME);
            Path times = dir.resolve("time.txt");
            List<String> command = new ArrayList<>();
            if (gnu) command.addAll(List.of(GNU_TIME.toString(), "-o", times.toString(), "-f", "%e %U %S %M"));
            command.addAll(program);
            command.addAll(args);
            String name = args.isEmpty() ? program.get(program.size() - 3) : args.get(0);
            Path out = dir.resolve("child.out");
            Path err = dir.resolve("child.err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput((stdout == null ? out : stdout).toFile())
                    .redirectError(err.toFile());
            if (stdin != null) pb.redirectInput(stdin.toFile());
            List<String> opts = new ArrayList<>(PROVIDER_OPTS);
            if (javaOption != null) opts.add(javaOption);
            String jfr = System.getenv("BENCH_JFR"); // a directory: one flight recording per command, for docs/performance.md section 2
            if (jfr != null && !jfr.isBlank()) {
                String file = name.replaceAll("[^a-z-]", "") + "-" + System.nanoTime() + ".jfr";
                opts.add("-XX:StartFlightRecording=settings=profile,filename="
                        + Path.of(jfr).toAbsolutePath().resolve(file));
            }
            if (!opts.isEmpty()) {
                String prev = System.getenv().getOrDefault("KEYBACKUP_JAVA_OPTS", "");
                pb.environment().put("KEYBACKUP_JAVA_OPTS", (prev + " " + String.join(" ", opts)).trim());
            }
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (stdin == null) p.getOutputStream().close();
            String heap = null;
            long polledCpu = 0;
            long polledRss = 0;
            long ticks = 100; // USER_HZ on Linux
            boolean perThread = "1".equals(System.getenv("BENCH_THREADS"));
            Map<String, Long> threadCpu = new TreeMap<>();
            int polls = 0;
            while (!p.waitFor(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (heap == null) heap = maxHeapOption(p);
                if (perThread && ++polls % 10 == 0) sampleThreads(p, ticks, threadCpu);
                if (gnu) continue;
                long[] s = procSample(p.pid(), ticks);
                if (s != null) {
                    polledCpu = Math.max(polledCpu, s[0]);
                    polledRss = Math.max(polledRss, s[1]);
                }
            }
            long wall = System.nanoTime() - t0;
            if (p.exitValue() != 0) {
                throw new IllegalStateException("command failed (exit " + p.exitValue() + "): "
                        + name
                        + "\n" + Files.readString(err));
            }
            long workers = perThread ? printThreads(name, threadCpu) : 0;
            if (!gnu) return new Run(wall, polledCpu, polledRss, workers, heap);
            String[] f = Files.readString(times).trim().split("\\s+");
            long cpu = Math.round((Double.parseDouble(f[1]) + Double.parseDouble(f[2])) * 1e9);
            return new Run(wall, cpu, Long.parseLong(f[3]), workers, heap);
        }

        /**
         * The heap limit the child's JVM runs with: the last {@code -Xmx} on its command line (the launcher's,
         * or one from {@code KEYBACKUP_JAVA_OPTS}), read from {@code /proc/PID/cmdline}; null until the JVM started.
         */
        private static String maxHeapOption(Process p) {
            List<ProcessHandle> all = new ArrayList<>(List.of(p.toHandle()));
            p.toHandle().descendants().forEach(all::add);
            for (ProcessHandle h : all) {
                try {
                    String[] argv = Files.readString(Path.of("/proc/" + h.pid() + "/cmdline"),
                            StandardCharsets.ISO_8859_1).split("\0");
                    List<String> words = Arrays.asList(argv);
                    if (!(words.contains("keybackup") || words.contains(FloorProcess.class.getName()))
                            || !argv[0].endsWith("java")) {
                        continue;
                    }
                    String xmx = "default";
                    for (String arg : argv) {
                        if (arg.startsWith("-Xmx")) xmx = arg;
                    }
                    return xmx;
                } catch (IOException | RuntimeException e) {
                    // gone, or not readable yet
                }
            }
            return null;
        }

        /**
         * Per-thread CPU of the JVM under {@code p} (itself, or its child under the time wrapper), from
         * {@code /proc/PID/task/TID/stat}, keeping the latest value per thread id, keyed "name#tid".
         */
        private static void sampleThreads(Process p, long ticksPerSecond, Map<String, Long> out) {
            List<ProcessHandle> all = new ArrayList<>(List.of(p.toHandle()));
            p.toHandle().descendants().forEach(all::add);
            for (ProcessHandle h : all) {
                Path tasks = Path.of("/proc/" + h.pid() + "/task");
                try (var dirs = Files.newDirectoryStream(tasks)) {
                    for (Path t : dirs) {
                        String stat = Files.readString(t.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ns = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / ticksPerSecond;
                        out.put(name + "#" + t.getFileName(), ns);
                    }
                } catch (IOException | RuntimeException e) {
                    // the process or thread ended between listing and reading
                }
            }
        }

        /**
         * Sums the sampled thread CPU by thread kind (name without its number) and prints it; returns the worker
         * threads' CPU.
         */
        private static long printThreads(String command, Map<String, Long> perThread) {
            Map<String, Long> byKind = new TreeMap<>();
            long total = 0;
            for (var e : perThread.entrySet()) {
                String kind = e.getKey().substring(0, e.getKey().lastIndexOf('#')).replaceAll("[0-9]+$",
                        "").replaceAll("#$", "").trim();
                byKind.merge(kind, e.getValue(), Long::sum);
                total += e.getValue();
            }
            StringBuilder sb = new StringBuilder("    threads of " + command + " (CPU s, sampled every 100 ms):");
            long t = total;
            byKind.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).filter(e ->
                    e.getValue() * 100 >= t)
                    .forEach(e -> sb.append(String.format(" %s %.2f;", e.getKey(), e.getValue() / 1e9)));
            System.out.println(sb);
            return byKind.getOrDefault("keybackup-worke", 0L); // the kernel keeps 15 characters of a thread name
        }

        /** {utime + stime in ns, VmHWM in KiB} of a live process, or null once it is gone. */
        private static long[] procSample(long pid, long ticksPerSecond) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long cpuTicks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
                long hwm = 0;
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmHWM:")) hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
                return new long[] {cpuTicks * 1_000_000_000L / ticksPerSecond, hwm};
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    // ---- the floor ----

    /**
     * The JDK primitives a command cannot avoid per key, in thread CPU time (other processes' load is not
     * counted), median of 300 interleaved rounds after a warm-up of 2000 runs each: Ed25519 verify with a
     * fresh {@code initVerify} (what one verification costs through the JDK API), Ed25519 sign, X25519
     * agreement, X25519 key pair generation.
     */
    record Floors(double verify, double sign, double agree, double keygen) {
        double restore() { return verify + agree; }
        double upload() { return sign + agree + keygen; }

        static Floors mean(Floors a, Floors b) {
            return new Floors((a.verify + b.verify) / 2, (a.sign + b.sign) / 2, (a.agree + b.agree) / 2,
                    (a.keygen + b.keygen) / 2);
        }

        @Override
        public String toString() {
            return String.format("verify %.3f ms, sign %.3f ms, X25519 %.3f ms, X25519 key pair %.3f ms (thread CPU, "
                    + "medians)",
                    verify / 1e6, sign / 1e6, agree / 1e6, keygen / 1e6);
        }

        static Floors measure() throws Exception {
            FloorOps f = new FloorOps();
            Timing.Op[] ops = {f::verify, f::sign, f::agree, f::keyPair};
            for (Timing.Op op : ops) for (int i = 0; i < 2000; i++) op.run();
            int rounds = 300;
            long[][] t = new long[ops.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int o = 0; o < ops.length; o++) t[o][r] = Timing.cpuNsOnce(ops[o]);
            }
            double[] med = new double[ops.length];
            for (int o = 0; o < ops.length; o++) {
                Arrays.sort(t[o]);
                med[o] = t[o][rounds / 2];
            }
            return new Floors(med[0], med[1], med[2], med[3]);
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l ->
                    l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
