package keybackup.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.KeyFormatException;
import org.junit.jupiter.api.Test;

/** SessionData, SessionExport, ExportedSession and KeyBackupData validation (protocol.md §6.3, §10.7 step 2). */
class SessionDataTest {
    private final List<Json.Obj> cases = Vectors.list(Vectors.backup(), "cases");

    private Json.Obj plaintext(int i) {
        return cases.get(i).object("session_data");
    }

    private static String message(Json.Obj o) {
        return assertThrows(KeyFormatException.class, () -> SessionData.from(o)).getMessage();
    }

    @Test
    void from_vectorCase_accessorsAndUnknownFieldsKept() throws Exception {
        Json.Obj c = cases.get(0);
        SessionData sd = SessionData.from(c.object("session_data"));
        assertEquals(c.object("session_data"), sd.json());
        assertTrue(sd.json().has("signatures") && sd.json().has("org.matrix.mscxxxx.authenticated"));
        assertEquals(c.object("session_data").string("sender_key"), sd.senderKey());
        assertEquals(c.object("session_data").string("session_key"), sd.sessionKey());
        assertEquals(c.string("session_id"), sd.sessionId());
        assertEquals(List.of(), sd.forwardingChain());
        assertEquals(Map.of("ed25519", c.object("session_data").object("sender_claimed_keys").string("ed25519")), sd.senderClaimedKeys());
        assertEquals(c.object("key_backup_data").get("first_message_index"), Json.of(sd.export().firstIndex()));
        assertFalse(sd.toString().contains(sd.sessionKey()), "toString must not show session_key");
    }

    @Test
    void from_forwardedCase_hasChain() throws Exception {
        boolean seen = false;
        for (Json.Obj c : cases) {
            if (!c.string("session_data_kind").contains("forwarded once")) continue;
            assertEquals(1, SessionData.from(c.object("session_data")).forwardingChain().size(), c.string("id"));
            seen = true;
        }
        assertTrue(seen);
    }

    @Test
    void matchesSessionId_validEntryMovedUnderAnotherId_isFalse() throws Exception {
        SessionData a = SessionData.from(plaintext(0));
        String otherId = cases.get(1).string("session_id");
        assertNotEquals(otherId, a.sessionId());
        assertFalse(a.matchesSessionId(otherId));
        assertTrue(a.matchesSessionId(cases.get(0).string("session_id")));
        assertFalse(a.matchesSessionId(cases.get(0).string("session_id") + "=")); // exact string, not decoded
    }

    @Test
    void from_invalidFields_rejectedNamingTheField() {
        Json.Obj p = plaintext(0);
        assertEquals("algorithm: missing", message(p.without("algorithm")));
        assertEquals("algorithm: expected m.megolm.v1.aes-sha2", message(p.with("algorithm", Json.of("m.megolm.v2.aes-sha2"))));
        assertEquals("algorithm: expected a string", message(p.with("algorithm", Json.of(1))));
        assertEquals("sender_key: missing", message(p.without("sender_key")));
        assertEquals("sender_key: expected 32 bytes, got 31", message(p.with("sender_key", Json.of(Base64Unpadded.encode(new byte[31])))));
        assertEquals("session_key: missing", message(p.without("session_key")));
        assertEquals("forwarding_curve25519_key_chain: expected an array", message(p.with("forwarding_curve25519_key_chain", Json.of("x"))));
        assertEquals("forwarding_curve25519_key_chain: expected an array of strings",
                message(p.with("forwarding_curve25519_key_chain", Json.arr(List.of(Json.of(1))))));
        assertEquals("sender_claimed_keys: expected an object", message(p.with("sender_claimed_keys", Json.arr(List.of()))));
        assertEquals("sender_claimed_keys.ed25519: expected a string", message(p.with("sender_claimed_keys", Json.obj("ed25519", Json.of(true)))));
    }

    @Test
    void sessionExport_versionAndLength() throws Exception {
        byte[] raw = Base64Unpadded.decode("session_key", plaintext(0).string("session_key"));
        assertEquals(165, raw.length);
        raw[0] = 0x02;
        String v2 = Base64Unpadded.encode(raw);
        assertEquals("session_key: unsupported session export version 2 (expected 1)",
                assertThrows(KeyFormatException.class, () -> SessionExport.parse(v2)).getMessage());
        raw[0] = 0x01;
        String shortKey = Base64Unpadded.encode(Arrays.copyOf(raw, 164));
        assertEquals("session_key: expected 165 bytes, got 164", assertThrows(KeyFormatException.class, () -> SessionExport.parse(shortKey)).getMessage());
        String longKey = Base64Unpadded.encode(Arrays.copyOf(raw, 229));
        assertThrows(KeyFormatException.class, () -> SessionExport.parse(longKey));
        assertThrows(KeyFormatException.class, () -> SessionExport.parse(""));
        assertThrows(KeyFormatException.class, () -> SessionData.from(plaintext(0).with("session_key", Json.of(v2))));
    }

    @Test
    void sessionExport_firstIndexBigEndianUnsigned_sessionIdFromKpub() throws Exception {
        byte[] raw = new byte[165];
        raw[0] = 1;
        raw[1] = (byte) 0xff; raw[2] = (byte) 0xfe; raw[3] = 0x00; raw[4] = 0x01;
        for (int i = 133; i < 165; i++) raw[i] = (byte) i;
        SessionExport e = SessionExport.parse(Base64Unpadded.encode(raw));
        assertEquals(0xfffe0001L, e.firstIndex());
        assertEquals(Base64Unpadded.encode(Arrays.copyOfRange(raw, 133, 165)), e.sessionId());
        // protocol.md §13.5 plaintext: session_key at index 0, session_id given beside it.
        Json.Obj js = (Json.Obj) JsonReader.parse(MegolmBackupV1Test.JS_PLAINTEXT);
        SessionExport jsExport = SessionExport.parse(js.string("session_key"));
        assertEquals(0, jsExport.firstIndex());
        assertEquals(js.string("session_id"), jsExport.sessionId());
    }

    @Test
    void exportedSession_roundTripAndIdCheck() throws Exception {
        Json.Obj js = (Json.Obj) JsonReader.parse(MegolmBackupV1Test.JS_PLAINTEXT);
        ExportedSession e = ExportedSession.from(js);
        assertEquals("!room:id", e.roomId());
        assertEquals("ipdI6Zs/7DzFTEhiA2iGaMDfHkIYCleqXT6L+5e1/co", e.sessionId());
        assertFalse(e.data().json().has("room_id") || e.data().json().has("session_id"));
        assertTrue(e.data().json().has("m.shared_history"));
        assertEquals(js, e.toExportJson());
        assertEquals(e.data(), SessionData.fromExportEntry(js));

        Json.Obj moved = js.with("session_id", Json.of(cases.get(0).string("session_id")));
        KeyFormatException x = assertThrows(KeyFormatException.class, () -> ExportedSession.from(moved));
        assertTrue(x.getMessage().startsWith("session_id: does not match the session_key"), x.getMessage());
        assertThrows(KeyFormatException.class, () -> SessionData.fromExportEntry(moved));
        assertEquals("room_id: missing", assertThrows(KeyFormatException.class, () -> ExportedSession.from(js.without("room_id"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ExportedSession("!r:x", "wrong", e.data()));
    }

    @Test
    void keyBackupData_strictTypes() throws Exception {
        Json.Obj kbd = cases.get(0).object("key_backup_data");
        KeyBackupData d = KeyBackupData.from(kbd);
        assertEquals(kbd, d.toJson());
        assertEquals("first_message_index: expected an integer", assertThrows(KeyFormatException.class,
                () -> KeyBackupData.from(kbd.with("first_message_index", Json.of("0")))).getMessage());
        assertEquals("forwarded_count: must not be negative", assertThrows(KeyFormatException.class,
                () -> KeyBackupData.from(kbd.with("forwarded_count", Json.of(-1)))).getMessage());
        assertEquals("is_verified: expected a boolean", assertThrows(KeyFormatException.class,
                () -> KeyBackupData.from(kbd.with("is_verified", Json.of(1)))).getMessage());
        assertEquals("session_data: missing", assertThrows(KeyFormatException.class,
                () -> KeyBackupData.from(kbd.without("session_data"))).getMessage());
        assertEquals("first_message_index: missing", assertThrows(KeyFormatException.class,
                () -> KeyBackupData.from(kbd.without("first_message_index"))).getMessage());
    }
}
