package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.ExportDerivations;
import keybackup.backup.FieldNames;
import keybackup.workflow.Enable;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upload --keys} walks an encrypted export twice (choose the best copies, then send them) but derives
 * its keys once: PBKDF2 at Element's 500,000 rounds is about half a second a run.
 */
@Timeout(120)
class EncryptedUploadDerivationTest {
    private static final Path RUST_SDK_EXPORT = Path.of("test/vectors/key-export/rust-sdk-key-export.txt");

    @TempDir
    Path dir;
    private WorkflowFixture f;
    private List<String> where;
    private Path passFile;

    @BeforeEach
    void setUp() throws Exception {
        f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir);
        where = new ArrayList<>(f.cliOptions(dir));
        Enable.run(f.account(), FieldNames.UNSTABLE);
        passFile = Files.writeString(dir.resolve("p.txt"), "1234\n");
    }

    @AfterEach
    void close() {
        f.close();
    }

    /** Runs {@code upload} with {@code stdin}; returns the PBKDF2 runs it made. */
    private long upload(String keys, byte[] stdin) {
        List<String> all = new ArrayList<>(List.of("upload"));
        all.addAll(where);
        all.addAll(List.of("--keys", keys, "--export-passphrase-file", passFile.toString(), "--source", "export"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long before = ExportDerivations.count();
        int exit = Main.run(all.toArray(new String[0]), new ByteArrayInputStream(stdin), out, err);
        long runs = ExportDerivations.count() - before;
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("uploaded 1 sessions"), text);
        return runs;
    }

    @Test
    void upload_encryptedFile_derivesItsKeysOnce() {
        assertEquals(1, upload(RUST_SDK_EXPORT.toString(), new byte[0]));
    }

    @Test
    void upload_encryptedStdin_derivesItsKeysOnce() throws Exception {
        assertEquals(1, upload("-", Files.readAllBytes(RUST_SDK_EXPORT)));
    }

    /** A plain stdin is spooled under a one-time passphrase: one run to write the copy, one for both walks. */
    @Test
    void upload_plainStdin_derivesTheCopysKeysOnceForBothWalks() throws Exception {
        byte[] plain = EncryptedKeyExport.decrypt(Files.readAllBytes(RUST_SDK_EXPORT), "1234".toCharArray());
        assertEquals(2, upload("-", plain));
    }
}
