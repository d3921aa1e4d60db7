package keybackup.homeserver;

import java.io.IOException;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Walks a {@code {"rooms": {room: {"sessions": {session: KeyBackupData}}}}} document member by member with
 * {@link JsonReader}'s streaming API, so only one KeyBackupData is held at a time (plus the reader's
 * duplicate-key sets, which keep the keys of the open objects). Unknown members are validated and skipped.
 */
public final class KeyStream {
    private KeyStream() {}

    /**
     * Largest single member accepted while streaming (a KeyBackupData, a room or session id, a skipped
     * member): a session's ciphertext is at most 1 MiB (4/3 of that in base64), so 4 MiB is ample.
     */
    public static final long MAX_VALUE_BYTES = 4L * 1024 * 1024;

    /**
     * Reads a whole bulk body ({@code GET /room_keys/keys}, or a file holding one), then requires the end of input.
     * Each KeyBackupData is handed on as read (an object, otherwise unchecked).
     *
     * @param reader positioned at the start of the document; its value limit is set to {@link #MAX_VALUE_BYTES}
     * @param visitor called once per session, in document order, with the room id, session id and the
     *     KeyBackupData object; it must validate the object itself, since the server chose every part of it
     * @throws JsonException the bytes are not JSON of this shape
     * @throws StoreException thrown by {@code visitor}
     * @throws java.io.UncheckedIOException the reader's stream failed (never for an in-memory stream)
     */
    public static void readRooms(JsonReader reader, BackupStore.KeyVisitor visitor) throws JsonException,
            StoreException {
        reader.limitValues(MAX_VALUE_BYTES);
        reader.beginObject();
        boolean sawRooms = false;
        for (String key = reader.nextKey(); key != null; key = reader.nextKey()) {
            if (!key.equals("rooms")) {
                reader.skipValue();
                continue;
            }
            sawRooms = true;
            reader.beginObject();
            for (String roomId = reader.nextKey(); roomId != null; roomId = reader.nextKey()) {
                readSessions(reader, roomId, visitor);
            }
        }
        reader.expectEnd();
        if (!sawRooms) throw new JsonException("rooms: missing", -1);
    }

    /** Reads one RoomKeyBackup object ({@code {"sessions": {...}}}) belonging to {@code roomId}. */
    static void readSessions(JsonReader reader, String roomId, BackupStore.KeyVisitor visitor) throws JsonException,
            StoreException {
        reader.beginObject();
        boolean sawSessions = false;
        for (String key = reader.nextKey(); key != null; key = reader.nextKey()) {
            if (!key.equals("sessions")) {
                reader.skipValue();
                continue;
            }
            sawSessions = true;
            readSessionMap(reader, roomId, visitor);
        }
        if (!sawSessions) throw new JsonException("rooms." + roomId + ".sessions: missing", reader.offset());
    }

    /** Reads the {@code {session: KeyBackupData}} map of {@code roomId}. */
    static void readSessionMap(JsonReader reader, String roomId, BackupStore.KeyVisitor visitor) throws JsonException,
            StoreException {
        reader.beginObject();
        for (String sessionId = reader.nextKey(); sessionId != null; sessionId = reader.nextKey()) {
            long at = reader.offset();
            if (!(reader.readValue() instanceof Json.Obj data)) {
                throw new JsonException("sessions." + sessionId + ": expected an object", at);
            }
            visitor.visit(roomId, sessionId, data);
        }
    }
}
