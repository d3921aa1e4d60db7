package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link Io#fileStdout()}: on a terminal each line is escaped whole, however the bytes were cut into writes
 * (a UTF-8 sequence of a C1 control or a bidi override split across writes is still escaped); into a pipe the
 * bytes are exact.
 */
class FileStdoutTest {
    private static final String EXPORT = "[{\"room_id\":\"!a\u009b2J\u202eb\u0085c\",\"k\":\"\u00e9\"}\n,{}\n]";

    private static byte[] written(boolean terminal, int chunk) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream(), terminal);
        byte[] b = EXPORT.getBytes(StandardCharsets.UTF_8);
        try (OutputStream s = io.fileStdout()) {
            for (int i = 0; i < b.length; i += chunk) s.write(b, i, Math.min(chunk, b.length - i));
        }
        return out.toByteArray();
    }

    @Test
    void terminal_everyWriteSize_linesEscapedWhole() throws Exception {
        String expected = "[{\"room_id\":\"!a\\u009b2J\\u202eb\\u0085c\",\"k\":\"\u00e9\"}\n,{}\n]";
        for (int chunk : new int[] {1, 2, 3, 7, 1000}) {
            assertEquals(expected, new String(written(true, chunk), StandardCharsets.UTF_8), "chunk " + chunk);
        }
    }

    @Test
    void pipe_everyWriteSize_exactBytes() throws Exception {
        for (int chunk : new int[] {1, 3, 1000}) {
            assertArrayEquals(EXPORT.getBytes(StandardCharsets.UTF_8), written(false, chunk), "chunk " + chunk);
        }
    }
}
