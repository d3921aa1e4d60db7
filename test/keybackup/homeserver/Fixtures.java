package keybackup.homeserver;

import keybackup.backup.KeyBackupData;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;

/** Shared test data: KeyBackupData values and ids with awkward characters. */
final class Fixtures {
    private Fixtures() {}

    static final String USER = "@alice:example.org";
    static final String TOKEN = "syt_YWxpY2U_secretTokenValue_0123";
    static final String ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
    static final String ROOM = "!room:example.org";
    /** Standard base64 with '/' and '+', as Megolm session ids are. */
    static final String SESSION = "ab/cd+ef/GH+ij";

    static Json.Obj authData(String publicKey) {
        return Json.obj("public_key", Json.of(publicKey));
    }

    static Json.Obj key(boolean verified, long firstIndex, long forwarded, String marker) {
        return new KeyBackupData(firstIndex, forwarded, verified, Json.obj("ciphertext", Json.of(marker))).toJson();
    }

    static String marker(Json.Obj key) {
        return key.object("session_data").string("ciphertext");
    }

    /** The request line of {@code GET /room_keys/keys} for version "1", as {@link TestHomeserver#requests()} lists it. */
    static final String KEYS_OF_VERSION_1 = "GET /_matrix/client/v3/room_keys/keys?version=1";

    /** Creates version "1" holding three sessions s1..s3 (markers a..c) in ROOM; returns the exact body of its key download. */
    static byte[] threeKeys(HomeserverClient client) throws StoreException {
        if (!"1".equals(client.createVersion(ALGORITHM, authData("k")))) throw new IllegalStateException("expected version 1");
        Json.Obj sessions = Json.obj("s1", key(false, 0, 0, "a"), "s2", key(false, 0, 0, "b"), "s3", key(false, 0, 0, "c"));
        client.putRoomKeys("1", ROOM, sessions);
        return CanonicalJson.encode(Json.obj("rooms", Json.obj(ROOM, Json.obj("sessions", sessions))));
    }

    /** How many key downloads of version "1" the server has seen. */
    static long keyRequests(TestHomeserver server) {
        return server.requests().stream().filter(KEYS_OF_VERSION_1::equals).count();
    }
}
