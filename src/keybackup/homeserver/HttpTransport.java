package keybackup.homeserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The HTTP exchange of {@link HomeserverClient}: one {@link HttpClient} (connect timeout, redirects NEVER),
 * a per-request timeout for the headers and an idle timeout for the body, the bearer token, retries with
 * backoff, and the Matrix error envelope.
 * Security property: the token is only ever placed in the {@code Authorization} header; server error
 * texts are scrubbed of it before they reach an exception message.
 */
final class HttpTransport {
    /** Largest error body read (the envelope is small; the rest is ignored). */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final String base;
    private final AccessToken token;
    private final ClientOptions options;
    private final HttpClient http;

    HttpTransport(String base, AccessToken token, ClientOptions options) {
        this.base = base;
        this.token = token;
        this.options = options;
        this.http = HttpClient.newBuilder()
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Reads the body of a 2xx response. An IOException means the connection failed while reading (a
     * {@link BodyIdleTimeoutException} included): a GET or PUT is then sent again, a POST or DELETE is
     * reported, not repeated. A reader that has already handed data to its caller must throw a
     * StoreException instead, so that nothing is handed over twice.
     */
    interface BodyReader<T> {
        T read(InputStream body) throws IOException, StoreException;
    }

    /** A read stopped by an interrupt (a socket or body timeout is also an InterruptedIOException, but not this). */
    static boolean interrupted(IOException e) {
        return e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException);
    }

    /** What went wrong, in words that never hold request headers; ours for a stalled body says what happened. */
    static String failure(IOException e) {
        if (e instanceof BodyIdleTimeoutException) return e.getMessage();
        if (e instanceof HttpConnectTimeoutException) return "no connection within the connect timeout";
        if (e instanceof HttpTimeoutException) return "no answer within the request timeout";
        if (e instanceof ConnectException) return "connection refused or host unreachable";
        if (e instanceof SSLException) return "the TLS handshake failed (is the certificate valid for this host?)";
        return "the connection failed";
    }

    /**
     * No connection could be made: retrying at once only delays the answer, so the caller is told where and what to
     * try.
     */
    private static boolean unreachable(IOException e) {
        return e instanceof HttpConnectTimeoutException || e instanceof ConnectException
                || e instanceof SSLHandshakeException;
    }

    /** One request whose response must be a JSON object of at most maxResponseBytes. */
    Json.Obj call(String method, String path, String version, Json.Obj body) throws StoreException {
        String where = method + " " + path;
        return exchange(method, path, version, body, in -> {
            try (JsonReader reader = new JsonReader(in, options.maxResponseBytes())) {
                Json value = reader.readValue();
                reader.expectEnd();
                if (value instanceof Json.Obj o) return o;
                throw new StoreException(where + ": response is not a json object");
            } catch (JsonException e) {
                throw new StoreException(where + ": malformed response: " + e.getMessage(), e);
            } catch (UncheckedIOException e) {
                throw e.getCause(); // nothing was returned yet: retried like a connection dropped before the headers
            }
        });
    }

    /**
     * Sends with retries until a 2xx response arrives and {@code reader} has read its body. Every body is read
     * through {@link BodyStream}, so a server that stops sending fails the read after
     * {@link ClientOptions#bodyIdleTimeout()} instead of hanging it.
     */
    <T> T exchange(String method, String path, String version, Json.Obj body,
            BodyReader<T> reader) throws StoreException {
        String where = method + " " + path;
        String url = base + path + (version == null ? "" : "?version=" + HomeserverClient.seg("version", version));
        byte[] bytes = body == null ? null : CanonicalJson.encode(body);
        Exception lastCause = null;
        String lastFailure = null;
        // Set once an attempt of a POST or DELETE failed in a way that may have reached the server (no answer, a
        // 5xx): a refusal of a later attempt then says nothing about whether the request was carried out.
        boolean maybeCarriedOut = false;
        boolean repeatable = method.equals("GET") || method.equals("PUT");
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(options.requestTimeout())
                    .header("Authorization", token.bearer())
                    .header("Accept", "application/json");
            if (bytes != null) {
                request.header("Content-Type", "application/json").method(method,
                        HttpRequest.BodyPublishers.ofByteArray(bytes));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            long delay;
            try {
                HttpResponse<InputStream> response = http.send(request.build(),
                        info -> new BodyStream(options.bodyIdleTimeout()));
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    try (InputStream in = response.body()) {
                        return reader.read(in);
                    } catch (IOException e) {
                        // The server has done what was asked. Reading it again is harmless for GET and PUT (the
                        // same keys replace themselves); a POST would create a second version and a DELETE
                        // would now answer "not found", so those are reported instead of repeated.
                        if (interrupted(e) || method.equals("GET") || method.equals("PUT")) throw e;
                        throw new StoreException(where + ": the server accepted the request (http " + status
                                + ") but its answer could not be read, so it is not repeated: " + failure(e), e);
                    }
                }
                if (status >= 300 && status < 400) {
                    response.body().close();
                    throw new StoreException(where + ": server answered a redirect (http " + status
                            + "), which is not followed");
                }
                MatrixException error = readError(response);
                if (status == 429) {
                    long hint = error.retryAfterMs().orElse(retryAfterHeader(response));
                    // waiting that long is the caller's decision
                    if (hint > options.maxBackoff().toMillis()) {
                        throw refusal(where, error, maybeCarriedOut, lastFailure);
                    }
                    delay = Math.max(hint, backoff(attempt));
                } else if (status >= 500) {
                    delay = backoff(attempt);
                    maybeCarriedOut = !repeatable;
                } else {
                    throw refusal(where, error, maybeCarriedOut, lastFailure);
                }
                lastCause = error;
                lastFailure = error.getMessage();
            } catch (IOException e) {
                if (interrupted(e)) {
                    Thread.currentThread().interrupt();
                    throw new StoreException(where + ": interrupted");
                }
                if (unreachable(e)) {
                    URI u = URI.create(url);
                    throw new StoreException("cannot reach the homeserver " + u.getScheme() + "://"
                            + u.getRawAuthority() + ": " + failure(e)
                            + "; check the homeserver URL, that the server is up, and the network, then try again", e);
                }
                // dropped connection, reset, timeout, before the headers or in the body
                delay = backoff(attempt);
                maybeCarriedOut = !repeatable;
                lastCause = e;
                lastFailure = failure(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException(where + ": interrupted");
            }
            if (attempt >= options.maxAttempts()) {
                URI u = URI.create(url);
                throw new StoreException(where + ": giving up after " + attempt + " attempts: " + lastFailure
                        + " (homeserver " + u.getScheme() + "://" + u.getRawAuthority() + "); try again later",
                        lastCause);
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException(where + ": interrupted while waiting to retry");
            }
        }
    }

    /**
     * The 4xx answer to an attempt, as the caller gets it: the server's own error when no earlier attempt may have
     * been carried out; otherwise a plain {@link StoreException}, because "refused" would then be wrong (a POST that
     * timed out may have created a version, and its retry is refused for that very reason) and a caller that undoes
     * its own work on a refusal must not do so here.
     */
    private static StoreException refusal(String where, MatrixException error, boolean maybeCarriedOut,
            String earlier) {
        if (!maybeCarriedOut) return error;
        return new StoreException(where + ": an earlier attempt may have been carried out (" + earlier
                + "), and the retry was refused: "
                + error.getMessage() + "; check what the server now holds (status) before trying again", error);
    }

    /** Exponential backoff with jitter: a random delay in [d/2, d], d = min(max, initial·2^(attempt−1)). */
    private long backoff(int attempt) {
        long max = options.maxBackoff().toMillis();
        long d = options.initialBackoff().toMillis() << Math.min(attempt - 1, 30);
        if (d > max || d < 0) d = max;
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    /** Retry-After in whole seconds (RFC 9110 §10.2.3; the HTTP-date form is ignored); −1 when absent. */
    private static long retryAfterHeader(HttpResponse<?> response) {
        Optional<String> v = response.headers().firstValue("Retry-After");
        if (v.isEmpty() || !v.get().strip().matches("[0-9]{1,9}")) return -1;
        return Long.parseLong(v.get().strip()) * 1000;
    }

    /** The Matrix error envelope of a non-2xx response (M_UNKNOWN when there is none). */
    private MatrixException readError(HttpResponse<InputStream> response) {
        int status = response.statusCode();
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readNBytes(MAX_ERROR_BYTES);
        } catch (IOException e) {
            return new MatrixException(status, MatrixException.UNKNOWN, "http status " + status);
        }
        Json.Obj envelope;
        try {
            envelope = JsonReader.parse(bytes, MAX_ERROR_BYTES) instanceof Json.Obj o ? o : null;
        } catch (JsonException e) {
            envelope = null;
        }
        if (envelope == null || envelope.string("errcode") == null) {
            return new MatrixException(status, MatrixException.UNKNOWN, "http status " + status);
        }
        long retryAfter = envelope.get("retry_after_ms") instanceof Json.Int i && i.value() >= 0 ? i.value() : -1;
        return new MatrixException(status, token.redact(envelope.string("errcode")),
                token.redact(envelope.string("error")),
                token.redact(envelope.string("current_version")), retryAfter);
    }
}
