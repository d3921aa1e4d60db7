package keybackup.fuzz;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import keybackup.homeserver.AccessToken;
import keybackup.homeserver.ClientOptions;
import keybackup.homeserver.HomeserverClient;
import keybackup.homeserver.LoopbackHttpServer;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.workflow.Restore;
import keybackup.workflow.WorkflowException;

/**
 * Fuzz target: the input is the body of a 200 answer to {@code GET /room_keys/version} and
 * {@code GET /room_keys/version/1}, served on loopback. {@link HomeserverClient#currentVersion()} and
 * {@link HomeserverClient#version} throw only {@link StoreException}; what they return is then used as a
 * restore would use it ({@link Restore#checkKeyMatches}, the version as a URL segment and query parameter),
 * which throws only {@link WorkflowException} or {@link StoreException}.
 */
public final class VersionInfoFuzz {
    private VersionInfoFuzz() {}

    private static volatile byte[] body = new byte[0];
    private static HttpServer server;
    private static HomeserverClient client;
    private static final BackupDecryptionKey KEY = BackupDecryptionKey.generate();

    public static void fuzzerTestOneInput(byte[] data) {
        body = data;
        HomeserverClient c = client();
        Documented.allow(StoreException.class, () -> {
            Optional<Json.Obj> info = c.currentVersion();
            if (info.isPresent()) use(c, info.get());
        });
        Documented.allow(StoreException.class, () -> use(c, c.version("1")));
    }

    /** What a restore does with a version info: the key check, then the version in a request. */
    private static void use(HomeserverClient c, Json.Obj info) throws StoreException {
        Documented.allow(WorkflowException.class, () -> Restore.checkKeyMatches(KEY, info));
        c.getRoomKeys(info.string("version"), "!room:example.org");
        c.version(info.string("version"));
    }

    /** Stops the loopback server (the JUnit replay calls this when done). */
    public static synchronized void stop() {
        if (server != null) server.stop(0);
        server = null;
        client = null;
    }

    private static synchronized HomeserverClient client() {
        if (client != null) return client;
        try {
            server = LoopbackHttpServer.create();
            server.createContext("/", exchange -> {
                byte[] b = body;
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(b);
                }
            });
            server.start();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            ClientOptions fast = ClientOptions.defaults().withRetries(1, Duration.ofMillis(1), Duration.ofMillis(1));
            client = HomeserverClient.connect(uri, "@fuzz:example.org", AccessToken.of("fuzz_token_0123456789"), fast);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (StoreException e) {
            throw new IllegalStateException(e);
        }
    }
}
