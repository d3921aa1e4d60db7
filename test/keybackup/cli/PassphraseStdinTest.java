package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** --passphrase-stdin reads its first line into a char[] it can wipe, strictly as UTF-8. */
class PassphraseStdinTest {

    @Test
    void firstLine_stopsAtLfCrOrCrLf_andKeepsNonAscii() throws Exception {
        for (String input : new String[] {"pässwörd😀\nsecond", "pässwörd😀\r\nsecond", "pässwörd😀\rsecond",
                "pässwörd😀"}) {
            assertArrayEquals("pässwörd😀".toCharArray(), StoreOptions.firstLine(input.getBytes(StandardCharsets.UTF_8),
                    "--x"), input);
        }
        assertEquals(0, StoreOptions.firstLine("\nsecond".getBytes(StandardCharsets.UTF_8), "--x").length);
        assertEquals(0, StoreOptions.firstLine(new byte[0], "--x").length);
    }

    @Test
    void firstLine_wipesTheBytesItWasGiven() throws Exception {
        byte[] stdin = "secret words\nmore".getBytes(StandardCharsets.UTF_8);
        StoreOptions.firstLine(stdin, "--passphrase-stdin");
        assertArrayEquals(new byte[stdin.length], stdin);
    }

    @Test
    void firstLine_invalidUtf8_isATypedErrorThatDoesNotEchoTheInput() {
        byte[] stdin = {'a', 'b', (byte) 0xc3, '\n'}; // a lone lead byte
        FailedException e = assertThrows(FailedException.class, () ->
                StoreOptions.firstLine(stdin, "--passphrase-stdin"));
        assertEquals("--passphrase-stdin: the passphrase is not valid UTF-8", e.getMessage());
        assertArrayEquals(new byte[stdin.length], stdin);
    }
}
