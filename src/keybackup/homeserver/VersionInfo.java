package keybackup.homeserver;

import keybackup.json.Json;

/**
 * The checks on a backup version's info ({@code GET /room_keys/version}, spec "Server-side key backups"),
 * made where it enters: in {@link HomeserverClient} for the server's answer and in {@code LocalStore} for
 * {@code info.json} and {@code state.json}. Every caller can then use the fields without checking again.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@code version}: a string of 1 to {@value #MAX_VERSION_LENGTH} characters from {@code A–Z a–z 0–9
 *       - . _ ~} (RFC 3986's unreserved set), and not {@code .} or {@code ..}: it becomes a URL path
 *       segment ({@link PathSegment}), a directory name of the local store and a line of output, so nothing
 *       else is accepted (servers use decimal numbers);</li>
 *   <li>{@code algorithm}: a string; {@code auth_data}: an object;</li>
 *   <li>{@code count} (when present): an integer from 0 to 2^53−1; {@code etag} (when present): a string.
 *       The spec requires both, but nothing decides on them, so an old server that leaves them out still
 *       works.</li>
 * </ul>
 * Security property: a malformed answer is a {@link StoreException} with a one-line reason; the bad value
 * itself is not repeated in the message (it came from the server).
 */
public final class VersionInfo {
    private VersionInfo() {}

    /** Longest accepted version string; Synapse's are decimal numbers of a few digits. */
    public static final int MAX_VERSION_LENGTH = 64;

    /**
     * Returns {@code info} when it satisfies the rules above.
     *
     * @param where names the source in the message (for example {@code GET /room_keys/version})
     * @param info the version info object as it arrived from the server or a file
     * @return {@code info} itself, unchanged
     * @throws StoreException naming the first field that breaks a rule
     */
    public static Json.Obj check(String where, Json.Obj info) throws StoreException {
        String problem = problem(info);
        if (problem != null) throw new StoreException(where + ": malformed version info: " + problem);
        return info;
    }

    /**
     * As {@link #check(String, Json.Obj)}, and the version must be {@code expected} (the one asked for), so a
     * server cannot answer a request for one version with another's info.
     *
     * @param where names the source in the message (for example {@code GET /room_keys/version/{v}})
     * @param info the version info object as it arrived from the server or a file
     * @param expected the version that was asked for
     * @return {@code info} itself, unchanged
     * @throws StoreException naming the first field that breaks a rule, or saying the version is another one
     */
    public static Json.Obj check(String where, Json.Obj info, String expected) throws StoreException {
        check(where, info);
        if (!info.string("version").equals(expected)) {
            throw new StoreException(where + ": the answer is for another version than the one asked for");
        }
        return info;
    }

    /**
     * Whether {@code version} may be used as a version id: the rule for {@code version} above.
     *
     * @param version the text to check; may be null
     * @return true when it is 1 to {@value #MAX_VERSION_LENGTH} unreserved characters and not {@code .} or
     *     {@code ..}
     */
    public static boolean isValidVersion(String version) {
        if (version == null || version.isEmpty() || version.length() > MAX_VERSION_LENGTH) return false;
        if (version.equals(".") || version.equals("..")) return false;
        for (int i = 0; i < version.length(); i++) {
            char c = version.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~';
            if (!ok) return false;
        }
        return true;
    }

    /** The first broken rule, or null. */
    static String problem(Json.Obj info) {
        Json version = info.get("version");
        if (version == null) return "version: missing";
        if (!(version instanceof Json.Str s)) return "version: expected a string";
        if (!isValidVersion(s.value())) {
            return "version: expected 1 to " + MAX_VERSION_LENGTH + " characters of A-Z a-z 0-9 - . _ ~, not . or ..";
        }
        if (!(info.get("algorithm") instanceof Json.Str)) {
            return "algorithm: " + (info.has("algorithm") ? "expected a string" : "missing");
        }
        if (!(info.get("auth_data") instanceof Json.Obj)) {
            return "auth_data: " + (info.has("auth_data") ? "expected an object" : "missing");
        }
        Json count = info.get("count");
        if (count != null && !(count instanceof Json.Int n && n.value() >= 0)) {
            return "count: expected a non-negative integer";
        }
        Json etag = info.get("etag");
        if (etag != null && !(etag instanceof Json.Str)) return "etag: expected a string";
        return null;
    }
}
