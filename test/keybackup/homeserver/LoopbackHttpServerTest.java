package keybackup.homeserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every JDK server of the tests comes from {@link LoopbackHttpServer}: one made elsewhere, if it starts first,
 * fixes TCP_NODELAY off for the whole test run, and every later test homeserver answer then waits for a
 * delayed ACK.
 */
class LoopbackHttpServerTest {
    /** A direct call of the JDK server factory: one not made through {@code LoopbackHttpServer.create}. */
    private static final Pattern ELSEWHERE = Pattern.compile("(?<![\\w.])HttpServer\\.create\\(");

    @Test
    void testSources_httpServerCreatedElsewhere_none() throws Exception {
        List<String> elsewhere;
        try (Stream<Path> files = Files.walk(Path.of("test"))) {
            elsewhere = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("LoopbackHttpServer.java"))
                    .filter(p -> ELSEWHERE.matcher(read(p)).find())
                    .map(Path::toString).sorted().toList();
        }
        assertEquals(List.of(), elsewhere, "make these servers with LoopbackHttpServer.create");
    }

    @Test
    void create_loopbackFreePortNoDelay() throws Exception {
        HttpServer server = LoopbackHttpServer.create();
        try {
            assertTrue(server.getAddress().getAddress().isLoopbackAddress(), server.getAddress().toString());
            assertTrue(server.getAddress().getPort() > 0, server.getAddress().toString());
            assertEquals("true", System.getProperty("sun.net.httpserver.nodelay"));
        } finally {
            server.stop(0);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            throw new AssertionError(p + ": " + e);
        }
    }
}
