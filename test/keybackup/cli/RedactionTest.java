package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import keybackup.homeserver.AccessToken;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import org.junit.jupiter.api.Test;

/**
 * Restore's token check ({@link Redaction#holds}, {@link Io#holdsToken}): the walk answers as the redacted copy
 * did; the check of the written bytes finds what no decoded string holds; the walk finds what the bytes show escaped.
 */
class RedactionTest {
    private static final String TOKEN = "syt_a\"b\\c_12345678_x:y,z";

    /** Pieces of text the generated values are made of: the token's, escapes, non-ASCII, surrogate pairs. */
    private static final String[] PARTS = {TOKEN, TOKEN.substring(0, 8), TOKEN.substring(3, 10), TOKEN.substring(9, 17),
        TOKEN.substring(10, 17), "\n", "\t", "\u0001", "\"", "\\", "/", "\u00e9", "\ud83d\ude00", "\u202e", "syt_",
        "SYT_A\"B", "a", " ", "\uff53\uff59\uff54"};

    @Test
    void holds_answersAsTheRedactedCopyDid_onGeneratedValues() {
        AccessToken[] tokens = {AccessToken.of(TOKEN), AccessToken.of("syt_"), AccessToken.of("a"),
            AccessToken.of("12345678")};
        Random random = new Random(11);
        int held = 0;
        for (int i = 0; i < 20_000; i++) {
            Json v = value(random, 3);
            for (AccessToken t : tokens) {
                boolean old = Redaction.json(v, t) != v;
                assertEquals(old, Redaction.holds(v, t), () -> CanonicalJson.encodeToString(v));
                if (old) held++;
            }
        }
        assertTrue(held > 1000 && held < 70_000, "both answers occur: " + held);
    }

    @Test
    void holds_decodedPieceShownEscaped_foundInTheValueNotInTheBytes() throws Exception {
        Io io = io(TOKEN);
        assertTrue(io.tokenHasJsonEscapedCharacter(), "so restore walks the decoded strings too");
        assertFalse(io("syt_12345678").tokenHasJsonEscapedCharacter());
        // the piece holds a quote and a backslash: the written bytes show them escaped, the decoded string holds it
        Json v = Json.obj("note", Json.of("x" + TOKEN.substring(4, 12)));
        assertTrue(io.holdsToken(v));
        assertFalse(io.holdsToken(CanonicalJson.encode(v)));
        assertEquals(v, JsonReader.parse(CanonicalJson.encode(v)), "an importer reads the piece back");
    }

    @Test
    void holdsToken_bytes_findPiecesNoDecodedStringHolds() throws Exception {
        Io io = io("syt_12345678_x\":\"nValue_47");
        Json number = Json.obj("n", Json.of(912345678L)); // the digits of a number
        Json across = Json.obj("5678_x", Json.of("nVa")); // a member name, its punctuation and its value
        Json escape = Json.obj("note", Json.of("\nValue_4")); // the letter of an escape, then 7 characters
        for (Json v : List.of(number, across, escape)) {
            assertTrue(io.holdsToken(CanonicalJson.encode(v)), () -> CanonicalJson.encodeToString(v));
        }
        // the walk sees a number's digits and a string as written, but not the punctuation between members
        assertTrue(io.holdsToken(number));
        assertTrue(io.holdsToken(escape));
        assertFalse(io.holdsToken(across));
        assertFalse(io.holdsToken(CanonicalJson.encode(Json.obj("n", Json.of(1234567L), "s", Json.of("Value_4")))));
        assertFalse(io(null).holdsToken(CanonicalJson.encode(escape)), "no token registered");
    }

    @Test
    void json_piecesShownOnlyByTheEncoding_redactedToo() {
        AccessToken t = AccessToken.of("syt_12345678_xnValue_47");
        Json.Obj v = Json.obj("n", Json.of(912345678L), "note", Json.of("\nValue_4"), "\nValue_4", Json.of(1),
                "ok", Json.arr(List.of(Json.of("\nValue"), Json.of(1234567L))));
        String printed = CanonicalJson.encodeToString(Redaction.json(v, t));
        assertEquals(printed, t.redact(printed), printed);
        assertTrue(printed.contains("\"ok\":[\"\\nValue\",1234567]"), printed); // no piece: kept as it is
        assertTrue(Redaction.holds(v, t));
        assertFalse(Redaction.holds(Json.obj("ok", v.get("ok")), t));
        // on a terminal U+2061 is shown as a backslash and u2061, whose last digit completes "12345678"
        assertEquals(Json.of("[redacted]"), Redaction.json(Json.of("\u20612345678"), t));
        assertEquals(Json.of("\u2061234567"), Redaction.json(Json.of("\u2061234567"), t));
    }

    private static Io io(String token) {
        Io io = new Io(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
        if (token != null) io.redact(AccessToken.of(token));
        return io;
    }

    private static Json value(Random random, int depth) {
        int kind = random.nextInt(depth > 0 ? 6 : 3);
        switch (kind) {
            case 0: return Json.of(text(random));
            case 1: return Json.of(random.nextInt(3) == 0 ? 12345678L : random.nextLong() % Json.MAX_INTEGER);
            case 2: return random.nextBoolean() ? Json.of(random.nextBoolean()) : Json.Null.INSTANCE;
            case 3: case 4: {
                Map<String, Json> m = new LinkedHashMap<>();
                for (int n = random.nextInt(4); n > 0; n--) m.put(text(random), value(random, depth - 1));
                return new Json.Obj(m);
            }
            default: {
                List<Json> l = new ArrayList<>();
                for (int n = random.nextInt(4); n > 0; n--) l.add(value(random, depth - 1));
                return Json.arr(l);
            }
        }
    }

    private static String text(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int n = random.nextInt(4); n > 0; n--) sb.append(PARTS[random.nextInt(PARTS.length)]);
        return sb.toString();
    }
}
