package keybackup.fuzz;

import keybackup.backup.AuthData;
import keybackup.backup.ExportedSession;
import keybackup.backup.KeyBackupData;
import keybackup.backup.SessionData;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;
import keybackup.keys.KeyFormatException;

/**
 * Fuzz target: on any JSON object, {@link SessionData#from}, {@link ExportedSession#from} and
 * {@link KeyBackupData#from} throw only {@link KeyFormatException}, and {@link AuthData#of} with its
 * readers throws nothing.
 */
public final class SessionDataFuzz {
    private SessionDataFuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        Json.Obj o;
        try {
            o = JsonReader.parseObject(data);
        } catch (JsonException e) {
            return; // documented
        }
        try {
            SessionData s = SessionData.from(o);
            s.matchesSessionId(s.sessionId());
            s.toString();
        } catch (KeyFormatException e) {
            // documented
        }
        try {
            ExportedSession.from(o).toExportJson();
        } catch (KeyFormatException e) {
            // documented
        }
        try {
            KeyBackupData.from(o).toJson();
        } catch (KeyFormatException e) {
            // documented
        }
        AuthData ad = AuthData.of(o);
        ad.signingKey();
        ad.publicKey();
    }
}
