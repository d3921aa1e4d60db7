package keybackup.homeserver;

import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The homeserver sent the response headers but then no byte of the body for
 * {@link ClientOptions#bodyIdleTimeout()}: it stalled, or drips data too slowly to be useful. The
 * connection has been closed. {@link HomeserverClient} retries it like any other timeout (a stream only
 * while its visitor has seen nothing) and reports it as the cause of a {@link StoreException}.
 *
 * <p>A {@link SocketTimeoutException}, so code that already treats read timeouts as transient network
 * failures treats this one alike. The message names the timeout and nothing else (never the token).
 */
public final class BodyIdleTimeoutException extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    /** The idle timeout that passed. */
    private final Duration idleTimeout;

    BodyIdleTimeoutException(Duration idleTimeout) {
        super("no data from the homeserver for " + describe(idleTimeout) + " while reading the response body");
        this.idleTimeout = idleTimeout;
    }

    /**
     * The idle timeout that passed.
     *
     * @return the client's {@link ClientOptions#bodyIdleTimeout()} when the read failed
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** "30 s", or "300 ms" when not a whole number of seconds. */
    static String describe(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
