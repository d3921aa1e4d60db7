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

    /**
     * The options the CLI uses unless told otherwise.
     *
     * @return 10 s connect, 60 s request, 30 s body idle, 5 attempts, 500 ms doubling up to 30 s, 16 MiB responses
     */
    public static ClientOptions defaults() {
        return new ClientOptions(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), 5,
                Duration.ofMillis(500), Duration.ofSeconds(30), 16L * 1024 * 1024);
    }

    /**
     * Checks the options; a bad value is a caller bug, so it throws rather than returning a typed error.
     *
     * @param connectTimeout   TCP + TLS connect timeout; positive
     * @param requestTimeout   time allowed until the response headers arrive; positive
     * @param bodyIdleTimeout  longest wait for more of a response body; positive
     * @param maxAttempts      attempts per request, including the first; 1 to 100
     * @param initialBackoff   delay before the first retry; not negative
     * @param maxBackoff       cap on one delay; at least {@code initialBackoff}
     * @param maxResponseBytes largest non-streamed response body accepted; at least 1024
     * @throws NullPointerException if a duration is null
     * @throws IllegalArgumentException if a value is outside the range given above (the message names it)
     */
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

    /**
     * A copy with another retry policy.
     *
     * @param attempts attempts per request, including the first (1 = no retries); 1 to 100
     * @param initial delay before the first retry, doubled each retry; not negative
     * @param max cap on one delay, at least {@code initial}
     * @return the copy; the other options are unchanged
     * @throws IllegalArgumentException if a value is out of range, as the constructor checks
     */
    public ClientOptions withRetries(int attempts, Duration initial, Duration max) {
        return new ClientOptions(connectTimeout, requestTimeout, bodyIdleTimeout, attempts, initial, max,
                maxResponseBytes);
    }

    /**
     * A copy with other connect and request timeouts.
     *
     * @param connect TCP + TLS connect timeout; positive
     * @param request time allowed until the response headers arrive; positive
     * @return the copy; the other options are unchanged
     * @throws IllegalArgumentException if a timeout is zero or negative
     */
    public ClientOptions withTimeouts(Duration connect, Duration request) {
        return new ClientOptions(connect, request, bodyIdleTimeout, maxAttempts, initialBackoff, maxBackoff,
                maxResponseBytes);
    }

    /**
     * A copy with another body idle timeout.
     *
     * @param idle longest wait for more of a response body once the headers arrived; positive
     * @return the copy; the other options are unchanged
     * @throws IllegalArgumentException if {@code idle} is zero or negative
     */
    public ClientOptions withBodyIdleTimeout(Duration idle) {
        return new ClientOptions(connectTimeout, requestTimeout, idle, maxAttempts, initialBackoff, maxBackoff,
                maxResponseBytes);
    }

    /**
     * A copy with another response size limit.
     *
     * @param bytes largest non-streamed response body accepted; at least 1024
     * @return the copy; the other options are unchanged
     * @throws IllegalArgumentException if {@code bytes} is below 1024
     */
    public ClientOptions withMaxResponseBytes(long bytes) {
        return new ClientOptions(connectTimeout, requestTimeout, bodyIdleTimeout, maxAttempts, initialBackoff,
                maxBackoff, bytes);
    }
}
