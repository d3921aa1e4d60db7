package keybackup.homeserver;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * {@link BackupStore} over the Matrix client-server API ({@code /_matrix/client/v3}) with the JDK's
 * {@link java.net.http.HttpClient}.
 *
 * <p>Security properties:
 * <ul>
 *   <li>https only; plain http is refused unless the host is a loopback literal ({@code 127.0.0.0/8},
 *       {@code ::1}) or {@code localhost} (no DNS lookup decides this);</li>
 *   <li>redirects are never followed (a redirect would carry the token elsewhere or downgrade);</li>
 *   <li>the access token goes only into the {@code Authorization} header; messages, {@code toString}
 *       and server error texts (scrubbed) never contain it;</li>
 *   <li>non-streamed responses are limited to {@link ClientOptions#maxResponseBytes()} and parsed by the
 *       strict {@link JsonReader}; {@link #streamKeys} reads the bulk body incrementally;</li>
 *   <li>no trust decisions: every answer is untrusted data.</li>
 * </ul>
 *
 * <p>Retries: 429 waits for {@code Retry-After} (seconds) or {@code retry_after_ms}, giving up at once when
 * the server asks for more than {@link ClientOptions#maxBackoff()}; 5xx and I/O failures (dropped
 * connections, timeouts, a body that stalls for {@link ClientOptions#bodyIdleTimeout()}, which fails with
 * {@link BodyIdleTimeoutException}) wait with exponential backoff and jitter. All methods are retried,
 * including {@code POST /room_keys/version}: if the connection drops after the server created a version,
 * a retry creates another one, which is harmless (the newest is current). A stream that fails after its
 * visitor has seen an entry is not retried (a retry would visit the same entries again), and neither is a
 * POST or DELETE whose success the server had already answered when its body failed. Safe for use by
 * several threads.
 */
public final class HomeserverClient implements BackupStore {
    static final String CLIENT_PATH = "/_matrix/client/v3";

    private final String base;
    private final String userId;
    private final HttpTransport transport;

    private HomeserverClient(String base, String userId, AccessToken token, ClientOptions options) {
        this.base = base;
        this.userId = userId;
        this.transport = new HttpTransport(base, token, options);
    }

    /**
     * A client with {@link ClientOptions#defaults()}; see {@link #connect(URI, String, AccessToken, ClientOptions)}.
     *
     * @param homeserver the homeserver's base URL
     * @param userId the user whose backup the client works on; must pass {@link UserId#problem}
     * @param token the access token; the client keeps it for the {@code Authorization} header only
     * @return the client; no request is made
     * @throws StoreException the URL is not https (and not loopback http), has user info, a query or a fragment
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code userId} is not a valid user id (a caller bug: check it first)
     */
    public static HomeserverClient connect(URI homeserver, String userId, AccessToken token) throws StoreException {
        return connect(homeserver, userId, token, ClientOptions.defaults());
    }

    /**
     * A client for {@code homeserver} (e.g. {@code https://matrix.example.org}, optionally with a path
     * prefix). No request is made here.
     *
     * @param homeserver the homeserver's base URL; a trailing {@code /} is dropped and
     *     {@code /_matrix/client/v3} appended
     * @param userId the user whose backup the client works on; must pass {@link UserId#problem}
     * @param token the access token; the client keeps it for the {@code Authorization} header only
     * @param options timeouts, retries and the response size limit
     * @return the client
     * @throws StoreException the URL is not https (and not loopback http), has user info, a query or a fragment
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code userId} is not a valid user id (a caller bug: check it first)
     */
    public static HomeserverClient connect(URI homeserver, String userId, AccessToken token, ClientOptions options)
            throws StoreException {
        Objects.requireNonNull(homeserver, "homeserver");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        UserId.require(userId);
        String scheme = homeserver.getScheme() == null ? "" : homeserver.getScheme().toLowerCase(Locale.ROOT);
        String host = homeserver.getHost();
        if (!homeserver.isAbsolute() || host == null) throw new StoreException(
                "homeserver: expected an absolute https url with a host");
        if (homeserver.getRawUserInfo() != null) {
            throw new StoreException("homeserver: user info in the url is not allowed");
        }
        if (homeserver.getRawQuery() != null || homeserver.getRawFragment() != null) {
            throw new StoreException("homeserver: query and fragment are not allowed");
        }
        if (scheme.equals("http")) {
            if (!isLoopback(host)) {
                throw new StoreException("homeserver: plain http is only allowed for a loopback host (got " + host
                        + "); use https");
            }
        } else if (!scheme.equals("https")) {
            throw new StoreException("homeserver: scheme must be https (got " + scheme + ")");
        }
        String path = homeserver.getRawPath() == null ? "" : homeserver.getRawPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String base = scheme + "://" + homeserver.getRawAuthority() + path + CLIENT_PATH;
        return new HomeserverClient(base, userId, token, options);
    }

    /** Loopback by literal: "localhost", an IPv4 literal in 127/8, or the IPv6 literal ::1. Never resolves names. */
    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) return true;
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        boolean ipv4 = h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        boolean ipv6 = h.contains(":") && h.matches("[0-9a-f:.]+");
        if (!ipv4 && !ipv6) return false;
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String userId() {
        return userId;
    }

    @Override
    public String createVersion(String algorithm, Json.Obj authData) throws StoreException {
        Json.Obj body = Json.obj("algorithm", Json.of(algorithm), "auth_data", authData);
        Json.Obj response = transport.call("POST", "/room_keys/version", null, body);
        String version = response.string("version");
        if (version == null) throw new StoreException("POST /room_keys/version: version missing in the response");
        if (!VersionInfo.isValidVersion(version)) {
            throw new StoreException("POST /room_keys/version: the version in the response is not a usable version id");
        }
        return version;
    }

    @Override
    public Optional<Json.Obj> currentVersion() throws StoreException {
        Optional<Json.Obj> info = notFoundAsEmpty(() -> transport.call("GET", "/room_keys/version", null, null));
        if (info.isPresent()) VersionInfo.check("GET /room_keys/version", info.get());
        return info;
    }

    @Override
    public Json.Obj version(String version) throws StoreException {
        Json.Obj info = transport.call("GET", "/room_keys/version/" + seg("version", version), null, null);
        return VersionInfo.check("GET /room_keys/version/{version}", info, version);
    }

    /**
     * {@code PUT /room_keys/version/{v}}: replaces {@code auth_data} (the algorithm cannot change).
     *
     * @param version the version to update; sent in the path and the body
     * @param algorithm the version's algorithm, which must be the stored one (the server refuses a change)
     * @param authData the new AuthData, sent as given
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it
     */
    public void updateVersion(String version, String algorithm, Json.Obj authData) throws StoreException {
        Json.Obj body = Json.obj("algorithm", Json.of(algorithm), "auth_data", authData, "version", Json.of(version));
        transport.call("PUT", "/room_keys/version/" + seg("version", version), null, body);
    }

    @Override
    public void deleteVersion(String version) throws StoreException {
        transport.call("DELETE", "/room_keys/version/" + seg("version", version), null, null);
    }

    /** The {@code version} query parameter is required on every keys endpoint: never send the request without it. */
    private static String required(String version) {
        return Objects.requireNonNull(version, "version");
    }

    @Override
    public Json.Obj putKeys(String version, Json.Obj rooms) throws StoreException {
        return transport.call("PUT", "/room_keys/keys", required(version), Json.obj("rooms", rooms));
    }

    /**
     * {@code PUT /room_keys/keys/{roomId}?version=V} with {@code {"sessions": sessions}}.
     *
     * @param version the backup version; required, never left out of the query
     * @param roomId the room id, percent-encoded into the path
     * @param sessions the {@code {session: KeyBackupData}} map to add or replace
     * @return the server's answer {@code {"etag", "count"}}, as sent; nothing decides on it
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it (such as {@code M_WRONG_ROOM_KEYS_VERSION})
     */
    public Json.Obj putRoomKeys(String version, String roomId, Json.Obj sessions) throws StoreException {
        return transport.call("PUT", roomPath(roomId), required(version), Json.obj("sessions", sessions));
    }

    /**
     * {@code PUT /room_keys/keys/{roomId}/{sessionId}?version=V} with one KeyBackupData.
     *
     * @param version the backup version; required, never left out of the query
     * @param roomId the room id, percent-encoded into the path
     * @param sessionId the session id, percent-encoded into the path
     * @param keyBackupData the KeyBackupData object, sent as given
     * @return the server's answer {@code {"etag", "count"}}, as sent; nothing decides on it
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it (such as {@code M_WRONG_ROOM_KEYS_VERSION})
     */
    public Json.Obj putSessionKey(String version, String roomId, String sessionId,
            Json.Obj keyBackupData) throws StoreException {
        return transport.call("PUT", sessionPath(roomId, sessionId), required(version), keyBackupData);
    }

    @Override
    public void streamKeys(String version, KeyVisitor visitor) throws StoreException {
        Objects.requireNonNull(visitor, "visitor");
        String where = "GET /room_keys/keys";
        transport.exchange("GET", "/room_keys/keys", required(version), null, body -> {
            long[] visited = {0};
            // no byte limit: the body is consumed incrementally, one KeyBackupData at a time
            try (JsonReader reader = new JsonReader(body, Long.MAX_VALUE)) {
                KeyStream.readRooms(reader, (room, session, data) -> {
                    visited[0]++;
                    visitor.visit(room, session, data);
                });
                return null;
            } catch (JsonException e) {
                throw new StoreException(where + ": malformed response: " + e.getMessage(), e);
            } catch (UncheckedIOException e) {
                // retried only while the visitor has seen nothing: a new request would show it the same entries again
                if (visited[0] == 0 || HttpTransport.interrupted(e.getCause())) throw e.getCause();
                throw new StoreException(where + ": " + HttpTransport.failure(e.getCause()) + " (not retried: "
                        + visited[0] + " entries were visited)", e.getCause());
            }
        });
    }

    /**
     * {@code GET /room_keys/keys/{roomId}?version=V}: one room's keys, read whole (bounded by
     * {@link ClientOptions#maxResponseBytes()}).
     *
     * @param version the backup version; required, never left out of the query
     * @param roomId the room id, percent-encoded into the path
     * @return the server's {@code {"sessions": {...}}} object, not checked further; an empty map if none
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it
     */
    public Json.Obj getRoomKeys(String version, String roomId) throws StoreException {
        return transport.call("GET", roomPath(roomId), required(version), null);
    }

    /**
     * {@code GET /room_keys/keys/{roomId}/{sessionId}?version=V}: one session's key.
     *
     * @param version the backup version; required, never left out of the query
     * @param roomId the room id, percent-encoded into the path
     * @param sessionId the session id, percent-encoded into the path
     * @return the stored KeyBackupData object, untrusted; empty on 404 {@code M_NOT_FOUND}
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it
     */
    public Optional<Json.Obj> getSessionKey(String version, String roomId, String sessionId) throws StoreException {
        return notFoundAsEmpty(() -> transport.call("GET", sessionPath(roomId, sessionId), required(version), null));
    }

    /**
     * {@code DELETE /room_keys/keys?version=V}: deletes all keys of the version, keeping the version.
     *
     * @param version the backup version; required, never left out of the query
     * @return the server's answer {@code {"etag", "count"}}, as sent; nothing decides on it
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it
     */
    public Json.Obj deleteKeys(String version) throws StoreException {
        return transport.call("DELETE", "/room_keys/keys", required(version), null);
    }

    /**
     * {@code DELETE /room_keys/keys/{roomId}?version=V}: deletes one room's keys.
     *
     * @param version the backup version; required, never left out of the query
     * @param roomId the room id, percent-encoded into the path
     * @return the server's answer {@code {"etag", "count"}}, as sent; nothing decides on it
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it
     */
    public Json.Obj deleteRoomKeys(String version, String roomId) throws StoreException {
        return transport.call("DELETE", roomPath(roomId), required(version), null);
    }

    /**
     * {@code DELETE /room_keys/keys/{roomId}/{sessionId}?version=V}: deletes one session's key.
     *
     * @param version the backup version; required, never left out of the query
     * @param roomId the room id, percent-encoded into the path
     * @param sessionId the session id, percent-encoded into the path
     * @return the server's answer {@code {"etag", "count"}}, as sent; nothing decides on it
     * @throws StoreException if the request failed after the retries, or a {@link MatrixException} if the server
     *     refused it
     */
    public Json.Obj deleteSessionKey(String version, String roomId, String sessionId) throws StoreException {
        return transport.call("DELETE", sessionPath(roomId, sessionId), required(version), null);
    }

    @Override
    public Optional<Json.Obj> getAccountData(String type) throws StoreException {
        Optional<Json.Obj> content = notFoundAsEmpty(() -> transport.call("GET", accountDataPath(type), null, null));
        // {} is how clients "delete" account data (there is no DELETE): read it as absent
        return content.filter(c -> !c.members().isEmpty());
    }

    @Override
    public void putAccountData(String type, Json.Obj content) throws StoreException {
        transport.call("PUT", accountDataPath(type), null, Objects.requireNonNull(content, "content"));
    }

    @Override
    public String whoami() throws StoreException {
        Json.Obj body = transport.call("GET", "/account/whoami", null, null);
        String owner = body.string("user_id");
        if (owner == null) throw new StoreException("account/whoami: the response has no user_id string");
        return owner;
    }

    @Override
    public Json.Obj queryOwnKeys() throws StoreException {
        Json.Obj body = Json.obj("device_keys", Json.obj(userId, Json.arr(List.of())));
        return transport.call("POST", "/keys/query", null, body);
    }

    @Override
    public String toString() {
        return "HomeserverClient[" + base + ", " + userId + "]";
    }

    // ---- requests ----

    private interface Call {
        Json.Obj run() throws StoreException;
    }

    private static Optional<Json.Obj> notFoundAsEmpty(Call call) throws StoreException {
        try {
            return Optional.of(call.run());
        } catch (MatrixException e) {
            if (e.status() == 404 && e.isNotFound()) return Optional.empty();
            throw e;
        }
    }

    static String seg(String name, String value) {
        return PathSegment.encode(name, Objects.requireNonNull(value, name));
    }

    private static String roomPath(String roomId) {
        return "/room_keys/keys/" + seg("room id", roomId);
    }

    private static String sessionPath(String roomId, String sessionId) {
        return roomPath(roomId) + "/" + seg("session id", sessionId);
    }

    private String accountDataPath(String type) {
        return "/user/" + seg("user id", userId) + "/account_data/" + seg("type", type);
    }
}
