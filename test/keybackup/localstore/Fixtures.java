package keybackup.localstore;

import keybackup.json.Json;

/** Shared test data of the local store tests: KeyBackupData values and ids with awkward characters. */
final class Fixtures {
    private Fixtures() {}

    static final String USER = "@alice:example.org";
    static final String ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
    static final String ROOM = "!room:example.org";
    /** Standard base64 with '/' and '+', as Megolm session ids are. */
    static final String SESSION = "ab/cd+ef/GH+ij";

    static Json.Obj authData(String publicKey) {
        return Json.obj("public_key", Json.of(publicKey));
    }

    static Json.Obj key(boolean verified, long firstIndex, long forwarded, String marker) {
        return Json.obj("first_message_index", Json.of(firstIndex), "forwarded_count", Json.of(forwarded),
                "is_verified", Json.of(verified), "session_data", Json.obj("ciphertext", Json.of(marker)));
    }

    static String marker(Json.Obj key) {
        return key.object("session_data").string("ciphertext");
    }
}
