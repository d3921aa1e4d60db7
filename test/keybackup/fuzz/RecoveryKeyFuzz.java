package keybackup.fuzz;

import java.nio.charset.StandardCharsets;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.KeyFormatException;
import keybackup.keys.RecoveryKey;

/**
 * Fuzz target: {@link RecoveryKey#decode} and {@link BackupDecryptionKey#fromKeyFileText} throw only
 * {@link KeyFormatException}, in time linear in the input (libFuzzer's {@code -timeout} catches slow ones);
 * a decoded key encodes to a recovery key that decodes to the same key.
 */
public final class RecoveryKeyFuzz {
    private RecoveryKeyFuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            byte[] key = RecoveryKey.decode(text);
            if (!java.util.Arrays.equals(RecoveryKey.decode(RecoveryKey.encode(key)), key)) {
                throw new AssertionError("encode then decode changed the key");
            }
        } catch (KeyFormatException e) {
            // documented
        }
        try (BackupDecryptionKey k = BackupDecryptionKey.fromKeyFileText(text)) {
            k.publicKey();
        } catch (KeyFormatException e) {
            // documented
        }
    }
}
