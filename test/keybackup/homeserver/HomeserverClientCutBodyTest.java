package keybackup.homeserver;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static keybackup.BackupFixtures.marker;
import static keybackup.homeserver.Fixtures.TOKEN;
import static keybackup.homeserver.Fixtures.keyRequests;
import static keybackup.homeserver.Fixtures.threeKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import keybackup.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * A response body cut off mid-stream: the server declares a Content-Length, sends part of it and closes the
 * connection. The body fails at once ({@link BodyStream#onError}), not after the idle timeout, which is set far
 * beyond {@link #BOUND} so that a cut mistaken for a stall fails these tests. The retry rules are those of a
 * stall: GET and PUT are retried, POST and DELETE are not repeated, a stream only while nothing was visited.
 *
 * <p>The class timeout is a safety net for the calls outside {@link #BOUND} (setting up the keys): should the
 * client wait for the idle timeout, the test is interrupted after a minute instead of waiting {@link #IDLE}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HomeserverClientCutBodyTest {
    /** Far above what any test here needs when the cut is seen; well below {@link #IDLE}. */
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final Duration IDLE = Duration.ofMinutes(5);
    /** How {@link HttpTransport#failure} describes the body's failure (the client's own message is not shown). */
    private static final String CUT_MESSAGE = "the connection failed";

    private TestHomeserver server;
    private HomeserverClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestHomeserver.start(USER, TOKEN);
        client = HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(20)).withBodyIdleTimeout(IDLE));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static StoreException failsInTime(Executable call) {
        return assertTimeoutPreemptively(BOUND, () -> assertThrows(StoreException.class, call));
    }

    /** The cause is the body's failure, which holds the client's exception, and no message in the chain holds the token. */
    private static void assertCut(StoreException e) {
        assertTrue(e.getMessage().contains(CUT_MESSAGE), e.getMessage());
        assertTrue(e.getCause() instanceof IOException && !(e.getCause() instanceof SocketTimeoutException), String.valueOf(e.getCause()));
        assertNotNull(e.getCause().getCause()); // BodyStream.onError passed the client's failure on
        for (Throwable c = e; c != null; c = c.getCause()) {
            assertFalse(String.valueOf(c.getMessage()).contains(TOKEN), c.toString());
            assertFalse(c.toString().contains(TOKEN));
        }
    }

    @Test
    void call_getBodyCutOnce_retriedAndSucceeds() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        server.cutNextBodies(1, 5);
        Json.Obj current = assertTimeoutPreemptively(BOUND, () -> client.currentVersion().orElseThrow());
        assertEquals("1", current.string("version"));
        assertEquals(3, server.requestCount()); // the POST, the cut GET and its retry
    }

    @Test
    void call_getBodyCutEveryTime_givesUpWithConnectionFailure() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        server.cutNextBodies(100, 5);
        StoreException e = failsInTime(client::currentVersion);
        assertCut(e);
        assertTrue(e.getMessage().startsWith("GET /room_keys/version: giving up after 3 attempts"), e.getMessage());
        assertEquals(4, server.requestCount());
    }

    @Test
    void call_putBodyCutOnce_retriedAndSucceeds() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k")));
        server.cutNextBodies(1, 3);
        // the keys are stored before the answer is cut; sending them again is harmless, so a PUT is repeated
        assertTimeoutPreemptively(BOUND, () -> client.putRoomKeys("1", ROOM, Json.obj("s1", key(false, 0, 0, "a"))));
        assertEquals(2, server.requests().stream().filter(r -> r.startsWith("PUT ")).count());
        assertEquals("a", marker(server.storedKey("1", ROOM, "s1")));
    }

    @Test
    void createVersion_answerCut_notRepeated() throws Exception {
        server.cutNextBodies(1, 5); // the version is created; its answer is cut
        StoreException e = failsInTime(() -> client.createVersion(ALGORITHM, authData("k")));
        assertCut(e);
        assertTrue(e.getMessage().startsWith("POST /room_keys/version: the server accepted the request (http 200)"), e.getMessage());
        assertTrue(e.getMessage().contains("not repeated"), e.getMessage());
        assertEquals(1, server.requestCount()); // a second POST would have created a second version
        assertEquals(List.of("1"), server.liveVersions());
    }

    @Test
    void deleteKeys_answerCut_notRepeated() throws Exception {
        threeKeys(client);
        server.cutNextBodies(1, 5);
        StoreException e = failsInTime(() -> client.deleteKeys("1"));
        assertCut(e);
        assertTrue(e.getMessage().startsWith("DELETE /room_keys/keys: the server accepted the request (http 200)"), e.getMessage());
        assertTrue(e.getMessage().contains("not repeated"), e.getMessage());
        assertEquals(1, server.requests().stream().filter(r -> r.startsWith("DELETE ")).count());
        assertNull(server.storedKey("1", ROOM, "s1"));
    }

    @Test
    void streamKeys_cutBeforeFirstEntry_retriedAndVisitsEachEntryOnce() throws Exception {
        threeKeys(client);
        server.cutNextBodies(1, 10); // {"rooms":{ and no entry
        List<String> seen = new ArrayList<>();
        assertTimeoutPreemptively(BOUND, () -> client.streamKeys("1", (room, session, data) -> seen.add(session + "|" + marker(data))));
        assertEquals(List.of("s1|a", "s2|b", "s3|c"), seen);
        assertEquals(2, keyRequests(server));
    }

    @Test
    void streamKeys_cutAfterTwoEntries_failsWithoutRetry() throws Exception {
        byte[] body = threeKeys(client);
        int third = new String(body, StandardCharsets.UTF_8).indexOf("\"s3\""); // ASCII: chars are bytes
        assertTrue(third > 0);
        server.cutNextBodies(1, third); // s1 and s2 whole, then the connection closes
        List<String> seen = new ArrayList<>();
        StoreException e = failsInTime(() -> client.streamKeys("1", (room, session, data) -> seen.add(session)));
        assertCut(e);
        assertTrue(e.getMessage().startsWith("GET /room_keys/keys: "), e.getMessage());
        assertTrue(e.getMessage().contains("not retried: 2 entries were visited"), e.getMessage());
        assertEquals(List.of("s1", "s2"), seen); // each once: a retry would have shown them again
        assertEquals(1, keyRequests(server));
    }
}
