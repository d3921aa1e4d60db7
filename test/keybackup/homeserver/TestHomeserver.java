package keybackup.homeserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.UnaryOperator;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * A spec-faithful homeserver for one user on 127.0.0.1 (JDK {@code HttpServer}, tests only): the
 * {@code /room_keys} endpoints, account data and {@code /keys/query}, with an access-token check, the
 * replacement rule of choice ({@link SpecReplacement} or {@link SynapseReplacement}, written apart from
 * the local store's), fault injection and a request log. Requests change state one at a time (under
 * this object's lock); response bodies are written by a small thread pool, so a client that uploads
 * while it is still reading a streamed {@code GET /room_keys/keys} cannot deadlock against it, as it
 * could not against a real homeserver. Public for the workflow and CLI tests. Always {@link #close()} it.
 */
public final class TestHomeserver implements AutoCloseable {
    static final String PREFIX = "/_matrix/client/v3/";

    private static final class Version {
        final String algorithm;
        Json.Obj authData;
        boolean deleted;
        long etag;
        final TreeMap<String, LinkedHashMap<String, Json.Obj>> rooms = new TreeMap<>();

        Version(String algorithm, Json.Obj authData) {
            this.algorithm = algorithm;
            this.authData = authData;
        }

        long count() {
            return rooms.values().stream().mapToLong(Map::size).sum();
        }
    }

    /** A response to send: status, JSON body and optional extra header. */
    private record Reply(int status, Json.Obj body, String header, String headerValue) {
        Reply(int status, Json.Obj body) {
            this(status, body, null, null);
        }
    }

    /**
     * How a body is sent: the first {@code stallAfterBytes} (−1: all) in {@code pieces} parts {@code intervalMs} apart;
     * then, when some is missing, a stall, or with {@code cut} the connection is closed at once.
     */
    private record BodyFault(int stallAfterBytes, int pieces, long intervalMs, boolean cut) {}
    private static final BodyFault NO_BODY_FAULT = new BodyFault(-1, 1, 0, false);

    /**
     * Requests {@code from}…{@code from+count−1}, counted from when the fault is set (1-based), answer
     * {@code status}; with {@code lostReply} request {@code from} is carried out and its connection closed
     * instead (the client cannot know it worked).
     */
    private record RequestFault(int from, int count, int status, boolean lostReply) {}

    /** A fault for key PUTs ({@code PUT /room_keys/keys…}), see {@link #faultEveryKeyPut}. */
    public enum KeyPutFault {
        /** 429 {@code M_LIMIT_EXCEEDED} with {@code retry_after_ms} 5. */
        RATE_LIMITED,
        /** 500 {@code M_UNKNOWN}. */
        SERVER_ERROR,
        /** The connection is closed before the request is processed. */
        DROPPED_BEFORE_STORING,
        /** The keys are stored, then the connection is closed without a response: the client must retry blindly. */
        DROPPED_AFTER_STORING
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "test-homeserver");
        t.setDaemon(true);
        return t;
    });
    private final String userId;
    private final String token;
    private final TreeMap<Long, Version> versions = new TreeMap<>();
    private final Map<String, Json.Obj> accountData = new LinkedHashMap<>();
    private final List<String> requests = new ArrayList<>();
    private BiPredicate<Json.Obj, Json.Obj> rule = SpecReplacement.RULE;
    private Json.Obj identity = Json.obj("device_keys", Json.obj(), "failures", Json.obj());
    // fault injection
    private int drops;
    private int redirects;
    private String redirectTo;
    private int fail429;
    private long retryAfterMs = -1;
    private long retryAfterSeconds = -1;
    private int fail500;
    private int newVersionAfterPuts = -1;
    private int crashAfterPuts = -1;
    private int keyPuts;
    private int keyPutAttempts;
    private int faultPeriod;
    private KeyPutFault fault;
    private boolean dropThisReply;
    private String hookPrefix;
    private int hookCountdown;
    private Runnable hook;
    private int bodyFaults;
    private BodyFault bodyFault;
    private RequestFault requestFault;
    private int requestsSinceFault;
    private String truncatedVersion;
    private int truncateAfterReads;
    private int truncateKeep;
    private int fullReads;
    private UnaryOperator<Answer> rewrite;
    /** Released by {@link #close()}: stalled and dripping responses stop waiting. */
    private final CountDownLatch closing = new CountDownLatch(1);

    private TestHomeserver(String userId, String token) throws IOException {
        this.userId = userId;
        this.token = token;
        this.server = LoopbackHttpServer.create(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static TestHomeserver start(String userId, String token) throws IOException {
        return new TestHomeserver(userId, token);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- configuration and inspection (all synchronized with request handling) ----

    /** The replacement rule: {@code shouldReplace.test(stored, candidate)}; {@link SpecReplacement} by default. */
    public synchronized void setRule(BiPredicate<Json.Obj, Json.Obj> shouldReplace) { rule = shouldReplace; }
    public synchronized void setIdentity(Json.Obj keysQueryResponse) { identity = keysQueryResponse; }
    public synchronized void dropNext(int n) { drops = n; }
    synchronized void redirectNext(int n, String location) { redirects = n; redirectTo = location; }
    /** Next n requests answer 429; the wait is in the body ({@code retry_after_ms}) and/or the Retry-After header (−1 = absent). */
    public synchronized void rateLimitNext(int n, long bodyRetryAfterMs, long headerRetryAfterSeconds) {
        fail429 = n;
        retryAfterMs = bodyRetryAfterMs;
        retryAfterSeconds = headerRetryAfterSeconds;
    }
    public synchronized void failNext500(int n) { fail500 = n; }
    /** The next n responses send the headers and the first {@code bytes} bytes of the body, then nothing until {@link #close()}. */
    public synchronized void stallNextBodies(int n, int bytes) {
        bodyFaults = n;
        bodyFault = new BodyFault(bytes, 1, 0, false);
    }
    /**
     * The next n responses declare the whole body's Content-Length, send its first {@code bytes} bytes, then close
     * the connection: the client sees the body fail (not stall).
     */
    public synchronized void cutNextBodies(int n, int bytes) {
        bodyFaults = n;
        bodyFault = new BodyFault(bytes, 1, 0, true);
    }
    /** The next n responses send the whole body in {@code pieces} parts, {@code intervalMs} apart (slow, or too slow). */
    public synchronized void dripNextBodies(int n, int pieces, long intervalMs) {
        bodyFaults = n;
        bodyFault = new BodyFault(-1, pieces, intervalMs, false);
    }
    /** After k successful key PUTs, another client creates a new version. */
    public synchronized void newVersionAfterKeyPuts(int k) { newVersionAfterPuts = k; }
    /** After k successful key PUTs, every further key PUT fails with 500 (a crash point). */
    public synchronized void crashAfterKeyPuts(int k) { crashAfterPuts = k; }
    /**
     * Requests number {@code from} to {@code from + count − 1} after this call (1-based) answer {@code status}
     * ({@code M_UNKNOWN}); with {@code lostReply}, request {@code from} is carried out but gets no answer.
     * {@code count} 0 turns it off.
     */
    public synchronized void failRequests(int from, int count, int status, boolean lostReply) {
        requestFault = count == 0 ? null : new RequestFault(from, count, status, lostReply);
        requestsSinceFault = 0;
    }
    /** After {@code afterReads} full reads ({@code GET /room_keys/keys}) of {@code version}, each further one lists only its first {@code keep} keys. */
    public synchronized void truncateKeyReads(String version, int afterReads, int keep) {
        truncatedVersion = version;
        truncateAfterReads = afterReads;
        truncateKeep = keep;
        fullReads = 0;
    }
    public synchronized int requestCount() { return requests.size(); }
    public synchronized List<String> requests() { return List.copyOf(requests); }
    public synchronized int keyPuts() { return keyPuts; }

    /**
     * Every {@code period}-th key PUT attempt (counting retries) meets {@code f} once; the retry that follows
     * gets through when {@code period > 1}. {@code period} 0 turns it off.
     */
    public synchronized void faultEveryKeyPut(int period, KeyPutFault f) {
        faultPeriod = period;
        fault = f;
    }

    /**
     * Runs {@code action} once, under the server's lock, right after the n-th successful (2xx) request whose
     * {@code "METHOD raw-path"} starts with {@code prefix} (e.g. {@code "PUT /_matrix/client/v3/room_keys/keys"}).
     */
    public synchronized void afterRequest(String prefix, int n, Runnable action) {
        hookPrefix = prefix;
        hookCountdown = n;
        hook = action;
    }

    /** A reply as {@link #rewriteReplies} sees it: the request ({@code "METHOD raw-path"}), status and JSON body. */
    public record Answer(String request, int status, Json.Obj body) {}

    /**
     * From now on every reply passes {@code f}, which returns the status and body to send instead (a hostile
     * or broken server; the request already took effect as the original reply says). Null turns it off.
     */
    public synchronized void rewriteReplies(UnaryOperator<Answer> f) { rewrite = f; }

    /** The versions that exist and are not deleted, oldest first. */
    public synchronized List<String> liveVersions() {
        List<String> live = new ArrayList<>();
        versions.forEach((n, v) -> { if (!v.deleted) live.add(Long.toString(n)); });
        return live;
    }

    /** Stores a key directly, bypassing HTTP and the replacement rule (for large fixtures); the etag moves. */
    public synchronized void insertKey(String version, String roomId, String sessionId, Json.Obj data) {
        Version v = versions.get(Long.parseLong(version));
        v.rooms.computeIfAbsent(roomId, r -> new LinkedHashMap<>()).put(sessionId, data);
        v.etag++;
    }

    /** The stored key, or null. */
    public synchronized Json.Obj storedKey(String version, String roomId, String sessionId) {
        Map<String, Json.Obj> room = versions.get(Long.parseLong(version)).rooms.get(roomId);
        return room == null ? null : room.get(sessionId);
    }

    public synchronized Json.Obj storedAccountData(String type) { return accountData.get(type); }

    // ---- request handling ----

    private void handle(HttpExchange ex) throws IOException {
        try {
            Reply reply;
            BodyFault how = NO_BODY_FAULT;
            synchronized (this) {
                String raw = ex.getRequestURI().getRawPath();
                String query = ex.getRequestURI().getRawQuery();
                requests.add(ex.getRequestMethod() + " " + raw + (query == null ? "" : "?" + query));
                if (drops > 0) {
                    drops--;
                    return; // closing without a response drops the connection
                }
                RequestFault rf = requestFault;
                int n = ++requestsSinceFault;
                if (rf != null && n >= rf.from() && n - rf.from() < rf.count() && !(rf.lostReply() && n == rf.from())) {
                    reply = new Reply(rf.status(), error("M_UNKNOWN", "injected failure"));
                } else {
                    try {
                        reply = respond(ex, raw, query);
                    } catch (RuntimeException e) {
                        reply = new Reply(500, error("M_UNKNOWN", "test server error: " + e));
                    }
                    if (rf != null && rf.lostReply() && n == rf.from()) dropThisReply = true;
                }
                if (hook != null && reply.status() / 100 == 2 && (ex.getRequestMethod() + " " + raw).startsWith(hookPrefix)
                        && --hookCountdown == 0) {
                    Runnable h = hook;
                    hook = null;
                    h.run();
                }
                if (rewrite != null) {
                    Answer a = rewrite.apply(new Answer(ex.getRequestMethod() + " " + raw, reply.status(), reply.body()));
                    reply = new Reply(a.status(), a.body(), reply.header(), reply.headerValue());
                }
                if (dropThisReply) {
                    dropThisReply = false;
                    return; // the request took effect, but the client never learns it
                }
                if (bodyFaults > 0) {
                    bodyFaults--;
                    how = bodyFault;
                }
            }
            byte[] body = CanonicalJson.encode(reply.body());
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (reply.header() != null) ex.getResponseHeaders().set(reply.header(), reply.headerValue());
            ex.sendResponseHeaders(reply.status(), body.length);
            writeBody(ex.getResponseBody(), body, how);
        } finally {
            ex.close();
        }
    }

    /** Writes the body as {@code how} says, outside the lock (other requests go on meanwhile); flushed part by part. */
    private void writeBody(OutputStream out, byte[] body, BodyFault how) throws IOException {
        int length = how.stallAfterBytes() < 0 ? body.length : Math.min(how.stallAfterBytes(), body.length);
        for (int i = 0; i < how.pieces(); i++) {
            if (i > 0 && !pause(how.intervalMs())) return;
            int from = (int) ((long) length * i / how.pieces());
            int to = (int) ((long) length * (i + 1) / how.pieces());
            out.write(body, from, to - from);
            out.flush();
        }
        if (length < body.length && !how.cut()) pause(60_000); // a stall: the rest never comes
        // a cut: the exchange is closed short of its Content-Length, and the JDK server then closes the connection
    }

    /** Waits up to {@code ms}; false when the server is closing. */
    private boolean pause(long ms) {
        try {
            return !closing.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Reply respond(HttpExchange ex, String raw, String query) throws IOException {
        if (redirects > 0) {
            redirects--;
            return new Reply(302, Json.obj(), "Location", redirectTo);
        }
        if (fail429 > 0) {
            fail429--;
            Json.Obj body = error("M_LIMIT_EXCEEDED", "too many requests");
            if (retryAfterMs >= 0) body = body.with("retry_after_ms", Json.of(retryAfterMs));
            return retryAfterSeconds >= 0 ? new Reply(429, body, "Retry-After", Long.toString(retryAfterSeconds)) : new Reply(429, body);
        }
        if (fail500 > 0) {
            fail500--;
            return new Reply(500, error("M_UNKNOWN", "internal server error"));
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null) return new Reply(401, error("M_MISSING_TOKEN", "missing access token"));
        if (!auth.equals("Bearer " + token)) return new Reply(401, error("M_UNKNOWN_TOKEN", "unknown access token"));
        if (!raw.startsWith(PREFIX)) return new Reply(404, error("M_UNRECOGNIZED", "unrecognized request"));
        List<String> p = new ArrayList<>();
        for (String s : raw.substring(PREFIX.length()).split("/", -1)) p.add(decode(s));
        String version = null;
        if (query != null && query.startsWith("version=")) version = decode(query.substring("version=".length()));
        Json.Obj body = null;
        String method = ex.getRequestMethod();
        if (method.equals("PUT") || method.equals("POST")) {
            try (InputStream in = ex.getRequestBody()) {
                if (!(JsonReader.parse(in.readAllBytes()) instanceof Json.Obj o)) return new Reply(400, error("M_NOT_JSON", "not an object"));
                body = o;
            } catch (JsonException e) {
                return new Reply(400, error("M_NOT_JSON", "bad json"));
            }
        }
        String route = method + " " + String.join("/", p.subList(0, Math.min(2, p.size()))) + " " + p.size();
        switch (route) {
            case "POST room_keys/version 2": return new Reply(200, Json.obj("version", Json.of(create(body.string("algorithm"), body.object("auth_data")))));
            case "GET room_keys/version 2": {
                Long current = current();
                return current == null ? new Reply(404, error("M_NOT_FOUND", "No current backup version")) : new Reply(200, info(current));
            }
            case "GET room_keys/version 3": case "PUT room_keys/version 3": case "DELETE room_keys/version 3":
                return versionEndpoint(method, p.get(2), body);
            case "POST keys/query 2": return new Reply(200, identity);
            case "GET account/whoami 2": return new Reply(200, Json.obj("user_id", Json.of(userId))); // the token's owner
            default: break;
        }
        if (p.size() == 4 && p.get(0).equals("user") && p.get(2).equals("account_data")) {
            if (!p.get(1).equals(userId)) return new Reply(403, error("M_FORBIDDEN", "not your account data"));
            if (method.equals("PUT")) {
                accountData.put(p.get(3), body);
                return new Reply(200, Json.obj());
            }
            Json.Obj content = accountData.get(p.get(3));
            return content == null ? new Reply(404, error("M_NOT_FOUND", "Account data not found")) : new Reply(200, content);
        }
        if (p.size() >= 2 && p.size() <= 4 && p.get(0).equals("room_keys") && p.get(1).equals("keys")) {
            if (version == null) return new Reply(400, error("M_MISSING_PARAM", "version missing"));
            return keysEndpoint(method, version, p.size() > 2 ? p.get(2) : null, p.size() > 3 ? p.get(3) : null, body);
        }
        return new Reply(404, error("M_UNRECOGNIZED", "unrecognized request"));
    }

    private Reply versionEndpoint(String method, String v, Json.Obj body) {
        Version ver = lookup(v);
        if (ver == null && !(method.equals("DELETE") && existedEver(v))) return new Reply(404, error("M_NOT_FOUND", "Unknown backup version"));
        switch (method) {
            case "GET": return new Reply(200, info(Long.parseLong(v)));
            case "PUT":
                if (!ver.algorithm.equals(body.string("algorithm"))) return new Reply(400, error("M_INVALID_PARAM", "Algorithm does not match"));
                if (body.has("version") && !v.equals(body.string("version"))) return new Reply(400, error("M_INVALID_PARAM", "Version does not match"));
                ver.authData = body.object("auth_data");
                return new Reply(200, Json.obj());
            default:
                Version old = versions.get(Long.parseLong(v));
                old.deleted = true;
                old.rooms.clear();
                return new Reply(200, Json.obj());
        }
    }

    private Reply keysEndpoint(String method, String v, String room, String session, Json.Obj body) {
        Version ver = lookup(v);
        if (method.equals("PUT")) {
            keyPutAttempts++;
            if (faultPeriod > 0 && keyPutAttempts % faultPeriod == 0) {
                switch (fault) {
                    case RATE_LIMITED:
                        return new Reply(429, error("M_LIMIT_EXCEEDED", "too many requests").with("retry_after_ms", Json.of(5)));
                    case SERVER_ERROR:
                        return new Reply(500, error("M_UNKNOWN", "internal server error"));
                    case DROPPED_BEFORE_STORING:
                        dropThisReply = true;
                        return new Reply(500, error("M_UNKNOWN", "never sent"));
                    default:
                        dropThisReply = true; // and store below
                }
            }
            if (crashAfterPuts >= 0 && keyPuts >= crashAfterPuts) return new Reply(500, error("M_UNKNOWN", "simulated crash"));
            if (ver == null) return new Reply(404, error("M_NOT_FOUND", "Unknown backup version"));
            String current = Long.toString(current());
            if (!current.equals(v)) {
                return new Reply(403, error("M_WRONG_ROOM_KEYS_VERSION", "Wrong backup version.").with("current_version", Json.of(current)));
            }
            Json.Obj rooms = room == null ? body.object("rooms")
                    : Json.obj(room, session == null ? body : Json.obj("sessions", Json.obj(session, body)));
            if (rooms == null) return new Reply(400, error("M_BAD_JSON", "rooms missing"));
            for (Json r : rooms.members().values()) {
                if (!(r instanceof Json.Obj ro) || ro.object("sessions") == null) return new Reply(400, error("M_BAD_JSON", "sessions missing"));
                for (Json s : ro.object("sessions").members().values()) {
                    if (!(s instanceof Json.Obj so) || !SpecReplacement.acceptable(so)) return new Reply(400, error("M_INVALID_PARAM", "bad key"));
                }
            }
            boolean changed = false;
            for (Map.Entry<String, Json> r : rooms.members().entrySet()) {
                Map<String, Json.Obj> stored = ver.rooms.computeIfAbsent(r.getKey(), k -> new LinkedHashMap<>());
                for (Map.Entry<String, Json> s : ((Json.Obj) r.getValue()).object("sessions").members().entrySet()) {
                    Json.Obj old = stored.get(s.getKey());
                    if (old == null || rule.test(old, (Json.Obj) s.getValue())) {
                        stored.put(s.getKey(), (Json.Obj) s.getValue());
                        changed = true;
                    }
                }
            }
            if (changed) ver.etag++;
            keyPuts++;
            Reply reply = new Reply(200, updateResponse(ver));
            if (keyPuts == newVersionAfterPuts) create(ver.algorithm, ver.authData);
            return reply;
        }
        if (ver == null) return new Reply(404, error("M_NOT_FOUND", "Unknown backup version"));
        if (method.equals("GET")) {
            if (room == null) {
                Map<String, Json> rooms = new LinkedHashMap<>();
                int keep = v.equals(truncatedVersion) && ++fullReads > truncateAfterReads ? truncateKeep : Integer.MAX_VALUE;
                for (Map.Entry<String, LinkedHashMap<String, Json.Obj>> r : ver.rooms.entrySet()) {
                    Map<String, Json> sessions = new LinkedHashMap<>();
                    for (Map.Entry<String, Json.Obj> e : r.getValue().entrySet()) {
                        if (keep-- > 0) sessions.put(e.getKey(), e.getValue());
                    }
                    rooms.put(r.getKey(), Json.obj("sessions", new Json.Obj(sessions)));
                }
                return new Reply(200, Json.obj("rooms", new Json.Obj(rooms)));
            }
            Map<String, Json.Obj> sessions = ver.rooms.getOrDefault(room, new LinkedHashMap<>());
            if (session == null) return new Reply(200, Json.obj("sessions", new Json.Obj(new LinkedHashMap<>(sessions))));
            Json.Obj data = sessions.get(session);
            return data == null ? new Reply(404, error("M_NOT_FOUND", "No room_keys found")) : new Reply(200, data);
        }
        long before = ver.count();
        if (room == null) ver.rooms.clear();
        else if (session == null) ver.rooms.remove(room);
        else if (ver.rooms.containsKey(room)) ver.rooms.get(room).remove(session);
        if (ver.count() != before) ver.etag++;
        return new Reply(200, updateResponse(ver));
    }

    private String create(String algorithm, Json.Obj authData) {
        long n = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        versions.put(n, new Version(algorithm, authData));
        return Long.toString(n);
    }

    private Long current() {
        for (Long n : versions.descendingKeySet()) if (!versions.get(n).deleted) return n;
        return null;
    }

    private Version lookup(String v) {
        if (v == null || !v.matches("[1-9][0-9]{0,17}")) return null;
        Version ver = versions.get(Long.parseLong(v));
        return ver == null || ver.deleted ? null : ver;
    }

    private boolean existedEver(String v) {
        return v.matches("[1-9][0-9]{0,17}") && versions.containsKey(Long.parseLong(v));
    }

    private Json.Obj info(long n) {
        Version v = versions.get(n);
        return Json.obj("algorithm", Json.of(v.algorithm), "auth_data", v.authData, "count", Json.of(v.count()),
                "etag", Json.of(Long.toString(v.etag)), "version", Json.of(Long.toString(n)));
    }

    private static Json.Obj updateResponse(Version v) {
        return Json.obj("count", Json.of(v.count()), "etag", Json.of(Long.toString(v.etag)));
    }

    private static Json.Obj error(String errcode, String message) {
        return Json.obj("errcode", Json.of(errcode), "error", Json.of(message));
    }

    /** Percent-decodes one path segment or query value as UTF-8 ('+' stays '+'). */
    static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length) {
                out.write(Integer.parseInt(new String(Arrays.copyOfRange(in, i + 1, i + 3), StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
