package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The words of an interrupt report, without a child process ({@link InterruptTest} sends the real signal): the
 * command to go on says when its input must be piped in again, because stdin was read once and is gone.
 */
class InterruptReportTest {
    private static Io io(String stdin) {
        return new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
    }

    @Test
    void upload_keysFromStdin_saysToPipeThemInAgain() throws Exception {
        Io io = io("[]");
        io.stdinStream("--keys");
        List<String> argv = List.of("--keys", "-", "--source", "olm");
        assertEquals(List.of("interrupted: the upload of 3 sessions from stdin stopped before it finished; the keys "
                + "the server accepted stay in the backup, and sending them again is safe (the server keeps the better "
                + "copy of each key)",
                "to go on, run the same command again, with the same input piped to it (--keys - read stdin): "
                + "keybackup upload --keys - --source olm"), UploadCommand.interrupted(io, 3, "-", argv));
    }

    @Test
    void upload_keysFromAFile_sameCommandAgain() {
        List<String> argv = List.of("--keys", "k.json", "--source", "olm");
        assertEquals("to go on, run the same command again: keybackup upload --keys k.json --source olm",
                UploadCommand.interrupted(io(""), 3, "k.json", argv).get(1));
    }

    @Test
    void sameCommandAgain_anyOptionThatReadStdin_named() throws Exception {
        Io io = io("");
        assertEquals("run the same command again", Interrupts.sameCommandAgain(io));
        io.claimStdin("--passphrase-stdin"); // restore with --passphrase-stdin, --backup-key-file - ...
        assertEquals("run the same command again, with the same input piped to it (--passphrase-stdin read stdin)",
                Interrupts.sameCommandAgain(io));
    }
}
