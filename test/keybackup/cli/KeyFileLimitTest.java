package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import keybackup.keys.BackupDecryptionKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key files read by the CLI are capped at 4 KiB before they are parsed (issue 11: every key file took 16 MiB). */
class KeyFileLimitTest {
    @TempDir
    Path tmp;

    @Test
    void decryptSession_keyFileOver4KiB_exit1BeforeParsing() throws Exception {
        Path file = tmp.resolve("key");
        try (BackupDecryptionKey k = BackupDecryptionKey.generate()) {
            // a valid key, then whitespace past the cap: accepted before, refused by size now
            Files.writeString(file, k.toRecoveryKey() + "\n" + " ".repeat(UserFiles.MAX_KEY_FILE));
        }
        CliRun.Result r = CliRun.run("{}", "decrypt-session", "--key-file", file.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("keybackup: error: --key-file: file is over 4096 bytes; a key file holds one key\n", r.err());
    }

    @Test
    void decryptSession_keyFileUnder4KiB_readAndParsed() throws Exception {
        Path file = tmp.resolve("key");
        try (BackupDecryptionKey k = BackupDecryptionKey.generate()) {
            Files.writeString(file, k.toRecoveryKey() + "\n" + " ".repeat(UserFiles.MAX_KEY_FILE / 2));
        }
        CliRun.Result r = CliRun.run("{}", "decrypt-session", "--key-file", file.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("decryption failed: ephemeral: missing"), r.err()); // the key was accepted
    }
}
