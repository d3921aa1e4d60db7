package keybackup.homeserver;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.USER;
import static keybackup.homeserver.Fixtures.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import keybackup.cli.CliRun;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's version info is checked where it enters ({@link VersionInfo}): a {@code GET /room_keys/version}
 * answer without a usable {@code version} (absent, not a string, "", ".", "..", a slash) or with fields of the
 * wrong type is a StoreException naming the field, never a NullPointerException or IllegalArgumentException
 * further on (issue 11, fuzz finding). Served by a loopback stub that answers whatever a test sets.
 */
class HomeserverClientVersionInfoTest {
    @TempDir
    Path tmp;
    private HttpServer server;
    private HomeserverClient client;
    /** Request path (after the client prefix) → 200 answer; anything else is 404 M_NOT_FOUND. */
    private final Map<String, byte[]> answers = new ConcurrentHashMap<>();
    private final BackupDecryptionKey key = BackupDecryptionKey.generate();

    @BeforeEach
    void start() throws Exception {
        server = LoopbackHttpServer.create();
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getRawPath().substring(TestHomeserver.PREFIX.length() - 1);
            byte[] body = answers.get(exchange.getRequestMethod() + " " + path);
            int status = 200;
            if (body == null) {
                status = 404;
                body = "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"no\"}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        ClientOptions fast = ClientOptions.defaults().withRetries(1, Duration.ofMillis(1), Duration.ofMillis(1));
        client = HomeserverClient.connect(uri(), USER, AccessToken.of(TOKEN), fast);
        answers.put("POST /keys/query", "{\"device_keys\":{}}".getBytes(StandardCharsets.UTF_8));
        answers.put("GET /room_keys/keys", "{\"rooms\":{}}".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        server.stop(0);
        key.close();
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private Json.Obj good() {
        return Json.obj("algorithm", Json.of(ALGORITHM), "auth_data", Json.obj("public_key", Json.of(key.publicKey().toBase64())),
                "count", Json.of(0), "etag", Json.of("0"), "version", Json.of("1"));
    }

    private void serve(String request, Json.Obj body) {
        answers.put(request, CanonicalJson.encode(body));
    }

    /** Bad answers: each breaks one rule, named by the expected message fragment. */
    private Map<String, Json.Obj> badAnswers() {
        return Map.of(
                "version: missing", good().without("version"),
                "version: expected a string", good().with("version", Json.of(1)),
                "version: expected 1 to 64 characters", good().with("version", Json.of("")),
                "version: expected 1 to 64 characters ", good().with("version", Json.of(".")),
                "version: expected 1 to 64 characters  ", good().with("version", Json.of("..")),
                "version: expected 1 to 64 characters   ", good().with("version", Json.of("1/../2")),
                "algorithm: missing", good().without("algorithm"),
                "auth_data: expected an object", good().with("auth_data", Json.of("x")),
                "count: expected a non-negative integer", good().with("count", Json.of(-1)),
                "etag: expected a string", good().with("etag", Json.of(7)));
    }

    private static void assertStoreError(String fragment, Executable call) {
        Throwable t = assertThrows(Throwable.class, call);
        assertEquals(StoreException.class, t.getClass(), "undocumented " + t);
        assertTrue(t.getMessage().contains("malformed version info: " + fragment.strip()), t.getMessage());
        assertFalse(t.getMessage().contains("\n"), t.getMessage());
    }

    @Test
    void currentVersion_goodAnswer_returnedAsServed() throws Exception {
        serve("GET /room_keys/version", good());
        assertEquals(good(), client.currentVersion().orElseThrow());
    }

    @Test
    void currentVersion_answerBreakingARule_storeErrorNamingTheField() {
        badAnswers().forEach((fragment, body) -> {
            serve("GET /room_keys/version", body);
            assertStoreError(fragment, client::currentVersion);
        });
    }

    @Test
    void version_answerBreakingARule_storeErrorNamingTheField() {
        badAnswers().forEach((fragment, body) -> {
            serve("GET /room_keys/version/1", body);
            assertStoreError(fragment, () -> client.version("1"));
        });
    }

    @Test
    void version_answerForAnotherVersion_storeError() {
        serve("GET /room_keys/version/1", good().with("version", Json.of("2")));
        StoreException e = assertThrows(StoreException.class, () -> client.version("1"));
        assertTrue(e.getMessage().contains("another version"), e.getMessage());
    }

    @Test
    void createVersion_answerWithDotDot_storeError() {
        serve("POST /room_keys/version", Json.obj("version", Json.of("..")));
        StoreException e = assertThrows(StoreException.class, () -> client.createVersion(ALGORITHM, Json.obj()));
        assertTrue(e.getMessage().contains("not a usable version id"), e.getMessage());
    }

    @Test
    void cliRestore_answerWithoutVersion_exit1WithTheReason() throws Exception {
        for (Map.Entry<String, Json.Obj> bad : badAnswers().entrySet()) {
            serve("GET /room_keys/version", bad.getValue());
            Path tokenFile = Files.writeString(tmp.resolve("token"), TOKEN);
            Path keyFile = tmp.resolve("key");
            Files.writeString(keyFile, key.toRecoveryKey());
            Path out = tmp.resolve("out.json");
            CliRun.Result r = CliRun.run("", "restore", "--homeserver", uri().toString(), "--user", USER,
                    "--access-token-file", tokenFile.toString(), "--backup-key-file", keyFile.toString(), "--out", out.toString());
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("GET /room_keys/version: malformed version info: " + bad.getKey().strip()), r.err());
            assertFalse(Files.exists(out));
        }
    }
}
