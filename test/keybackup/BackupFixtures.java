package keybackup;

import keybackup.json.Json;

/**
 * Test data shared by the store tests (local store and homeserver client): a user, the backup algorithm,
 * KeyBackupData values built field by field (not by the code under test), and ids with awkward characters.
 */
public final class BackupFixtures {
    private BackupFixtures() {}

    public static final String USER = "@alice:example.org";
    public static final String ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
    public static final String ROOM = "!room:example.org";
    /** Standard base64 with '/' and '+', as Megolm session ids are. */
    public static final String SESSION = "ab/cd+ef/GH+ij";

    /** An AuthData holding only a public key. */
    public static Json.Obj authData(String publicKey) {
        return Json.obj("public_key", Json.of(publicKey));
    }

    /** A KeyBackupData whose {@code session_data} holds {@code marker}, to tell copies apart. */
    public static Json.Obj key(boolean verified, long firstIndex, long forwarded, String marker) {
        return Json.obj("first_message_index", Json.of(firstIndex), "forwarded_count", Json.of(forwarded),
                "is_verified", Json.of(verified), "session_data", Json.obj("ciphertext", Json.of(marker)));
    }

    /** The marker of a key made by {@link #key}. */
    public static String marker(Json.Obj key) {
        return key.object("session_data").string("ciphertext");
    }
}
