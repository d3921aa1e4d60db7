package keybackup.fuzz;

import keybackup.backup.DecryptionException;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.KeyFormatException;
import keybackup.keys.RecoveryKey;

/**
 * Fuzz target: {@link MegolmBackupV1#decrypt} throws only {@link DecryptionException} for any
 * {@code session_data} object, and its plaintext goes through {@link SessionData#from} with only
 * {@link KeyFormatException}. The key is the one of the spec's example recovery key, so the saved corpus
 * can hold real ciphertexts for it (test/vectors/backup).
 */
public final class DecryptFuzz {
    private DecryptFuzz() {}

    /** The recovery key of backup-key-1 in test/vectors/backup/backup-encryption.json. */
    static final String RECOVERY_KEY = "EsT5 wQ3B RByQ haZb VNhS cNgm ujwJ PaNc B8FS UWLP 6Tkn piBP";
    private static final BackupDecryptionKey KEY = key();

    public static void fuzzerTestOneInput(byte[] data) {
        Json.Obj o = Documented.object(data);
        if (o == null) return;
        Documented.allow(DecryptionException.class, () -> {
            var plaintext = MegolmBackupV1.decrypt(o, KEY).plaintext();
            Documented.allow(KeyFormatException.class, () -> SessionData.from(plaintext));
        });
    }

    private static BackupDecryptionKey key() {
        try {
            return BackupDecryptionKey.fromBytes(RecoveryKey.decode(RECOVERY_KEY));
        } catch (KeyFormatException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
