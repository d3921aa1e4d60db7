package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file option naming something that cannot be read as a file (a directory given by mistake) is a clear error
 * that names the option and the path, never the JDK's bare "Is a directory".
 */
class UserFileErrorsTest {
    @TempDir
    Path tmp;

    private Path directory() throws Exception {
        return Files.createDirectory(tmp.resolve("a-directory"));
    }

    @Test
    void keyFileIsADirectory_errorNamesOptionAndPath() throws Exception {
        Path d = directory();
        CliRun.Result r = CliRun.run("{}", "decrypt-session", "--key-file", d.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("keybackup: error: --key-file: " + d + ": a directory, not a file\n", r.err());
    }

    @Test
    void keysIsADirectory_errorNamesOptionAndPath() throws Exception {
        Path d = directory();
        CliRun.Result r = CliRun.run("", "upload", "--user", "@a:example.org", "--store", tmp.resolve("s").toString(),
                "--source", "olm", "--keys", d.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("keybackup: error: --keys: " + d + ": a directory, not a file\n", r.err());
    }

    @Test
    void passphraseFileIsADirectory_errorNamesOptionAndPath() throws Exception {
        Path d = directory();
        FailedException e = org.junit.jupiter.api.Assertions.assertThrows(FailedException.class,
                () -> UserFiles.readCapped("--export-passphrase-file", d.toString(), UserFiles.MAX_KEY_FILE,
                        "a passphrase file"));
        assertEquals("--export-passphrase-file: " + d + ": a directory, not a file", e.getMessage());
    }
}
