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

    private final int status;
    private final String errcode;
    private final String error;
    private final String currentVersion;
    private final long retryAfterMs;

    /**
     * @param currentVersion the {@code current_version} field of {@code M_WRONG_ROOM_KEYS_VERSION}, or null
     * @param retryAfterMs   the server's wait hint in milliseconds, or −1 when absent
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

    /** An error with only status, errcode and human-readable text. */
    public MatrixException(int status, String errcode, String error) {
        this(status, errcode, error, null, -1);
    }

    /** HTTP status code. */
    public int status() {
        return status;
    }

    /** Matrix error code, e.g. {@code M_NOT_FOUND}. */
    public String errcode() {
        return errcode;
    }

    /** The server's human-readable text (may be empty; never trusted for decisions). */
    public String error() {
        return error;
    }

    /** True when the errcode is {@code M_NOT_FOUND}. */
    public boolean isNotFound() {
        return NOT_FOUND.equals(errcode);
    }

    /** The server's current backup version from {@code M_WRONG_ROOM_KEYS_VERSION}, if given. */
    public Optional<String> currentVersion() {
        return Optional.ofNullable(currentVersion);
    }

    /** How long the server asked to wait, from {@code retry_after_ms} or {@code Retry-After}. */
    public OptionalLong retryAfterMs() {
        return retryAfterMs >= 0 ? OptionalLong.of(retryAfterMs) : OptionalLong.empty();
    }
}
