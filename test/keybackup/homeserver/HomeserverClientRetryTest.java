package keybackup.homeserver;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static keybackup.homeserver.Fixtures.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import keybackup.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, rate limits, dropped connections, redirects, URL policy and token hygiene. */
class HomeserverClientRetryTest {
    private TestHomeserver server;
    private HomeserverClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestHomeserver.start(USER, TOKEN);
        client = HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withRetries(4, Duration.ofMillis(1), Duration.ofMillis(2000)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void request_rateLimitedWithRetryAfterMs_waitsAndSucceeds() throws Exception {
        server.rateLimitNext(2, 150, -1);
        long start = System.nanoTime();
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(3, server.requestCount());
        assertTrue(elapsedMs >= 300, "waited only " + elapsedMs + " ms");
    }

    @Test
    void request_rateLimitedWithRetryAfterHeader_waitsSeconds() throws Exception {
        server.rateLimitNext(1, -1, 1);
        long start = System.nanoTime();
        assertTrue(client.currentVersion().isEmpty());
        assertEquals(2, server.requestCount());
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 1000);
    }

    @Test
    void request_rateLimitedLongerThanMaxBackoff_throwsWithRetryAfter() throws Exception {
        server.rateLimitNext(5, 60_000, -1);
        MatrixException e = assertThrows(MatrixException.class, client::currentVersion);
        assertEquals(429, e.status());
        assertEquals("M_LIMIT_EXCEEDED", e.errcode());
        assertEquals(OptionalLong.of(60_000), e.retryAfterMs());
        assertEquals(1, server.requestCount());
    }

    @Test
    void request_serverError500Twice_retriedThenSucceeds() throws Exception {
        server.failNext500(2);
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        assertEquals(3, server.requestCount());
    }

    @Test
    void request_serverErrorPersists_givesUpWithStoreException() {
        server.failNext500(100);
        StoreException e = assertThrows(StoreException.class, client::currentVersion);
        assertFalse(e instanceof MatrixException);
        assertTrue(e.getMessage().contains("giving up after 4 attempts"), e.getMessage());
        assertInstanceOf(MatrixException.class, e.getCause());
        assertEquals(4, server.requestCount());
    }

    @Test
    void request_connectionDropped_retriedThenSucceeds() throws Exception {
        server.dropNext(1);
        Json.Obj identity = Json.obj("device_keys", Json.obj());
        server.setIdentity(identity);
        assertEquals(identity, client.queryOwnKeys());
        assertEquals(2, server.requestCount()); // a POST is not retried by HttpClient itself: this is our retry
        assertTrue(server.requests().stream().allMatch(r -> r.equals("POST /_matrix/client/v3/keys/query")));
    }

    @Test
    void request_connectionAlwaysDropped_givesUp() {
        server.dropNext(100);
        StoreException e = assertThrows(StoreException.class, client::currentVersion);
        assertTrue(e.getMessage().contains("connection failed"), e.getMessage());
    }

    @Test
    void post_lostReplyThenRefused_notReportedAsARefusal() {
        server.failRequests(1, 2, 400, true); // the first POST creates the version but gets no answer; the retry gets 400
        StoreException e = assertThrows(StoreException.class, () -> client.createVersion(ALGORITHM, authData("k")));
        assertFalse(e instanceof MatrixException, "a caller would take it for 'nothing was created'");
        assertTrue(e.getMessage().contains("may have been carried out"), e.getMessage());
        assertEquals(List.of("1"), server.liveVersions());
    }

    @Test
    void post_refusedAtOnce_isTheServersError() {
        server.failRequests(1, 1, 400, false);
        MatrixException e = assertThrows(MatrixException.class, () -> client.createVersion(ALGORITHM, authData("k")));
        assertEquals(400, e.status());
        assertEquals(List.of(), server.liveVersions());
    }

    @Test
    void get_lostReplyThenRefused_isTheServersError() {
        server.failRequests(1, 2, 403, true);
        assertThrows(MatrixException.class, client::currentVersion);
    }

    @Test
    void request_redirect_notFollowed() {
        server.redirectNext(1, server.uri() + "/_matrix/client/v3/room_keys/version");
        StoreException e = assertThrows(StoreException.class, client::currentVersion);
        assertTrue(e.getMessage().contains("redirect"), e.getMessage());
        assertEquals(1, server.requestCount());
    }

    @Test
    void connect_httpToRemoteHost_refused() {
        StoreException e = assertThrows(StoreException.class,
                () -> HomeserverClient.connect(URI.create("http://matrix.example.org"), USER, AccessToken.of(TOKEN)));
        assertTrue(e.getMessage().contains("use https"), e.getMessage());
        assertThrows(StoreException.class, () -> HomeserverClient.connect(URI.create("http://127.0.0.1.example.org"), USER, AccessToken.of(TOKEN)));
        assertThrows(StoreException.class, () -> HomeserverClient.connect(URI.create("ftp://example.org"), USER, AccessToken.of(TOKEN)));
        assertThrows(StoreException.class, () -> HomeserverClient.connect(URI.create("https://u:p@example.org"), USER, AccessToken.of(TOKEN)));
    }

    @Test
    void connect_httpsOrLoopbackHttp_accepted() throws Exception {
        for (String url : new String[] {"https://matrix.example.org", "http://localhost:8008", "http://127.0.0.2", "http://[::1]:8008"}) {
            HomeserverClient.connect(URI.create(url), USER, AccessToken.of(TOKEN));
        }
        assertTrue(HomeserverClient.isLoopback("127.255.0.1"));
        assertFalse(HomeserverClient.isLoopback("128.0.0.1"));
        assertFalse(HomeserverClient.isLoopback("[::2]"));
    }

    @Test
    void putKeys_newVersionCreatedDuringUpload_laterBatchGetsWrongVersion() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        server.newVersionAfterKeyPuts(2);
        client.putSessionKey(v, ROOM, "s1", key(false, 0, 0, "a"));
        client.putSessionKey(v, ROOM, "s2", key(false, 0, 0, "b"));
        MatrixException e = assertThrows(MatrixException.class, () -> client.putSessionKey(v, ROOM, "s3", key(false, 0, 0, "c")));
        assertEquals("M_WRONG_ROOM_KEYS_VERSION", e.errcode());
        assertEquals("2", e.currentVersion().orElseThrow());
    }

    @Test
    void putKeys_crashAfterBatch_furtherPutsFail() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        server.crashAfterKeyPuts(1);
        client.putSessionKey(v, ROOM, "s1", key(false, 0, 0, "a"));
        assertThrows(StoreException.class, () -> client.putSessionKey(v, ROOM, "s2", key(false, 0, 0, "b")));
        assertEquals(1, server.keyPuts());
        assertEquals(Json.of(1), client.version(v).get("count"));
    }

    @Test
    void failures_anyKind_neverContainToken() throws Exception {
        server.failNext500(100);
        StoreException e1 = assertThrows(StoreException.class, client::currentVersion);
        server.failNext500(0);
        HomeserverClient wrong = HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN + "x"));
        StoreException e2 = assertThrows(StoreException.class, wrong::currentVersion);
        StoreException e3 = assertThrows(StoreException.class,
                () -> HomeserverClient.connect(URI.create("http://example.org"), USER, AccessToken.of(TOKEN)));
        for (Throwable t : new Throwable[] {e1, e2, e3}) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                assertFalse(String.valueOf(c.getMessage()).contains(TOKEN), c.toString());
                assertFalse(c.toString().contains(TOKEN));
            }
        }
        assertFalse(client.toString().contains(TOKEN));
        assertFalse(AccessToken.of(TOKEN).toString().contains(TOKEN));
    }
}
