package keybackup.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.KeyFormatException;
import keybackup.keys.RecoveryKey;

/**
 * Fuzz target: {@link RecoveryKey#decode} and {@link BackupDecryptionKey#fromKeyFileText} throw only
 * {@link KeyFormatException}, in time linear in the input (libFuzzer's {@code -timeout} catches slow ones,
 * also on the input repeated to 256 KiB);
 * a decoded key encodes to a recovery key that decodes to the same key.
 */
public final class RecoveryKeyFuzz {
    private RecoveryKeyFuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Documented.allow(KeyFormatException.class, () -> {
            byte[] key = RecoveryKey.decode(text);
            if (!Arrays.equals(RecoveryKey.decode(RecoveryKey.encode(key)), key)) {
                throw new AssertionError("encode then decode changed the key");
            }
        });
        readKeyFile(text);
        // Bounded time: the same text repeated to 256 KiB, larger than libFuzzer makes inputs, must be refused
        // as quickly (the quadratic base58 decoding of issue 11 took 14 s on this; -timeout catches that)
        if (!text.isEmpty()) {
            String big = text.repeat(Math.max(1, AMPLIFIED / text.length()));
            Documented.allow(KeyFormatException.class, () -> RecoveryKey.decode(big));
            readKeyFile(big);
        }
    }

    private static void readKeyFile(String text) {
        Documented.allow(KeyFormatException.class, () -> {
            try (BackupDecryptionKey k = BackupDecryptionKey.fromKeyFileText(text)) {
                k.publicKey();
            }
        });
    }

    private static final int AMPLIFIED = 256 * 1024;
}
