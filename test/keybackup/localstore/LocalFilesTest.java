package keybackup.localstore;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import keybackup.homeserver.StoreException;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LocalFiles' reads (capped, whatever size a file claims) and batch writes (each file whole, no temporary left). */
class LocalFilesTest {
    @TempDir
    Path dir;

    @Test
    void read_fileOneByteOverTheLimit_storeErrorNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("a.json"), "{\"k\": \"0123\"}"); // 13 bytes
        StoreException e = assertThrows(StoreException.class, () -> LocalFiles.read(file, 12));
        assertEquals("local store: " + file + " is over 12 bytes", e.getMessage());
    }

    @Test
    void read_fileExactlyAtTheLimit_parsed() throws Exception {
        Path file = Files.writeString(dir.resolve("a.json"), "{\"k\": \"0123\"}");
        assertEquals(Optional.of(Json.obj("k", Json.of("0123"))), LocalFiles.read(file, 13));
    }

    @Test
    void read_missingOrEmptyFile_emptyOrCorrupt() throws Exception {
        assertEquals(Optional.empty(), LocalFiles.read(dir.resolve("none.json"), 100));
        Path empty = Files.createFile(dir.resolve("empty.json"));
        StoreException e = assertThrows(StoreException.class, () -> LocalFiles.read(empty, 100));
        assertTrue(e.getMessage().startsWith("local store: " + empty + " is corrupt: "), e.getMessage());
    }

    @Test
    void read_directory_storeErrorNamingIt() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub.json"));
        StoreException e = assertThrows(StoreException.class, () -> LocalFiles.read(sub, 100));
        assertTrue(e.getMessage().startsWith("local store: cannot read " + sub + " ("), e.getMessage());
    }

    /** A pipe claims no size: its bytes are read to its end, in growing buffers, and still capped. */
    @Test
    void read_pipeClaimingNoSize_readToItsEndAndCapped() throws Exception {
        Path fifo = dir.resolve("pipe.json");
        assumeTrue(mkfifo(fifo), "mkfifo is not available");
        String text = "{\"k\": \"" + "x".repeat(20_000) + "\"}";
        CompletableFuture<Void> writer = feed(fifo, text);
        assertEquals(Optional.of(Json.obj("k", Json.of("x".repeat(20_000)))), LocalFiles.read(fifo, 1_000_000));
        writer.get();

        writer = feed(fifo, text);
        StoreException e = assertThrows(StoreException.class, () -> LocalFiles.read(fifo, 10_000));
        assertEquals("local store: " + fifo + " is over 10000 bytes", e.getMessage());
        writer.cancel(true);
    }

    @Test
    void writeAll_batchOfWritesAndDeletes_eachFileWholeAndNoTemporaryLeft() throws Exception {
        List<LocalFiles.Write> writes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Path file = dir.resolve("d" + (i % 3)).resolve("f" + i + ".json");
            Files.createDirectories(file.getParent());
            if (i % 4 == 0) Files.writeString(file, "{}"); // to delete
            writes.add(new LocalFiles.Write(file, i % 4 == 0 ? null : Json.obj("i", Json.of(i))));
        }
        LocalFiles.writeAll(writes);
        for (LocalFiles.Write w : writes) {
            if (w.value() == null) {
                assertFalse(Files.exists(w.target()), w.target().toString());
            } else {
                assertArrayEquals(CanonicalJson.encode(w.value()), Files.readAllBytes(w.target()));
            }
        }
        assertEquals(List.of(), temporaryFiles());
    }

    @Test
    void writeAll_oneTargetUnwritable_storeErrorEveryFileWholeOrAbsentNoTemporaryLeft() throws Exception {
        Files.writeString(dir.resolve("blocker"), "a file where a directory should be");
        List<LocalFiles.Write> writes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Path file = (i == 7 ? dir.resolve("blocker") : dir).resolve("f" + i + ".json");
            writes.add(new LocalFiles.Write(file, Json.obj("i", Json.of(i))));
        }
        StoreException e = assertThrows(StoreException.class, () -> LocalFiles.writeAll(writes));
        assertTrue(e.getMessage().startsWith("local store: cannot write 20 files in "), e.getMessage());
        for (LocalFiles.Write w : writes) { // the caller's journal completes the batch; no file is ever partial
            if (Files.isRegularFile(w.target())) {
                assertArrayEquals(CanonicalJson.encode(w.value()), Files.readAllBytes(w.target()));
            }
        }
        assertEquals(List.of(), temporaryFiles());
    }

    /**
     * An interrupted caller gets its error only once no file of the batch changes any more (its lock ends then):
     * the first items' temporary files are pipes that hold every writing thread until a reader comes.
     */
    @Test
    void writeAll_callerInterrupted_noFileChangesAfterItReturns() throws Exception {
        Path held = Files.createDirectory(dir.resolve("held"));
        Path gone = Files.createDirectory(dir.resolve("gone"));
        List<LocalFiles.Write> writes = new ArrayList<>();
        List<Path> pipes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Path target = held.resolve("f" + i + ".json");
            Path pipe = dir.resolve("pipe" + i);
            assumeTrue(mkfifo(pipe), "mkfifo is not available");
            Files.createLink(held.resolve("." + target.getFileName() + LocalFiles.TEMP_SUFFIX), pipe);
            pipes.add(pipe);
            writes.add(new LocalFiles.Write(target, Json.obj("i", Json.of(i))));
        }
        for (int i = 0; i < 200; i++) {
            writes.add(new LocalFiles.Write(Files.writeString(gone.resolve("f" + i + ".json"), "{}"), null));
        }
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
                for (Path pipe : pipes) FileChannel.open(pipe, READ, WRITE).close(); // never waits for a writer
            } catch (IOException | InterruptedException ignored) {
                // the test's assertions tell
            }
        });
        Thread.currentThread().interrupt();
        StoreException e;
        try {
            e = assertThrows(StoreException.class, () -> LocalFiles.writeAll(writes));
        } finally {
            Thread.interrupted();
        }
        assertTrue(e.getMessage().endsWith("(interrupted while writing files)"), e.getMessage());
        long left = filesIn(gone);
        reader.get();
        Thread.sleep(300);
        assertEquals(left, filesIn(gone));
    }

    private static long filesIn(Path directory) throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            return list.count();
        }
    }

    private List<Path> temporaryFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.getFileName().toString().endsWith(LocalFiles.TEMP_SUFFIX)).toList();
        }
    }

    private static boolean mkfifo(Path path) {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            return p.waitFor() == 0 && Files.exists(path);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Writes {@code text} into the pipe once a reader opens it (a reader that stops early ends the write). */
    private static CompletableFuture<Void> feed(Path fifo, String text) {
        return CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the reader closed the pipe before the end: what the capped read does
            }
        });
    }
}
