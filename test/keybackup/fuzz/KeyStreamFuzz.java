package keybackup.fuzz;

import java.io.ByteArrayInputStream;
import keybackup.homeserver.KeyStream;
import keybackup.homeserver.StoreException;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Fuzz target: {@link KeyStream#readRooms} over a {@code GET /room_keys/keys} body throws only
 * {@link JsonException} (and {@link StoreException} when its visitor does, which this one never does).
 */
public final class KeyStreamFuzz {
    private KeyStreamFuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        try (JsonReader reader = new JsonReader(new ByteArrayInputStream(data), JsonReader.DEFAULT_MAX_BYTES)) {
            KeyStream.readRooms(reader, (room, session, keyBackupData) -> {
                if (room == null || session == null || keyBackupData == null) {
                    throw new AssertionError("null handed to the visitor");
                }
            });
        } catch (JsonException e) {
            // documented
        } catch (StoreException e) {
            throw new AssertionError("the visitor threw nothing, yet: " + e.getMessage(), e);
        }
    }
}
