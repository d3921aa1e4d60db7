package keybackup.backup;

import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Walks a {@code GET /room_keys/keys} body, {@code {"rooms": {room: {"sessions": {session: KeyBackupData}}}}},
 * one session at a time, so a backup of a million keys never has to be held in memory. Unknown members
 * are read (and validated) but skipped. Every non-object where an object belongs is an error.
 */
public final class RoomKeysReader {
    private RoomKeysReader() {}

    /** Receives each session in document order. */
    @FunctionalInterface
    public interface Visitor<E extends Exception> {
        void visit(String roomId, String sessionId, Json.Obj keyBackupData) throws E;
    }

    /** Reads the whole body from {@code reader} and requires that nothing follows it. */
    public static <E extends Exception> void walk(JsonReader reader, Visitor<E> visitor) throws JsonException, E {
        reader.beginObject();
        for (String top = reader.nextKey(); top != null; top = reader.nextKey()) {
            if (!top.equals("rooms")) {
                reader.skipValue();
                continue;
            }
            reader.beginObject();
            for (String roomId = reader.nextKey(); roomId != null; roomId = reader.nextKey()) {
                reader.beginObject();
                for (String member = reader.nextKey(); member != null; member = reader.nextKey()) {
                    if (!member.equals("sessions")) {
                        reader.skipValue();
                        continue;
                    }
                    reader.beginObject();
                    for (String sessionId = reader.nextKey(); sessionId != null; sessionId = reader.nextKey()) {
                        long at = reader.offset();
                        if (!(reader.readValue() instanceof Json.Obj data)) {
                            throw new JsonException("rooms." + roomId + ".sessions." + sessionId + ": not an object", at);
                        }
                        visitor.visit(roomId, sessionId, data);
                    }
                }
            }
        }
        reader.expectEnd();
    }
}
