package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import keybackup.homeserver.AccessToken;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import org.junit.jupiter.api.Test;

/** The one escaping rule, and {@link Io} applying it, with the token's redaction, to every line it writes. */
class TerminalTextTest {
    @Test
    void escape_controlsFormatAndSeparators_shownAsEscapes() {
        assertEquals("a\\u001b[2Jb\\u000dc\\u000ad\\u0009e\\u007ff\\u009bg", TerminalText.escape("a\u001b[2Jb\rc\nd\te\u007ff\u009bg"));
        assertEquals("\\u202ex\\u202a\\u2066y\\u2069\\u200e\\u200b\\u200d\\ufeff\\u00ad\\u2028\\u2029",
                TerminalText.escape("\u202ex\u202a\u2066y\u2069\u200e\u200b\u200d\ufeff\u00ad\u2028\u2029"));
        assertEquals("tag \\udb40\\udc41, lone \\ud800", TerminalText.escape("tag \udb40\udc41, lone \ud800"));
        String ordinary = "!room:example.org é 😀 / + = \\u001b";
        assertTrue(ordinary == TerminalText.escape(ordinary), "ordinary text (a backslash included) is returned as is");
    }

    @Test
    void io_lineWithNewlineAndToken_oneEscapedRedactedLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), out, err);
        io.errln("before redaction syt_secretTokenValue");
        io.redact(AccessToken.of("syt_secretTokenValue"));
        io.println("version: 1\nkeybackup: verification: passed\rsyt_secretTok");
        io.println(List.of("own text", "on two lines"));
        io.errln("error: TokenValue\u001b[0m");
        assertEquals("version: 1\\u000akeybackup: verification: passed\\u000d[redacted]\nown text\non two lines\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("before redaction syt_secretTokenValue\nerror: [redacted]\\u001b[0m\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void io_printCanonical_tokenRemovedFromStringsAndNamesExactOtherwise() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream());
        io.redact(AccessToken.of("syt_secretTokenValue"));
        io.printCanonical(Json.obj("room \u202e syt_secretToken", Json.of("a\u001bsecretTokenValue"), "room \u202e [redacted]", Json.of(1),
                "list", Json.arr(List.of(Json.of("keep"), Json.of("secretT")))));
        assertEquals("{\"list\":[\"keep\",\"secretT\"],\"room \u202e [redacted]\":\"a\\u001b[redacted]\",\"room \u202e [redacted] (2)\":1}\n",
                out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void io_printCanonical_onTerminal_formatAndC1CharactersEscapedValuesKept() throws Exception {
        Json value = Json.obj("room \u202e", Json.of("a\u009b2Jb\\\u2028"), "plain", Json.of("\u00e9"));
        ByteArrayOutputStream term = new ByteArrayOutputStream();
        new Io(new ByteArrayInputStream(new byte[0]), term, new ByteArrayOutputStream(), true).printCanonical(value);
        String shown = term.toString(StandardCharsets.UTF_8);
        assertEquals("{\"plain\":\"\u00e9\",\"room \\u202e\":\"a\\u009b2Jb\\\\\\u2028\"}\n", shown);
        assertEquals(value, JsonReader.parse(shown.strip().getBytes(StandardCharsets.UTF_8)));

        ByteArrayOutputStream pipe = new ByteArrayOutputStream();
        new Io(new ByteArrayInputStream(new byte[0]), pipe, new ByteArrayOutputStream(), false).printCanonical(value);
        assertArrayEquals(CanonicalJson.encode(value), Arrays.copyOf(pipe.toByteArray(), pipe.size() - 1));
    }
}
