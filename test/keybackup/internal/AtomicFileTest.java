package keybackup.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
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

    /**
     * A large file (a migration's entries: tens of MB at a million keys) is written without a direct buffer of
     * its size: the JDK would keep that one for the thread, outside the heap, for the rest of the process. Run
     * on a new thread, whose cache of direct buffers is empty.
     */
    @Test
    void write_largeContent_leavesNoDirectBufferOfItsSize() throws Exception {
        Path target = dir.resolve("entries");
        byte[] content = new byte[8 * 1024 * 1024];
        for (int i = 0; i < content.length; i++) content[i] = (byte) i;
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getMemoryUsed();
        long[] during = {0};
        Exception[] failed = {null};
        Thread t = new Thread(() -> {
            try {
                AtomicFile.write(target, content);
                during[0] = direct.getMemoryUsed(); // the thread's cached buffers are still counted here
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        t.start();
        t.join();
        if (failed[0] != null) throw failed[0];
        assertArrayEquals(content, Files.readAllBytes(target));
        long grown = during[0] - before;
        assertTrue(grown < 1024 * 1024, "direct memory grew by " + grown + " bytes for one write");
    }
}
