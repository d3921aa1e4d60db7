package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unlocked Secret Storage owns its key: closing it closes the key, and a closed one refuses every use. */
class UnlockedSecretStorageCloseTest {
    @TempDir
    Path dir;

    @Test
    void close_closesTheKey_andLaterUseIsIllegalState() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            SecretStorageKey key = SecretStorageKey.fromBytes(f.ssKey.exportBytes());
            UnlockedSecretStorage s = UnlockedSecretStorage.unlock(f.store, key);
            try (s) {
                assertTrue(s.keyBytes(SecretStorage.CROSS_SIGNING_MASTER).isPresent());
            }
            assertThrows(IllegalStateException.class, key::exportBytes);
            assertThrows(IllegalStateException.class, () -> s.keyBytes(SecretStorage.CROSS_SIGNING_MASTER));
            assertThrows(IllegalStateException.class, s::backupSigningKey);
            assertThrows(IllegalStateException.class, () -> s.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, new byte[32]));
            assertThrows(IllegalStateException.class, () -> s.holds(SecretStorage.CROSS_SIGNING_MASTER));
            assertThrows(IllegalStateException.class, s::requireWritable);
            s.close(); // a second close is harmless
        }
    }
}
