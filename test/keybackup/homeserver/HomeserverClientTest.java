package keybackup.homeserver;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.SESSION;
import static keybackup.BackupFixtures.USER;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;
import static keybackup.BackupFixtures.marker;
import static keybackup.homeserver.Fixtures.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import keybackup.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HomeserverClient against TestHomeserver: every endpoint, encoding, error mapping. */
class HomeserverClientTest {
    private TestHomeserver server;
    private HomeserverClient client;

    @BeforeEach
    void start() throws Exception {
        server = TestHomeserver.start(USER, TOKEN);
        ClientOptions fast = ClientOptions.defaults().withRetries(3, Duration.ofMillis(1), Duration.ofMillis(20));
        client = HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN), fast);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void createVersion_twice_versionsIncreaseAndLatestIsCurrent() throws Exception {
        assertEquals("1", client.createVersion(ALGORITHM, authData("k1")));
        assertEquals("2", client.createVersion(ALGORITHM, authData("k2")));
        Json.Obj current = client.currentVersion().orElseThrow();
        assertEquals("2", current.string("version"));
        assertEquals(ALGORITHM, current.string("algorithm"));
        assertEquals("k2", current.object("auth_data").string("public_key"));
        assertEquals(Json.of(0), current.get("count"));
        assertEquals("0", current.string("etag"));
    }

    @Test
    void currentVersion_noBackup_isEmpty() throws Exception {
        assertEquals(Optional.empty(), client.currentVersion());
    }

    @Test
    void version_unknown_throwsNotFound() throws Exception {
        MatrixException e = assertThrows(MatrixException.class, () -> client.version("7"));
        assertEquals(404, e.status());
        assertEquals("M_NOT_FOUND", e.errcode());
    }

    @Test
    void updateVersion_newAuthData_isReturnedByVersion() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k1"));
        client.updateVersion(v, ALGORITHM, authData("k1").with("signatures", Json.obj()));
        assertTrue(client.version(v).object("auth_data").has("signatures"));
    }

    @Test
    void updateVersion_otherAlgorithm_throwsInvalidParam() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k1"));
        MatrixException e = assertThrows(MatrixException.class, () -> client.updateVersion(v, "m.other", authData("k1")));
        assertEquals(400, e.status());
        assertEquals("M_INVALID_PARAM", e.errcode());
    }

    @Test
    void deleteVersion_latest_previousBecomesCurrentAndDeletedIsNotFound() throws Exception {
        client.createVersion(ALGORITHM, authData("k1"));
        String v2 = client.createVersion(ALGORITHM, authData("k2"));
        client.deleteVersion(v2);
        assertEquals("1", client.currentVersion().orElseThrow().string("version"));
        assertEquals(404, assertThrows(MatrixException.class, () -> client.version(v2)).status());
        client.deleteVersion(v2); // deleting again is 200
        assertEquals("3", client.createVersion(ALGORITHM, authData("k3"))); // never reused
    }

    @Test
    void putKeys_bulk_countAndEtagReported() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        Json.Obj rooms = Json.obj(ROOM, Json.obj("sessions", Json.obj("s1", key(false, 0, 0, "a"), "s2", key(false, 0, 0, "b"))));
        Json.Obj r = client.putKeys(v, rooms);
        assertEquals(Json.of(2), r.get("count"));
        assertEquals("1", r.string("etag"));
        Json.Obj again = client.putKeys(v, rooms); // nothing replaced: etag unchanged
        assertEquals("1", again.string("etag"));
        assertEquals(Json.of(2), client.version(v).get("count"));
    }

    @Test
    void putRoomKeys_thenGetRoomKeys_returnsSessions() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        client.putRoomKeys(v, ROOM, Json.obj("s1", key(true, 3, 1, "x")));
        Json.Obj sessions = client.getRoomKeys(v, ROOM).object("sessions");
        assertEquals("x", marker(sessions.object("s1")));
        assertTrue(client.getRoomKeys(v, "!empty:example.org").object("sessions").members().isEmpty());
    }

    @Test
    void putSessionKey_sessionIdWithSlashAndPlus_isPercentEncoded() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        client.putSessionKey(v, ROOM, SESSION, key(false, 0, 0, "enc"));
        String put = server.requests().get(server.requestCount() - 1);
        assertEquals("PUT /_matrix/client/v3/room_keys/keys/%21room%3Aexample.org/ab%2Fcd%2Bef%2FGH%2Bij?version=1", put);
        assertEquals("enc", marker(server.storedKey(v, ROOM, SESSION)));
        assertEquals("enc", marker(client.getSessionKey(v, ROOM, SESSION).orElseThrow()));
    }

    @Test
    void getSessionKey_absent_isEmpty() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        assertEquals(Optional.empty(), client.getSessionKey(v, ROOM, "nope"));
    }

    @Test
    void putKeys_oldVersion_throwsWrongVersionWithCurrent() throws Exception {
        String v1 = client.createVersion(ALGORITHM, authData("k1"));
        client.createVersion(ALGORITHM, authData("k2"));
        MatrixException e = assertThrows(MatrixException.class, () -> client.putSessionKey(v1, ROOM, "s", key(false, 0, 0, "a")));
        assertEquals(403, e.status());
        assertEquals("M_WRONG_ROOM_KEYS_VERSION", e.errcode());
        assertEquals(Optional.of("2"), e.currentVersion());
    }

    @Test
    void putKeys_unknownVersion_throwsNotFound() throws Exception {
        MatrixException e = assertThrows(MatrixException.class, () -> client.putSessionKey("9", ROOM, "s", key(false, 0, 0, "a")));
        assertEquals(404, e.status());
        assertTrue(e.isNotFound());
    }

    @Test
    void deleteKeys_threeScopes_countsDecrease() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        client.putKeys(v, Json.obj(
                ROOM, Json.obj("sessions", Json.obj("s1", key(false, 0, 0, "a"), "s2", key(false, 0, 0, "b"))),
                "!other:x", Json.obj("sessions", Json.obj("s3", key(false, 0, 0, "c"))),
                "!third:x", Json.obj("sessions", Json.obj("s4", key(false, 0, 0, "d")))));
        assertEquals(Json.of(3), client.deleteSessionKey(v, ROOM, "s1").get("count"));
        assertEquals(Json.of(2), client.deleteRoomKeys(v, ROOM).get("count"));
        assertEquals(Json.of(0), client.deleteKeys(v).get("count"));
        assertNull(server.storedKey(v, "!other:x", "s3"));
    }

    @Test
    void streamKeys_severalRooms_visitsEverySession() throws Exception {
        String v = client.createVersion(ALGORITHM, authData("k"));
        client.putKeys(v, Json.obj(
                ROOM, Json.obj("sessions", Json.obj(SESSION, key(false, 0, 0, "a"), "s2", key(false, 0, 0, "b"))),
                "!other:x", Json.obj("sessions", Json.obj("s3", key(false, 0, 0, "c")))));
        List<String> seen = new ArrayList<>();
        client.streamKeys(v, (room, session, data) -> seen.add(room + "|" + session + "|" + marker(data)));
        seen.sort(null);
        assertEquals(List.of("!other:x|s3|c", ROOM + "|" + SESSION + "|a", ROOM + "|s2|b"), seen);
    }

    @Test
    void streamKeys_largeBackupOverResponseLimit_streamsAll() throws Exception {
        // the non-streaming limit is 1 KiB here; the body is megabytes, so it must be read incrementally
        HomeserverClient small = HomeserverClient.connect(server.uri(), USER, AccessToken.of(TOKEN),
                ClientOptions.defaults().withMaxResponseBytes(1024));
        String v = small.createVersion(ALGORITHM, authData("k"));
        int rooms = 20;
        int perRoom = 1000;
        for (int r = 0; r < rooms; r++) {
            for (int s = 0; s < perRoom; s++) server.insertKey(v, "!r" + r + ":x", "sess/" + s + "+", key(false, s, 0, "m" + s));
        }
        long[] total = {0, 0};
        small.streamKeys(v, (room, session, data) -> {
            total[0]++;
            total[1] += ((Json.Int) data.get("first_message_index")).value();
        });
        assertEquals(rooms * perRoom, total[0]);
        assertEquals(rooms * (perRoom * (perRoom - 1L) / 2), total[1]);
        assertThrows(StoreException.class, () -> small.getRoomKeys(v, "!r0:x")); // the limit does apply elsewhere
    }

    @Test
    void accountData_putThenGet_roundTrips() throws Exception {
        client.putAccountData("m.key_backup.signing", Json.obj("encrypted", Json.obj("k", Json.of("v"))));
        assertEquals(Json.obj("encrypted", Json.obj("k", Json.of("v"))), client.getAccountData("m.key_backup.signing").orElseThrow());
        assertEquals(Json.obj("encrypted", Json.obj("k", Json.of("v"))), server.storedAccountData("m.key_backup.signing"));
        assertTrue(server.requests().get(0).startsWith("PUT /_matrix/client/v3/user/%40alice%3Aexample.org/account_data/m.key_backup.signing"));
    }

    @Test
    void getAccountData_absentOrEmptyObject_isEmpty() throws Exception {
        assertEquals(Optional.empty(), client.getAccountData("m.secret_storage.default_key"));
        client.putAccountData("m.secret_storage.default_key", Json.obj());
        assertEquals(Optional.empty(), client.getAccountData("m.secret_storage.default_key"));
    }

    @Test
    void queryOwnKeys_identitySet_returnsFullResponse() throws Exception {
        Json.Obj identity = Json.obj("device_keys", Json.obj(USER, Json.obj("DEV", Json.obj("device_id", Json.of("DEV")))),
                "master_keys", Json.obj(USER, Json.obj("usage", Json.arr(List.of(Json.of("master"))))));
        server.setIdentity(identity);
        assertEquals(identity, client.queryOwnKeys());
    }

    @Test
    void anyRequest_wrongToken_throwsUnknownToken() throws Exception {
        HomeserverClient wrong = HomeserverClient.connect(server.uri(), USER, AccessToken.of("other_token"));
        MatrixException e = assertThrows(MatrixException.class, wrong::currentVersion);
        assertEquals(401, e.status());
        assertEquals("M_UNKNOWN_TOKEN", e.errcode());
        assertFalse(e.getMessage().contains("other_token"));
    }

    @Test
    void testServer_noAuthorizationHeader_missingToken() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(server.uri().resolve("/_matrix/client/v3/room_keys/version")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("M_MISSING_TOKEN"), r.body());
    }
}
