package keybackup.homeserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PathSegmentTest {
    @Test
    void encode_sessionIdWithSlashAndPlus_percentEncoded() {
        assertEquals("ab%2Fcd%2Bef", PathSegment.encode("session id", "ab/cd+ef"));
    }

    @Test
    void encode_roomId_bangAndColonEncoded() {
        assertEquals("%21abc%3Aexample.org", PathSegment.encode("room id", "!abc:example.org"));
    }

    @Test
    void encode_spaceAndNonAscii_utf8PercentEncodedNotPlus() {
        assertEquals("a%20b%C3%A9%F0%9F%98%80~", PathSegment.encode("x", "a bé\uD83D\uDE00~"));
    }

    @Test
    void encode_dotSegmentsOrEmpty_rejected() {
        assertThrows(IllegalArgumentException.class, () -> PathSegment.encode("x", ".."));
        assertThrows(IllegalArgumentException.class, () -> PathSegment.encode("x", "."));
        assertThrows(IllegalArgumentException.class, () -> PathSegment.encode("x", ""));
        assertThrows(IllegalArgumentException.class, () -> PathSegment.encode("x", "a\uD800"));
    }
}
