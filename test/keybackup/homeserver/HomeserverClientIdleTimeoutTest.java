package keybackup.homeserver;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.marker;
import static keybackup.homeserver.Fixtures.TOKEN;
import static keybackup.homeserver.Fixtures.keyRequests;
import static keybackup.homeserver.Fixtures.threeKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import keybackup.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link ClientOptions#bodyIdleTimeout()}: a homeserver that sends the headers and then stalls or drips the
 * body must fail the request in bounded time, with {@link BodyIdleTimeoutException} as the cause, retried
 * like other timeouts only where no data reached the caller; a body that arrives slowly but steadily must
 * still succeed.
 */
class HomeserverClientIdleTimeoutTest {
    private static final Duration IDLE = Duration.ofMillis(400);
    private static final String IDLE_MESSAGE = "no data from the homeserver for 400 ms while reading the response body";
    /** Far above what any test here needs when the timeout works; a hang without it. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    private TestHomeserver server;
    private HomeserverClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestHomeserver.start(USER, TOKEN);
        client = client(3);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HomeserverClient client(int attempts) throws StoreException {
        return HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withRetries(attempts, Duration.ofMillis(1), Duration.ofMillis(20)).withBodyIdleTimeout(IDLE));
    }

    /** For the slow-but-steady cases: gaps of 250 ms against 1.5 s leave a wide margin on a loaded machine. */
    private static final Duration STEADY_IDLE = Duration.ofMillis(1500);

    private HomeserverClient steadyClient() throws StoreException {
        return HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withRetries(1, Duration.ofMillis(1), Duration.ofMillis(20)).withBodyIdleTimeout(STEADY_IDLE));
    }

    /** Runs {@code call}, which must throw a StoreException well within {@link #BOUND}; returns it. */
    private static StoreException failsInTime(Executable call) {
        return assertTimeoutPreemptively(BOUND, () -> assertThrows(StoreException.class, call));
    }

    private static void assertIdleTimeout(StoreException e) {
        assertTrue(e.getMessage().contains(IDLE_MESSAGE), e.getMessage());
        BodyIdleTimeoutException cause = assertInstanceOf(BodyIdleTimeoutException.class, e.getCause());
        assertEquals(IDLE, cause.idleTimeout());
        for (Throwable c = e; c != null; c = c.getCause()) {
            assertFalse(String.valueOf(c.getMessage()).contains(TOKEN), c.toString());
            assertFalse(c.toString().contains(TOKEN));
        }
    }

    @Test
    void call_getBodyStallsAfterHeaders_retriedThenFailsWithIdleTimeout() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        server.stallNextBodies(100, 5); // headers and 5 bytes of the answer, then nothing
        long start = System.nanoTime();
        StoreException e = failsInTime(client::currentVersion);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertIdleTimeout(e);
        assertTrue(e.getMessage().contains("giving up after 3 attempts"), e.getMessage());
        assertEquals(4, server.requestCount()); // the POST, then the GET three times: retried like any other timeout
        assertTrue(elapsedMs >= 3 * IDLE.toMillis(), "gave up after " + elapsedMs + " ms");
    }

    @Test
    void call_postBodyStallsAfterHeaders_notRepeated() throws Exception {
        server.stallNextBodies(1, 5); // the version is created; its answer stalls
        StoreException e = failsInTime(() -> client.createVersion(ALGORITHM, authData("k")));
        assertIdleTimeout(e);
        assertTrue(e.getMessage().startsWith("POST /room_keys/version: the server accepted the request (http 200)"), e.getMessage());
        assertTrue(e.getMessage().contains("not repeated"), e.getMessage());
        assertEquals(1, server.requestCount()); // a second POST would have created a second version
        assertEquals("1", client.currentVersion().orElseThrow().string("version"));
    }

    @Test
    void call_bodyStallsOnce_retrySucceeds() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        server.stallNextBodies(1, 5);
        Json.Obj current = assertTimeoutPreemptively(BOUND, () -> client.currentVersion().orElseThrow());
        assertEquals("1", current.string("version"));
        assertEquals(3, server.requestCount());
    }

    @Test
    void call_bodyDripsTooSlowly_failsWithIdleTimeout() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        HomeserverClient once = client(1);
        server.dripNextBodies(1, 4, 3000); // a quarter of the body every 3 s
        StoreException e = failsInTime(once::currentVersion);
        assertIdleTimeout(e);
        assertEquals(2, server.requestCount());
    }

    @Test
    void call_bodyArrivesSlowlyButSteadily_succeeds() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        HomeserverClient patient = steadyClient();
        server.dripNextBodies(1, 10, 250); // ten parts 250 ms apart: 2.25 s in all, longer than the idle timeout
        long start = System.nanoTime();
        Json.Obj current = assertTimeoutPreemptively(BOUND, () -> patient.currentVersion().orElseThrow());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("1", current.string("version"));
        assertEquals(2, server.requestCount()); // no timeout and no retry on the way
        assertTrue(elapsedMs >= 2250 && elapsedMs > STEADY_IDLE.toMillis(), "the body took only " + elapsedMs + " ms");
    }

    @Test
    void streamKeys_stallBeforeFirstEntry_retriedAndVisitsEachEntryOnce() throws Exception {
        threeKeys(client);
        server.stallNextBodies(1, 10); // {"rooms":{ and no entry
        List<String> seen = new ArrayList<>();
        assertTimeoutPreemptively(BOUND, () -> client.streamKeys("1", (room, session, data) -> seen.add(session + "|" + marker(data))));
        assertEquals(List.of("s1|a", "s2|b", "s3|c"), seen);
        assertEquals(2, keyRequests(server));
    }

    @Test
    void streamKeys_stallAfterEntriesVisited_failsWithIdleTimeoutWithoutRetry() throws Exception {
        byte[] body = threeKeys(client);
        server.stallNextBodies(1, body.length - 1); // every entry, but not the final brace
        List<String> seen = new ArrayList<>();
        StoreException e = failsInTime(() -> client.streamKeys("1", (room, session, data) -> seen.add(session)));
        assertIdleTimeout(e);
        assertTrue(e.getMessage().startsWith("GET /room_keys/keys: "), e.getMessage());
        assertTrue(e.getMessage().contains("not retried: 3 entries were visited"), e.getMessage());
        assertEquals(List.of("s1", "s2", "s3"), seen); // each once: a retry would have shown them again
        assertEquals(1, keyRequests(server));
    }

    @Test
    void streamKeys_bodyStallsEveryTime_givesUpWithIdleTimeout() throws Exception {
        threeKeys(client);
        server.stallNextBodies(100, 10);
        StoreException e = failsInTime(() -> client.streamKeys("1", (room, session, data) -> { }));
        assertIdleTimeout(e);
        assertTrue(e.getMessage().contains("giving up after 3 attempts"), e.getMessage());
        assertEquals(3, keyRequests(server));
    }

    @Test
    void streamKeys_bodyArrivesSlowlyButSteadily_visitsAll() throws Exception {
        threeKeys(client);
        HomeserverClient patient = steadyClient();
        server.dripNextBodies(1, 10, 250);
        List<String> seen = new ArrayList<>();
        long start = System.nanoTime();
        assertTimeoutPreemptively(BOUND, () -> patient.streamKeys("1", (room, session, data) -> seen.add(session)));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(List.of("s1", "s2", "s3"), seen);
        assertEquals(1, keyRequests(server));
        assertTrue(elapsedMs >= 2250 && elapsedMs > STEADY_IDLE.toMillis(), "the body took only " + elapsedMs + " ms");
    }

    @Test
    void clientOptions_bodyIdleTimeout_defaultAndValidation() {
        ClientOptions defaults = ClientOptions.defaults();
        assertEquals(Duration.ofSeconds(30), defaults.bodyIdleTimeout());
        ClientOptions changed = defaults.withBodyIdleTimeout(Duration.ofMillis(1));
        assertEquals(Duration.ofMillis(1), changed.bodyIdleTimeout());
        assertEquals(defaults.requestTimeout(), changed.requestTimeout());
        assertEquals(changed.bodyIdleTimeout(), changed.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2)).bodyIdleTimeout());
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(-1)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> defaults.withBodyIdleTimeout(bad));
            assertEquals("bodyIdleTimeout: must be positive", e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> defaults.withBodyIdleTimeout(null));
    }
}
