package keybackup.homeserver;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The one way tests make a JDK {@link HttpServer}: on a loopback address, a free port, with TCP_NODELAY.
 *
 * <p>The JDK server reads {@code sun.net.httpserver.nodelay} once per JVM, when its first server starts; a server
 * started without it makes every later one wait about 40 ms per response for a delayed ACK (Nagle). So the
 * property is set here, before any server of the test run exists, whichever test starts first.
 */
public final class LoopbackHttpServer {
    private LoopbackHttpServer() {}

    /** A new, not yet started server on {@code address} and a free port. */
    public static HttpServer create(InetAddress address) throws IOException {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        return HttpServer.create(new InetSocketAddress(address, 0), 0);
    }

    /** A new, not yet started server on {@link InetAddress#getLoopbackAddress()} and a free port. */
    public static HttpServer create() throws IOException {
        return create(InetAddress.getLoopbackAddress());
    }
}
