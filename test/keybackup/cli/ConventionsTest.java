package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import keybackup.homeserver.LoopbackHttpServer;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command-line habits of issue 12 item 5: one test (or one case of the refusals table) per convention, each
 * failing before it was kept.
 */
@Timeout(120)
class ConventionsTest {
    private static final String USER = "@alice:example.org";

    @TempDir
    Path dir;

    private static CliRun.Result run(String... args) {
        return CliRun.run(new byte[0], args);
    }

    private static CliRun.Result runIn(byte[] stdin, String... args) {
        return CliRun.run(stdin, args);
    }

    /** A demo's kept stores: DIR/signed (a signed backup with five keys) and its recovery key. */
    private Path demo() {
        Path kept = dir.resolve("demo");
        CliRun.Result r = run("demo", "--keep", kept.toString());
        assertEquals(0, r.code(), r.err());
        return kept;
    }

    /** {@code command}, then the options of the demo's signed store and its recovery key, then {@code more}. */
    private static String[] onSigned(Path kept, String command, String... more) {
        return cat(List.of(command, "--user", USER, "--store", kept.resolve("signed").toString(), "--recovery-key-file",
                kept.resolve("signed-recovery-key.txt").toString()), List.of(more));
    }

    /** A new local store DIR/{@code name} made by setup, with its recovery key and device key beside it. */
    private Path setup(String name) {
        Path store = dir.resolve(name);
        CliRun.Result r = run("setup", "--user", USER, "--store", store.toString(), "--recovery-key-out",
                recoveryKey(store).toString(), "--device-id", "PHONE", "--device-key-out", deviceKey(store).toString());
        assertEquals(0, r.code(), r.err());
        return store;
    }

    private static Path recoveryKey(Path store) {
        return store.resolveSibling(store.getFileName() + "-recovery-key.txt");
    }

    private static Path deviceKey(Path store) {
        return store.resolveSibling(store.getFileName() + "-device.key");
    }

    /** A file DIR/token holding an access token. */
    private Path token() throws Exception {
        return Files.writeString(dir.resolve("token"), "syt_conventions_test_token_0123\n");
    }

    /** The names in the test's directory, sorted. */
    private List<Path> entries() throws Exception {
        try (Stream<Path> all = Files.list(dir)) {
            return all.map(Path::getFileName).sorted().toList();
        }
    }

    /** The command line of a refusal, made in the test's directory (a store or a token file made first). */
    private interface CommandLine { List<String> of(ConventionsTest t) throws Exception; }

    /** A command line a convention refuses, and how: the exit code, words it must say, words it must not. */
    private record Refusal(String convention, CommandLine line, int code, List<String> said, List<String> notSaid) {
        @Override public String toString() { return convention; }
    }

    static List<Refusal> refusals() {
        return List.of(
                new Refusal("a missing (mistyped) --store is an error",
                        t -> List.of("status", "--user", USER, "--store", t.dir.resolve("keybackup-stroe").toString()),
                        1, List.of("no local store at", "setup"), List.of()),
                new Refusal("a --homeserver that is no URL is a usage error, without the parser's words",
                        t -> List.of("status", "--user", USER, "--homeserver", "ht tp://matrix.example.org"),
                        2, List.of("--homeserver: not a URL"), List.of("Illegal character", "Exception")),
                new Refusal("a --homeserver that is not http or https is a usage error",
                        t -> List.of("status", "--user", USER, "--homeserver", "ftp://127.0.0.1:1",
                                "--access-token-file", t.token().toString()),
                        2, List.of(), List.of()),
                new Refusal("a --homeserver without an access token is a usage error", t -> {
                    assumeTrue(System.getenv("KEYBACKUP_ACCESS_TOKEN") == null,
                            "the test needs KEYBACKUP_ACCESS_TOKEN unset");
                    return List.of("status", "--user", USER, "--homeserver", "https://matrix.example.org");
                }, 2, List.of("--access-token-file"), List.of()),
                new Refusal("a wrong Secret Storage key is named as a key, not as the tool",
                        t -> List.of("status", "--user", USER, "--store", t.setup("s").toString(),
                                "--recovery-key-file", recoveryKey(t.setup("other")).toString()),
                        1, List.of("Secret Storage key 'keybackup'"), List.of("key check of keybackup")),
                new Refusal("a key without a passphrase asks for the recovery key, not a passphrase",
                        t -> List.of("restore", "--user", USER, "--store", t.setup("s").toString(), "--out",
                                t.dir.resolve("o.json").toString()),
                        2, List.of("no passphrase", "--recovery-key-file"), List.of("--passphrase-stdin")),
                new Refusal("audit's --version option is renamed, with a hint",
                        t -> List.of("audit", "--user", USER, "--version", "version.json", "--keys", "keys.json",
                                "--identity", "q.json", "--key-file", "k"),
                        2, List.of("--version-file"), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void command_refusedByAConvention_exitCodeAndWordsAndNothingCreated(Refusal refusal) throws Exception {
        List<String> line = refusal.line().of(this);
        List<Path> before = entries();
        CliRun.Result r = run(line.toArray(new String[0]));
        assertEquals(refusal.code(), r.code(), r.err());
        for (String s : refusal.said()) assertTrue(r.err().contains(s), "'" + s + "' not said in: " + r.err());
        for (String s : refusal.notSaid()) assertFalse(r.err().contains(s), "'" + s + "' said in: " + r.err());
        assertEquals(before, entries(), "a refused command creates nothing (a mistyped --store no store)");
    }

    @Test
    void setup_underUmask000_createsTheStoreOwnerOnly() throws Exception {
        Path store = dir.resolve("s");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = Path.of("build/classes").toAbsolutePath().toString(); // make test runs from the project directory
        ProcessBuilder pb =
                new ProcessBuilder("/bin/sh", "-c",
                "umask 000; exec \"$0\" -cp \"$1\" keybackup.cli.Main setup --user " + USER
                + " --store \"$2\" --recovery-key-out \"$3\" --device-id PHONE --device-key-out \"$4\"",
                java, cp, store.toString(), dir.resolve("rk").toString(),
                        dir.resolve("pk").toString()).redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
    }

    @Test
    void homeserver_unreachable_namesTheUrlAndWhatToTry_withoutRetryingOrClassNames() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        CliRun.Result r = run("status", "--user", USER, "--homeserver", "http://127.0.0.1:" + port,
                "--access-token-file", token().toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("http://127.0.0.1:" + port), r.err());
        assertTrue(r.err().contains("check the homeserver URL"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("attempts"), r.err());
    }

    @Test
    void homeserver_401_saysToGetANewToken() throws Exception {
        HttpServer server = LoopbackHttpServer.create();
        server.createContext("/", ex -> {
            byte[] body = "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token passed.\"}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(401, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            CliRun.Result r = run("status", "--user", USER, "--homeserver",
                    "http://127.0.0.1:" + server.getAddress().getPort(), "--access-token-file", token().toString());
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("M_UNKNOWN_TOKEN") && r.err().contains("get a new one"), r.err());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void upload_emptyArray_neverReportsMinusOneKeys() throws Exception {
        Path kept = demo();
        CliRun.Result r = runIn("[]".getBytes(StandardCharsets.UTF_8),
                onSigned(kept, "upload", "--keys", "-", "--source", "olm"));
        assertEquals(0, r.code(), r.err());
        assertFalse(r.outText().contains("-1"), r.outText());
    }

    @Test
    void restore_outDash_writesTheExportToStdout_andTheSummaryToStderr() throws Exception {
        Path kept = demo();
        CliRun.Result r = run(onSigned(kept, "restore", "--out", "-"));
        assertEquals(0, r.code(), r.err());
        Json export = JsonReader.parse(r.out());
        assertTrue(export instanceof Json.Arr a && a.elements().size() == 5, r.outText());
        assertTrue(r.err().contains("restored 5 of 5 keys to stdout"), r.err());
        assertFalse(Files.exists(Path.of("-")), "no file named -");
    }

    @Test
    void restore_outDashToATerminal_refusesPlaintextUnlessAsked() throws Exception {
        Path kept = demo();
        String[] args = onSigned(kept, "restore", "--out", "-");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Main.run(args, new ByteArrayInputStream(new byte[0]), out, err, true),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(0, out.size());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--force-terminal"));
        List<String> forced = new ArrayList<>(List.of(args));
        forced.add("--force-terminal");
        assertEquals(0, Main.run(forced.toArray(new String[0]), new ByteArrayInputStream(new byte[0]), out, err, true));
        assertTrue(out.size() > 0);
    }

    @Test
    void uploadKeysDash_readsTheExportFromStdin() throws Exception {
        Path kept = demo();
        CliRun.Result restored = run(onSigned(kept, "restore", "--out", "-"));
        CliRun.Result r = runIn(restored.out(), onSigned(kept, "upload", "--keys", "-", "--source", "export"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.outText().startsWith("uploaded 5 sessions"), r.outText());
    }

    @Test
    void keyFileDash_readsTheKeyFromStdin_andStdinServesOneOptionOnly() throws Exception {
        Path kept = demo();
        byte[] key = Files.readAllBytes(kept.resolve("signed-recovery-key.txt"));
        CliRun.Result r = runIn(key, "status", "--user", USER, "--store", kept.resolve("signed").toString(),
                "--recovery-key-file", "-");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.outText().contains("secret storage: unlocked"), r.outText());
        CliRun.Result both = runIn("[]".getBytes(StandardCharsets.UTF_8), "upload", "--user", USER, "--store",
                kept.resolve("signed").toString(),
                "--recovery-key-file", "-", "--keys", "-", "--source", "olm");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("cannot both read stdin"), both.err());
    }

    @Test
    void errors_fileAndMessagelessExceptions_areWordsNotClassNames() {
        assertEquals("i/o: no such file or directory: /no/such", Errors.describe(new NoSuchFileException("/no/such")));
        assertEquals("i/o: permission denied: /root/x",
                Errors.describe(new UncheckedIOException(new AccessDeniedException("/root/x"))));
        String none = Errors.describe(new IllegalStateException());
        assertFalse(none.contains("IllegalStateException") || none.contains("Exception"), none);
    }

    @Test
    void auditTable_realRoomIds_staySortedAndAligned() throws Exception {
        Path kept = demo();
        CliRun.Result restored = run(onSigned(kept, "restore", "--out", "-"));
        // Real room ids are longer than the demo's; give the five keys rooms whose order differs from any upload order.
        String[] rooms = {"!zzOGEhHVWSdvArJzumhm:matrix.example.org", "!a:b.c",
                "!mOGEhHVWSdvArJzumhmXYZ:server.example.org", "!a:b.c", "!zz:x.y"};
        List<Json> entries = new ArrayList<>();
        int i = 0;
        for (Json e : ((Json.Arr) JsonReader.parse(restored.out())).elements()) {
            entries.add(((Json.Obj) e).with("room_id", Json.of(rooms[i++])));
        }
        Path store = setup("s");
        List<String> opts = List.of("--user", USER, "--store", store.toString(), "--recovery-key-file",
                recoveryKey(store).toString(), "--device-id", "PHONE", "--device-key-file",
                deviceKey(store).toString());
        assertEquals(0, run(cat(List.of("enable"), opts)).code());
        CliRun.Result up = runIn(CanonicalJson.encode(Json.arr(entries)),
                cat(List.of("upload"), opts, List.of("--keys", "-", "--source", "export")));
        assertEquals(0, up.code(), up.err());
        CliRun.Result audit = run(cat(List.of("audit"), opts));
        assertEquals(0, audit.code(), audit.err());
        List<String> lines = audit.outText().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("ROOM ")).findFirst().orElseThrow());
        List<String> rows = lines.subList(header + 1, header + 6);
        int sessionColumn = lines.get(header).indexOf("SESSION");
        int verdictColumn = lines.get(header).indexOf("VERDICT");
        List<String> keys = new ArrayList<>();
        for (String row : rows) {
            assertEquals(' ', row.charAt(sessionColumn - 1), row);
            assertTrue(row.charAt(sessionColumn) != ' ', row);
            assertEquals(' ', row.charAt(verdictColumn - 1), row);
            assertTrue(row.substring(verdictColumn).startsWith("signed_not_authenticated"), row);
            keys.add(row.substring(0, verdictColumn));
        }
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        assertEquals(sorted, keys, "rows sorted by room, then session");
    }

    @Test
    void demoKeep_keepsWhatIsNeededToExploreTheStores() throws Exception {
        Path kept = demo();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
        CliRun.Result audit = run(onSigned(kept, "audit"));
        assertEquals(0, audit.code(), audit.err());
        assertTrue(audit.outText().contains("total 5:"), audit.outText());
        CliRun.Result legacy = run("status", "--user", USER, "--store", kept.resolve("legacy").toString(),
                "--recovery-key-file", kept.resolve("legacy-recovery-key.txt").toString(), "--device-id", "ALICEPHONE",
                "--device-key-file", kept.resolve("phone.key").toString());
        assertEquals(0, legacy.code(), legacy.err());
        assertTrue(legacy.outText().contains("secret storage: unlocked"), legacy.outText());
    }

    @SafeVarargs
    private static String[] cat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) all.addAll(p);
        return all.toArray(new String[0]);
    }
}
