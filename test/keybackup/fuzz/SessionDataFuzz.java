package keybackup.fuzz;

import keybackup.backup.AuthData;
import keybackup.backup.ExportedSession;
import keybackup.backup.KeyBackupData;
import keybackup.backup.SessionData;
import keybackup.json.Json;
import keybackup.keys.KeyFormatException;

/**
 * Fuzz target: on any JSON object, {@link SessionData#from}, {@link ExportedSession#from} and
 * {@link KeyBackupData#from} throw only {@link KeyFormatException}, and {@link AuthData#of} with its
 * readers throws nothing.
 */
public final class SessionDataFuzz {
    private SessionDataFuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        Json.Obj o = Documented.object(data);
        if (o == null) return;
        Documented.allow(KeyFormatException.class, () -> {
            SessionData s = SessionData.from(o);
            s.matchesSessionId(s.sessionId());
            s.toString();
        });
        Documented.allow(KeyFormatException.class, () -> ExportedSession.from(o).toExportJson());
        Documented.allow(KeyFormatException.class, () -> KeyBackupData.from(o).toJson());
        AuthData ad = AuthData.of(o);
        ad.signingKey();
        ad.publicKey();
    }
}
