package keybackup.backup;

import java.util.Objects;
import keybackup.json.Json;
import keybackup.keys.KeyFormatException;

/**
 * One element of the JSON key-export format (spec "Key export format", {@code ExportedSessionData};
 * digest 04 §3): a SessionData plus the {@code room_id} and {@code session_id} it belongs to. The
 * session ID is not trusted: it must equal the one computed from {@code session_key}, checked both
 * when parsing and in the constructor.
 *
 * @param data the SessionData without {@code room_id} and {@code session_id}
 */
public record ExportedSession(String roomId, String sessionId, SessionData data) {
    static final String ROOM_ID = "room_id";
    static final String SESSION_ID = "session_id";

    public ExportedSession {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(data, "data");
        if (!data.matchesSessionId(sessionId)) throw new IllegalArgumentException("session_id: does not match the session_key");
    }

    /** Parses and checks one export entry; {@code room_id} and {@code session_id} are stripped from {@link #data()}. */
    public static ExportedSession from(Json.Obj entry) throws KeyFormatException {
        String roomId = SessionData.requireString(entry, ROOM_ID);
        String sessionId = SessionData.requireString(entry, SESSION_ID);
        SessionData data = SessionData.from(entry.without(ROOM_ID).without(SESSION_ID));
        if (!data.matchesSessionId(sessionId)) {
            throw new KeyFormatException("session_id: does not match the session_key (expected " + data.sessionId() + ")");
        }
        return new ExportedSession(roomId, sessionId, data);
    }

    /** The export entry: the SessionData with {@code room_id} and {@code session_id} added. */
    public Json.Obj toExportJson() {
        return data.json().with(ROOM_ID, Json.of(roomId)).with(SESSION_ID, Json.of(sessionId));
    }

    @Override
    public String toString() {
        return "ExportedSession[room_id=" + roomId + ", " + data + "]";
    }
}
