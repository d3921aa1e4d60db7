package keybackup.backup;

import java.util.Objects;
import keybackup.json.Json;
import keybackup.keys.KeyFormatException;

/**
 * One element of the JSON key-export format (spec "Key export format", {@code ExportedSessionData};
 * protocol.md §6.3): a SessionData plus the {@code room_id} and {@code session_id} it belongs to. The
 * session ID is not trusted: it must equal the one computed from {@code session_key}, checked both
 * when parsing and in the constructor.
 *
 * <p>A restore's output also records each entry's verdict in {@value #VERDICT_MEMBER}. That member is
 * read into {@link #recordedVerdict()} and kept out of {@link #data()}, so it is never uploaded as part
 * of the session. It is a claim written in a file, not evidence: anyone who can write the file can
 * change it, so it may only ever lower an entry's status ({@code keybackup.trust.KeySource#forEntry}),
 * never raise it.
 *
 * @param roomId the room the session belongs to, as the file says
 * @param sessionId the session ID, equal to the one computed from {@code session_key}
 * @param data the SessionData without {@code room_id}, {@code session_id} and {@value #VERDICT_MEMBER}
 * @param recordedVerdict the verdict word recorded in the file ({@code "authenticated"},
 *        {@code "unauthenticated"}, …, any string), or null when the entry carries no verdict
 */
public record ExportedSession(String roomId, String sessionId, SessionData data, String recordedVerdict) {
    /** The member a restore writes on each entry: {@code {"verdict": WORD, "reason": REASON or null}}. */
    public static final String VERDICT_MEMBER = "keybackup.verdict";
    /** In the verdict member: false when the trust behind an authenticated verdict rests on the server's word. */
    public static final String KEY_COMPARED = "key_compared";
    static final String ROOM_ID = "room_id";
    static final String SESSION_ID = "session_id";

    /**
     * Checks that {@code sessionId} is the session's real ID.
     *
     * @param roomId the room ID
     * @param sessionId the session ID, which must equal {@code data.sessionId()} exactly
     * @param data the session, without {@code room_id}, {@code session_id} and {@value #VERDICT_MEMBER}
     * @param recordedVerdict the recorded verdict word, or null for none
     * @throws NullPointerException if {@code roomId}, {@code sessionId} or {@code data} is null
     * @throws IllegalArgumentException if {@code sessionId} is not the one computed from {@code session_key}
     */
    public ExportedSession {
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(data, "data");
        if (!data.matchesSessionId(sessionId)) throw new IllegalArgumentException("session_id: does not match the session_key");
    }

    /**
     * Makes an entry without a recorded verdict (a plain key export).
     *
     * @param roomId the room ID
     * @param sessionId the session ID, which must equal {@code data.sessionId()} exactly
     * @param data the session
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code sessionId} is not the one computed from {@code session_key}
     */
    public ExportedSession(String roomId, String sessionId, SessionData data) {
        this(roomId, sessionId, data, null);
    }

    /**
     * Parses and checks one export entry; {@code room_id}, {@code session_id} and {@value #VERDICT_MEMBER}
     * are stripped from {@link #data()}. A verdict member that is not an object with a string
     * {@code verdict} (and a string or null {@code reason}, if any) is an error: a file that was damaged
     * or edited by hand is reported rather than guessed at. An unknown verdict word is accepted; it
     * counts as not authenticated.
     *
     * @param entry one element of a key export's array, as read
     * @return the checked entry
     * @throws KeyFormatException if {@code room_id} or {@code session_id} is missing or not a string, the rest
     *     is not a valid {@link SessionData}, {@code session_id} is not the session's own, or the verdict
     *     member is malformed (the only exception for any object)
     */
    public static ExportedSession from(Json.Obj entry) throws KeyFormatException {
        String roomId = SessionData.requireString(entry, ROOM_ID);
        String sessionId = SessionData.requireString(entry, SESSION_ID);
        String verdict = entry.has(VERDICT_MEMBER) ? verdictWord(entry.get(VERDICT_MEMBER)) : null;
        SessionData data = SessionData.from(entry.without(ROOM_ID).without(SESSION_ID).without(VERDICT_MEMBER));
        if (!data.matchesSessionId(sessionId)) {
            throw new KeyFormatException("session_id: does not match the session_key (expected " + data.sessionId() + ")");
        }
        return new ExportedSession(roomId, sessionId, data, verdict);
    }

    private static String verdictWord(Json member) throws KeyFormatException {
        if (!(member instanceof Json.Obj o) || !(o.get("verdict") instanceof Json.Str)) {
            throw new KeyFormatException(VERDICT_MEMBER + ": expected an object with a string \"verdict\"");
        }
        Json reason = o.get("reason");
        if (reason != null && !(reason instanceof Json.Str) && !(reason instanceof Json.Null)) {
            throw new KeyFormatException(VERDICT_MEMBER + ".reason: expected a string or null");
        }
        return recordedWord(o);
    }

    /**
     * The word a recorded verdict member stands for, or null when it is not an object with a string
     * {@code verdict}. A restore records {@code "key_compared": false} beside an {@code authenticated}
     * verdict that rests only on a device key taken as the server publishes it; such an entry stands for
     * the word {@code "authenticated (key not compared)"}, which, like every word but
     * {@code authenticated}, keeps nothing authenticated on upload. The one reading of this member:
     * the signer uses it too.
     *
     * @param member the value of {@value #VERDICT_MEMBER}, or null when there is none
     * @return the verdict word, with " (key not compared)" appended when {@value #KEY_COMPARED} is present and
     *     not {@code true}; null when {@code member} is not an object with a string {@code verdict}
     */
    public static String recordedWord(Json member) {
        if (!(member instanceof Json.Obj o) || !(o.get("verdict") instanceof Json.Str word)) return null;
        Json compared = o.get(KEY_COMPARED);
        if (compared != null && !Json.Bool.TRUE.equals(compared)) return word.value() + " (key not compared)";
        return word.value();
    }

    /**
     * The export entry: the SessionData with {@code room_id} and {@code session_id} added, and the
     * recorded verdict word (without its reason) if there is one.
     *
     * @return the object to write as one element of a key export
     */
    public Json.Obj toExportJson() {
        Json.Obj o = data.json().with(ROOM_ID, Json.of(roomId)).with(SESSION_ID, Json.of(sessionId));
        return recordedVerdict == null ? o : o.with(VERDICT_MEMBER, Json.obj("verdict", Json.of(recordedVerdict)));
    }

    @Override
    public String toString() {
        return "ExportedSession[room_id=" + roomId + ", " + data + (recordedVerdict == null ? "" : ", recorded verdict " + recordedVerdict) + "]";
    }
}
