package keybackup.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The one strict UTF-8 conversion: what it rejects instead of replacing. */
class StrictUtf8Test {
    @Test
    void decode_rejectsLoneLeadByte_overlongForm_andEncodedSurrogate() {
        for (byte[] bad : new byte[][] {{'a', (byte) 0xc3}, {(byte) 0xc0, (byte) 0x80},
                {(byte) 0xed, (byte) 0xa0, (byte) 0x80}}) {
            assertThrows(CharacterCodingException.class, () -> StrictUtf8.decode(bad));
            assertThrows(CharacterCodingException.class, () -> StrictUtf8.decodeChars(bad, 0, bad.length));
        }
    }

    @Test
    void decode_readsOnlyTheRange_andKeepsNonAscii() throws Exception {
        byte[] b = "xpässwörd😀y".getBytes(StandardCharsets.UTF_8);
        assertEquals("pässwörd😀", StrictUtf8.decode(b, 1, b.length - 2));
        assertArrayEquals("pässwörd😀".toCharArray(), StrictUtf8.decodeChars(b, 1, b.length - 2));
    }

    @Test
    void encode_rejectsLoneSurrogate_andRoundTrips() throws Exception {
        assertThrows(CharacterCodingException.class, () -> StrictUtf8.encode("a\ud800b"));
        assertArrayEquals("ä😀".getBytes(StandardCharsets.UTF_8), StrictUtf8.encode("ä😀"));
    }
}
