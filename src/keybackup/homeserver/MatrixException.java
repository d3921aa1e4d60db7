package keybackup.homeserver;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The server (or {@code LocalStore}, which answers the same way) refused a request with a Matrix error
 * envelope {@code {"errcode": "M_…", "error": "…"}} (Matrix client-server API, "API Standards").
 * A non-JSON error response is reported with errcode {@code M_UNKNOWN}, so {@link #status()} is always
 * the HTTP status to fall back on.
 */
public final class MatrixException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** {@code M_NOT_FOUND}: unknown backup version, key or account data. */
    public static final String NOT_FOUND = "M_NOT_FOUND";
    /** {@code M_WRONG_ROOM_KEYS_VERSION}: a write to a backup version that is no longer current (403). */
    public static final String WRONG_ROOM_KEYS_VERSION = "M_WRONG_ROOM_KEYS_VERSION";
    /** {@code M_LIMIT_EXCEEDED}: rate limited (429). */
    public static final String LIMIT_EXCEEDED = "M_LIMIT_EXCEEDED";
    /** {@code M_INVALID_PARAM}: a parameter has a wrong value. */
    public static final String INVALID_PARAM = "M_INVALID_PARAM";
    /** {@code M_BAD_JSON}: the body is JSON of the wrong shape. */
    public static final String BAD_JSON = "M_BAD_JSON";
    /** {@code M_UNKNOWN}: no usable errcode. */
    public static final String UNKNOWN = "M_UNKNOWN";

    /** The HTTP status of the refusal (LocalStore uses the one a server would send). */
    private final int status;
    /** The Matrix error code as the server sent it (after token redaction), or {@link #UNKNOWN}. */
    private final String errcode;
    /** The server's human-readable text; empty when absent. */
    private final String error;
    /** {@code current_version} of {@code M_WRONG_ROOM_KEYS_VERSION}, or null. */
    private final String currentVersion;
    /** The server's wait hint in milliseconds, or −1 when it gave none. */
    private final long retryAfterMs;

    /**
     * A refusal with every field the envelope may carry. All text may come from the server: the client
     * passes it already scrubbed with {@link AccessToken#redact(String)}, and it ends up in the message.
     *
     * @param status         the HTTP status code
     * @param errcode        the Matrix error code, such as {@link #NOT_FOUND}; not checked against the known ones
     * @param error          the human-readable text, or null or empty when there is none
     * @param currentVersion the {@code current_version} field of {@code M_WRONG_ROOM_KEYS_VERSION}, or null
     * @param retryAfterMs   the server's wait hint in milliseconds, or −1 when absent
     * @throws NullPointerException if {@code errcode} is null
     */
    public MatrixException(int status, String errcode, String error, String currentVersion, long retryAfterMs) {
        super("http " + status + " " + Objects.requireNonNull(errcode, "errcode")
                + (error == null || error.isEmpty() ? "" : ": " + error)
                + (currentVersion == null ? "" : " (current_version " + currentVersion + ")"));
        this.status = status;
        this.errcode = errcode;
        this.error = error == null ? "" : error;
        this.currentVersion = currentVersion;
        this.retryAfterMs = retryAfterMs;
    }

    /**
     * An error with only status, errcode and human-readable text: no current version, no wait hint.
     *
     * @param status  the HTTP status code
     * @param errcode the Matrix error code, such as {@link #NOT_FOUND}
     * @param error   the human-readable text, or null or empty when there is none
     * @throws NullPointerException if {@code errcode} is null
     */
    public MatrixException(int status, String errcode, String error) {
        this(status, errcode, error, null, -1);
    }

    /**
     * HTTP status code.
     *
     * @return the status the server (or LocalStore) answered with
     */
    public int status() {
        return status;
    }

    /**
     * Matrix error code, e.g. {@code M_NOT_FOUND}.
     *
     * @return the errcode; {@link #UNKNOWN} when the response had no usable envelope
     */
    public String errcode() {
        return errcode;
    }

    /**
     * The server's human-readable text.
     *
     * @return the text, possibly empty; for display only, never trusted for decisions
     */
    public String error() {
        return error;
    }

    /**
     * Whether the server said the thing asked for does not exist.
     *
     * @return true when the errcode is {@code M_NOT_FOUND}
     */
    public boolean isNotFound() {
        return NOT_FOUND.equals(errcode);
    }

    /**
     * The server's current backup version from {@code M_WRONG_ROOM_KEYS_VERSION}, if given.
     *
     * @return the version as the server sent it (not checked against {@link VersionInfo}'s rules), or empty
     */
    public Optional<String> currentVersion() {
        return Optional.ofNullable(currentVersion);
    }

    /**
     * How long the server asked to wait, from {@code retry_after_ms} or {@code Retry-After}.
     *
     * @return the wait in milliseconds, or empty when the server gave no hint
     */
    public OptionalLong retryAfterMs() {
        return retryAfterMs >= 0 ? OptionalLong.of(retryAfterMs) : OptionalLong.empty();
    }
}
