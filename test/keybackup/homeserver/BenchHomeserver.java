package keybackup.homeserver;

import java.io.IOException;
import java.net.URI;

/** Public handle on the loopback {@link TestHomeserver} for the benchmark ({@code keybackup.bench}); tests only. */
public final class BenchHomeserver implements AutoCloseable {
    private final TestHomeserver server;

    private BenchHomeserver(TestHomeserver server) {
        this.server = server;
    }

    public static BenchHomeserver start(String userId, String token) throws IOException {
        return new BenchHomeserver(TestHomeserver.start(userId, token));
    }

    public URI uri() {
        return server.uri();
    }

    public int keyPuts() {
        return server.keyPuts();
    }

    @Override
    public void close() {
        server.close();
    }
}
