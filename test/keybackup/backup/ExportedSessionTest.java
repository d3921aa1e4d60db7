package keybackup.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.KeyFormatException;
import org.junit.jupiter.api.Test;

/** The recorded verdict of a restore's output: read, kept out of the SessionData, malformed ones refused. */
class ExportedSessionTest {
    private static Json.Obj entry() throws Exception {
        return (Json.Obj) JsonReader.parse(MegolmBackupV1Test.JS_PLAINTEXT);
    }

    @Test
    void from_verdictMember_recordedAndNotInTheSessionData() throws Exception {
        Json.Obj withVerdict = entry().with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("unauthenticated"), "reason", Json.of("signature_missing")));

        ExportedSession e = ExportedSession.from(withVerdict);

        assertEquals("unauthenticated", e.recordedVerdict());
        assertFalse(e.data().json().has(ExportedSession.VERDICT_MEMBER),
                "the verdict would be uploaded inside the session");
        assertEquals(ExportedSession.from(entry()).data(), e.data());
        assertEquals(e, ExportedSession.from(e.toExportJson()));
    }

    @Test
    void from_noVerdictMember_recordedNull() throws Exception {
        assertNull(ExportedSession.from(entry()).recordedVerdict());
        assertEquals("someword", ExportedSession.from(entry().with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("someword"), "reason", Json.Null.INSTANCE))).recordedVerdict());
    }

    @Test
    void from_malformedVerdictMember_typedErrorNamingTheMember() throws Exception {
        for (Json bad : List.of(Json.of("authenticated"), Json.Null.INSTANCE, Json.obj(),
                Json.obj("verdict", Json.of(true)),
                Json.arr(List.of(Json.of("authenticated"))))) {
            KeyFormatException x = assertThrows(KeyFormatException.class,
                    () -> ExportedSession.from(entry().with(ExportedSession.VERDICT_MEMBER, bad)));
            assertEquals("keybackup.verdict: expected an object with a string \"verdict\"", x.getMessage());
        }
        KeyFormatException x = assertThrows(KeyFormatException.class,
                () -> ExportedSession.from(entry().with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("authenticated"), "reason", Json.of(3)))));
        assertEquals("keybackup.verdict.reason: expected a string or null", x.getMessage());
    }
}
