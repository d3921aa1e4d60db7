package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files the user names are read with a cap, never whole whatever their size: a JSON file (a saved server
 * answer) at {@link Io#MAX_INPUT}, an export passphrase file at {@link UserFiles#MAX_KEY_FILE}. Just over the
 * cap is refused with an error naming the option, the file and the limit; a file within it is read.
 */
class InputFileLimitTest {
    @TempDir
    Path tmp;

    /** {@code head}, then spaces up to {@code size} bytes. */
    private Path padded(String name, String head, int size) throws IOException {
        Path p = tmp.resolve(name);
        byte[] h = head.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(h);
            byte[] spaces = new byte[64 * 1024];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int left = size - h.length; left > 0; left -= spaces.length) out.write(spaces, 0, Math.min(left,
                    spaces.length));
        }
        assertEquals(size, Files.size(p));
        return p;
    }

    @Test
    void readJsonFile_justOverTheCap_refusedNamingFileAndLimit() throws Exception {
        Path p = padded("answer.json", "{}", Io.MAX_INPUT + 1);
        FailedException e = assertThrows(FailedException.class, () -> UserFiles.readJsonFile("--answer", p.toString()));
        assertEquals("--answer: " + p + ": file is over the limit of " + Io.MAX_INPUT + " bytes for a JSON file",
                e.getMessage());
    }

    @Test
    void readJsonFile_hugeSparseFile_refusedWithoutReadingItWhole() throws Exception {
        Path p = tmp.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(3L << 30); // 3 GiB, no disk space used: more than one byte array can hold
        }
        FailedException e = assertThrows(FailedException.class, () -> UserFiles.readJsonFile("--answer", p.toString()));
        assertEquals("--answer: " + p + ": file is over the limit of " + Io.MAX_INPUT + " bytes for a JSON file",
                e.getMessage());
    }

    @Test
    void readJsonFile_atTheCap_read() throws Exception {
        Path p = padded("answer.json", "{\"a\":1}", Io.MAX_INPUT);
        assertEquals(Json.obj("a", Json.of(1)), UserFiles.readJsonFile("--answer", p.toString()));
    }

    private static char[] passphrase(Path file) throws Exception {
        Args a = new Args(List.of("--" + ExportFiles.PASSPHRASE_OPTION, file.toString()),
                Set.of(ExportFiles.PASSPHRASE_OPTION), Set.of());
        return ExportFiles.passphrase(a, true, new Io(new java.io.ByteArrayInputStream(new byte[0]),
                java.io.OutputStream.nullOutputStream(), java.io.OutputStream.nullOutputStream()));
    }

    @Test
    void exportPassphraseFile_justOverTheCap_refusedNamingFileAndLimit() throws Exception {
        Path p = padded("pass.txt", "pässwörd\n", UserFiles.MAX_KEY_FILE + 1);
        FailedException e = assertThrows(FailedException.class, () -> passphrase(p));
        assertEquals("--export-passphrase-file: " + p + ": file is over the limit of " + UserFiles.MAX_KEY_FILE
                + " bytes for a passphrase file", e.getMessage());
    }

    @Test
    void exportPassphraseFile_atTheCap_firstLineRead() throws Exception {
        Path p = padded("pass.txt", "pässwörd\n", UserFiles.MAX_KEY_FILE);
        assertArrayEquals("pässwörd".toCharArray(), passphrase(p));
    }
}
