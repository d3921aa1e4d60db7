package keybackup.homeserver;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts, retry policy and response size limit of a {@link HomeserverClient}.
 *
 * @param connectTimeout   TCP + TLS connect timeout
 * @param requestTimeout   time allowed until the response headers arrive (the body may take longer; see
 * bodyIdleTimeout)
 * @param bodyIdleTimeout  longest wait for more of a response body once the headers arrived: a server that sends
 *                         nothing for that long fails the read with {@link BodyIdleTimeoutException}; a long body
 *                         that keeps arriving is never cut off
 * @param maxAttempts      attempts per request, including the first (1 = no retries)
 * @param initialBackoff   delay before the first retry; doubled each retry, with jitter
 * @param maxBackoff       cap on one delay; a server asking to wait longer makes the client give up
 * @param maxResponseBytes largest non-streamed response body accepted
 */
public record ClientOptions(Duration connectTimeout, Duration requestTimeout, Duration bodyIdleTimeout, int maxAttempts,
                            Duration initialBackoff, Duration maxBackoff, long maxResponseBytes) {

    /** 10 s connect, 60 s request, 30 s body idle, 5 attempts, 500 ms doubling up to 30 s, 16 MiB responses. */
    public static ClientOptions defaults() {
        return new ClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), 5,
                Duration.ofMillis(500), Duration.ofSeconds(30), 16L * 1024 * 1024);
    }

    public ClientOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(bodyIdleTimeout, "bodyIdleTimeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: must be positive");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout: must be positive");
        }
        if (bodyIdleTimeout.isNegative() || bodyIdleTimeout.isZero()) {
            throw new IllegalArgumentException("bodyIdleTimeout: must be positive");
        }
        if (maxAttempts < 1 || maxAttempts > 100) throw new IllegalArgumentException("maxAttempts: must be 1..100");
        if (initialBackoff.isNegative()) throw new IllegalArgumentException("initialBackoff: must not be negative");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff: must be at least initialBackoff");
        }
        if (maxResponseBytes < 1024) throw new IllegalArgumentException("maxResponseBytes: must be at least 1024");
    }

    /** A copy with another retry policy. */
    public ClientOptions withRetries(int attempts, Duration initial, Duration max) {
        return new ClientOptions(connectTimeout, requestTimeout, bodyIdleTimeout, attempts, initial, max,
                maxResponseBytes);
    }

    /** A copy with other connect and request timeouts. */
    public ClientOptions withTimeouts(Duration connect, Duration request) {
        return new ClientOptions(connect, request, bodyIdleTimeout, maxAttempts, initialBackoff, maxBackoff,
                maxResponseBytes);
    }

    /** A copy with another body idle timeout. */
    public ClientOptions withBodyIdleTimeout(Duration idle) {
        return new ClientOptions(connectTimeout, requestTimeout, idle, maxAttempts, initialBackoff, maxBackoff,
                maxResponseBytes);
    }

    /** A copy with another response size limit. */
    public ClientOptions withMaxResponseBytes(long bytes) {
        return new ClientOptions(connectTimeout, requestTimeout, bodyIdleTimeout, maxAttempts, initialBackoff,
                maxBackoff, bytes);
    }
}
