package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read command's {@code --store} naming an existing directory that holds no store (a mistyped path, the home
 * directory, {@code .}) is an error, and the directory is left as it was: not turned into an empty store that
 * answers "no key backup", and not made owner-only.
 */
class NotAStoreTest {
    @TempDir
    Path tmp;

    @Test
    void statusOnADirectoryThatIsNoStore_refused_directoryUntouched() throws Exception {
        Path d = Files.createDirectory(tmp.resolve("projects"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(d.resolve("notes.txt"), "mine\n");

        CliRun.Result r = CliRun.run("", "status", "--user", "@a:example.org", "--store", d.toString());

        assertEquals(1, r.code(), r.err());
        assertEquals("keybackup: error: --store: " + d + " holds no local store (no store.json, versions/ or "
                + "account_data/ in it): give the store's directory, or create one with keybackup setup\n", r.err());
        try (Stream<Path> s = Files.list(d)) {
            assertEquals(List.of(d.resolve("notes.txt")), s.toList());
        }
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    }
}
