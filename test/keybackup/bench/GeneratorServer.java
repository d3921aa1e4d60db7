package keybackup.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import keybackup.homeserver.LoopbackHttpServer;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;

/**
 * A loopback HTTP server that streams a generated {@code GET /room_keys/keys} body of {@code total}
 * sessions without holding it: rooms of {@code pool.size()} sessions, each room repeating the same pool
 * of real signed, encrypted KeyBackupData (session ids are unique within a room, as the format requires).
 * {@code PUT /room_keys/keys} bodies are read and dropped. Nothing else is served.
 */
final class GeneratorServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[][] members; // "session id":{KeyBackupData}, canonical
    private final long total;
    final AtomicLong bytesServed = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();

    GeneratorServer(List<Fixture.Entry> pool, long total) throws IOException {
        this.total = total;
        this.members = new byte[pool.size()][];
        for (int i = 0; i < members.length; i++) {
            Fixture.Entry e = pool.get(i);
            members[i] = (CanonicalJson.encodeToString(Json.of(e.sessionId())) + ":"
                    + CanonicalJson.encodeToString(e.data()))
                    .getBytes(StandardCharsets.UTF_8);
        }
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-generator-server");
            t.setDaemon(true);
            return t;
        });
        this.server = LoopbackHttpServer.create(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Approximate size of the generated body. */
    long bodyBytes() {
        long perRoom = 40;
        for (byte[] m : members) perRoom += m.length + 1;
        long rooms = (total + members.length - 1) / members.length;
        return rooms * perRoom;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!path.endsWith("/room_keys/keys")) {
                reply(ex, 404, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"bench generator\"}");
                return;
            }
            if (ex.getRequestMethod().equals("PUT")) {
                long n = 0;
                byte[] buf = new byte[65536];
                try (InputStream in = ex.getRequestBody()) {
                    for (int r; (r = in.read(buf)) > 0; ) n += r;
                }
                bytesReceived.addAndGet(n);
                reply(ex, 200, "{\"count\":0,\"etag\":\"0\"}");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0); // chunked: the body is never held
            long written = 0;
            try (OutputStream out = new BufferedOutputStream(ex.getResponseBody(), 1 << 16)) {
                out.write("{\"rooms\":{".getBytes(StandardCharsets.US_ASCII));
                long i = 0;
                for (long room = 0; i < total; room++) {
                    byte[] head = ((room == 0 ? "" : ",") + "\"!r" + room
                            + ":bench.example\":{\"sessions\":{").getBytes(StandardCharsets.US_ASCII);
                    out.write(head);
                    written += head.length;
                    for (int k = 0; k < members.length && i < total; k++, i++) {
                        if (k > 0) out.write(',');
                        out.write(members[k]);
                        written += members[k].length + 1;
                    }
                    out.write("}}".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("}}".getBytes(StandardCharsets.US_ASCII));
            }
            bytesServed.addAndGet(written);
        }
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
