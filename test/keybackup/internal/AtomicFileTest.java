package keybackup.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one atomic file replacement: whole content, old file replaced, no temporary file left. */
class AtomicFileTest {
    @TempDir
    Path dir;

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void write_createsThenReplaces_leavingOnlyTheTarget() throws Exception {
        Path target = dir.resolve("record.json");
        AtomicFile.write(target, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(target, "{\"b\":2}".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("{\"b\":2}".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
        assertEquals(List.of(target), files());
    }

    @Test
    void write_intoMissingDirectory_failsAndCreatesNothing() throws Exception {
        Path target = dir.resolve("missing").resolve("record.json");
        assertThrows(NoSuchFileException.class, () -> AtomicFile.write(target, new byte[] {1}));
        assertEquals(List.of(), files());
    }
}
