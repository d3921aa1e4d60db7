package keybackup.homeserver;

import static keybackup.BackupFixtures.ALGORITHM;
import static keybackup.BackupFixtures.ROOM;
import static keybackup.BackupFixtures.authData;
import static keybackup.BackupFixtures.key;

import keybackup.json.CanonicalJson;
import keybackup.json.Json;

/**
 * Test data of the homeserver client tests: an access token and a backup of three keys with the request
 * that downloads it; the data shared with the local store tests is in {@code keybackup.BackupFixtures}.
 */
final class Fixtures {
    private Fixtures() {}

    static final String TOKEN = "syt_YWxpY2U_secretTokenValue_0123";

    /** The request line of {@code GET /room_keys/keys} for version "1", as {@link TestHomeserver#requests()} lists. */
    static final String KEYS_OF_VERSION_1 = "GET /_matrix/client/v3/room_keys/keys?version=1";

    /**
     * Creates version "1" holding three sessions s1..s3 (markers a..c) in ROOM; returns the exact body of its
     * key download.
     */
    static byte[] threeKeys(HomeserverClient client) throws StoreException {
        if (!"1".equals(client.createVersion(ALGORITHM, authData("k")))) {
            throw new IllegalStateException("expected version 1");
        }
        Json.Obj sessions = Json.obj("s1", key(false, 0, 0, "a"), "s2", key(false, 0, 0, "b"),
                "s3", key(false, 0, 0, "c"));
        client.putRoomKeys("1", ROOM, sessions);
        return CanonicalJson.encode(Json.obj("rooms", Json.obj(ROOM, Json.obj("sessions", sessions))));
    }

    /** How many key downloads of version "1" the server has seen. */
    static long keyRequests(TestHomeserver server) {
        return server.requests().stream().filter(KEYS_OF_VERSION_1::equals).count();
    }
}
