package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A passphrase typed at the terminal is taken as the UTF-8 bytes the terminal sent, whatever charset the
 * console decoded them with (Java 17 uses the platform locale's, US-ASCII under LC_ALL=C).
 */
class TerminalPassphraseTest {
    private static final String WAY_OUT = "--passphrase-stdin";

    /** What Console.readPassword returns when a UTF-8 terminal sends {@code typed} and the console uses {@code cs}. */
    private static char[] decodedAs(String typed, Charset cs) {
        return new String(typed.getBytes(StandardCharsets.UTF_8), cs).toCharArray();
    }

    private static FailedException refused(char[] typed, Charset cs) {
        FailedException e = assertThrows(FailedException.class, () -> TerminalPassphrase.asUtf8(typed, cs, WAY_OUT));
        assertArrayEquals(new char[typed.length], typed, "the typed characters are wiped on refusal too");
        return e;
    }

    private static void assertNoSecret(FailedException e, String... secrets) {
        for (String s : secrets) assertFalse(e.getMessage().contains(s), e.getMessage());
    }

    @Test
    void utf8Console_passesTheTextThrough_andWipesWhatItWasGiven() throws Exception {
        String pass = "pässwörd € 😀 ÿ";
        char[] typed = pass.toCharArray();
        assertArrayEquals(pass.toCharArray(), TerminalPassphrase.asUtf8(typed, StandardCharsets.UTF_8, WAY_OUT));
        assertArrayEquals(new char[typed.length], typed);
    }

    @Test
    void utf8TerminalDecodedAsLatin1_comesBackAsTheTextTyped() throws Exception {
        char[] typed = decodedAs("pässword", StandardCharsets.ISO_8859_1);
        assertEquals("pÃ¤ssword", new String(typed)); // the mojibake the console returns
        assertArrayEquals("pässword".toCharArray(),
                TerminalPassphrase.asUtf8(typed, StandardCharsets.ISO_8859_1, WAY_OUT));
        assertArrayEquals(new char[typed.length], typed);
    }

    @Test
    void utf8TerminalDecodedAsWindows1252_comesBackAsTheTextTyped() throws Exception {
        Charset cp1252 = Charset.forName("windows-1252");
        for (String pass : new String[] {"café crème", "naïve €5 ‘quoted’", "日本語", "😀"}) {
            char[] typed = decodedAs(pass, cp1252);
            assertArrayEquals(pass.toCharArray(), TerminalPassphrase.asUtf8(typed, cp1252, WAY_OUT), pass);
        }
    }

    @Test
    void asciiUnderUsAscii_passesUnchanged() throws Exception {
        String pass = "correct horse battery staple 42!~";
        char[] typed = decodedAs(pass, StandardCharsets.US_ASCII);
        assertArrayEquals(pass.toCharArray(), TerminalPassphrase.asUtf8(typed, StandardCharsets.US_ASCII, WAY_OUT));
        assertArrayEquals(new char[typed.length], typed);
    }

    @Test
    void emptyStaysEmpty() throws Exception {
        assertEquals(0, TerminalPassphrase.asUtf8(new char[0], StandardCharsets.US_ASCII, WAY_OUT).length);
        assertEquals(0, TerminalPassphrase.asUtf8(new char[0], StandardCharsets.UTF_8, WAY_OUT).length);
    }

    @Test
    void usAsciiConsole_nonAsciiTyped_isRefusedWithTheWayOut() {
        char[] typed = decodedAs("qzäjk", StandardCharsets.US_ASCII);
        assertTrue(new String(typed).indexOf('\uFFFD') >= 0); // what LC_ALL=C does to "ä"
        FailedException e = refused(typed, StandardCharsets.US_ASCII);
        assertEquals("the terminal's encoding (US-ASCII) cannot carry this passphrase: set a UTF-8 locale "
                + "(e.g. LC_ALL=C.UTF-8) or give it with --passphrase-stdin", e.getMessage());
        assertNoSecret(e, "qz", "jk");
    }

    @Test
    void windows1252Console_byteItCannotDecode_isRefused() {
        // "Ý" is C3 9D in UTF-8; 0x9D is undefined in windows-1252, so the console gives U+FFFD.
        Charset cp1252 = Charset.forName("windows-1252");
        char[] typed = decodedAs("Ýes", cp1252);
        FailedException e = refused(typed, cp1252);
        assertTrue(e.getMessage().startsWith("the terminal's encoding (windows-1252) cannot carry this passphrase"),
                e.getMessage());
    }

    @Test
    void utf8Console_replacementCharacter_meansTheTerminalDidNotSendUtf8() {
        char[] typed = new String(new byte[] {'q', 'z', (byte) 0xe4, 'c'}, StandardCharsets.UTF_8).toCharArray();
        FailedException e = refused(typed, StandardCharsets.UTF_8);
        assertEquals("the terminal did not send the passphrase as UTF-8: set the terminal to UTF-8 or give it "
                + "with --passphrase-stdin", e.getMessage());
        assertNoSecret(e, "qz");
    }

    @Test
    void latin1Terminal_bytesThatAreNotUtf8_areRefused() {
        // A real Latin-1 terminal sends E4 for "ä": not UTF-8, so it cannot be the text of a UTF-8 passphrase.
        char[] typed = new String("qzäjk".getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1)
                .toCharArray();
        FailedException e = refused(typed, StandardCharsets.ISO_8859_1);
        assertEquals("the terminal sent the passphrase in its own encoding (ISO-8859-1), not UTF-8: set a UTF-8 "
                + "locale (e.g. LC_ALL=C.UTF-8) and terminal, or give it with --passphrase-stdin", e.getMessage());
        assertNoSecret(e, "qz", "jk");
    }

    @Test
    void charactersTheConsoleCharsetCannotEncode_areRefused() {
        // A decoder for ISO-8859-1 never returns "€", but the helper must not guess if it is handed one.
        char[] typed = "5€".toCharArray();
        FailedException e = refused(typed, StandardCharsets.ISO_8859_1);
        assertTrue(e.getMessage().startsWith("the terminal's encoding (ISO-8859-1) cannot carry this passphrase"),
                e.getMessage());
    }

    @Test
    void theWayOutNamesTheCallersOption() {
        FailedException e = assertThrows(FailedException.class, () -> TerminalPassphrase.asUtf8(
                decodedAs("é", StandardCharsets.US_ASCII), StandardCharsets.US_ASCII, "--export-passphrase-file FILE"));
        assertTrue(e.getMessage().endsWith("or give it with --export-passphrase-file FILE"), e.getMessage());
    }
}
