package keybackup.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every rejection of the strict parser (protocol.md §2.5, issue 01), each with the byte offset where
 * the problem starts: the offending token, the first byte of a bad UTF-8 sequence, the backslash of a
 * bad escape, the opening quote of a duplicate key.
 */
class JsonReaderTest {

    /** Bytes from parts: a String contributes its UTF-8, an Integer one raw byte. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            else out.write((Integer) p);
        }
        return out.toByteArray();
    }

    record Reject(String name, byte[] input, long offset) {}

    static Reject reject(String name, String input, long offset) {
        return new Reject(name, bytes(input), offset);
    }

    static final List<Reject> REJECTIONS = List.of(
        // duplicate keys: offset of the second key's opening quote
        reject("duplicate key", "{\"a\":1,\"a\":2}", 7),
        reject("duplicate key written with an escape", "{\"a\":1,\"\\u0061\":2}", 7),
        reject("duplicate key, nested", "{\"x\":{\"b\":1,\"b\":2}}", 12),
        reject("duplicate key, same value", "{\"a\":null, \"a\":null}", 11),
        // lone surrogates as \\u escapes: offset of the backslash
        reject("lone high surrogate escape", "[\"\\ud800\"]", 2),
        reject("high surrogate then a letter", "[\"\\ud800x\"]", 2),
        reject("high surrogate then a non-surrogate escape", "\"\\ud800\\u0041\"", 1),
        reject("high surrogate then a short escape", "\"\\ud800\\n\"", 1),
        reject("two high surrogates", "\"\\ud800\\ud800\\udc00\"", 1),
        reject("lone low surrogate escape", "\"\\udc00\"", 1),
        reject("low before high", "\"\\udc00\\ud800\"", 1),
        reject("lone surrogate in a key", "{\"\\udfff\":1}", 2),
        // invalid UTF-8: offset of the first byte of the bad sequence
        new Reject("overlong 2-byte '/'", bytes("\"", 0xC0, 0xAF, "\""), 1),
        new Reject("overlong C1 lead", bytes("\"", 0xC1, 0xBF, "\""), 1),
        new Reject("overlong 3-byte", bytes("\"a", 0xE0, 0x80, 0xAF, "\""), 2),
        new Reject("overlong 4-byte", bytes("\"", 0xF0, 0x80, 0x80, 0xAF, "\""), 1),
        new Reject("UTF-8 encoded surrogate U+D800", bytes("\"", 0xED, 0xA0, 0x80, "\""), 1),
        new Reject("UTF-8 encoded surrogate U+DFFF", bytes("\"", 0xED, 0xBF, 0xBF, "\""), 1),
        new Reject("above U+10FFFF (F4 90)", bytes("\"", 0xF4, 0x90, 0x80, 0x80, "\""), 1),
        new Reject("lead byte F5", bytes("\"", 0xF5, 0x80, 0x80, 0x80, "\""), 1),
        new Reject("byte FF", bytes("\"", 0xFF, "\""), 1),
        new Reject("truncated 3-byte sequence before the quote", bytes("\"", 0xE2, 0x82, "\""), 1),
        new Reject("truncated 4-byte sequence at end of input", bytes("\"", 0xF0, 0x9F, 0x98), 1),
        new Reject("truncated 2-byte sequence followed by ASCII", bytes("[\"", 0xC3, "a\"]"), 2),
        new Reject("stray continuation byte", bytes("\"ab", 0x80, "\""), 3),
        new Reject("invalid UTF-8 in a key", bytes("{\"", 0xC3, 0x28, "\":1}"), 2),
        new Reject("non-ASCII byte outside a string", bytes(0xC3, 0xA9), 0),
        // raw control characters inside strings: offset of the control byte
        new Reject("raw NUL in a string", bytes("\"a", 0x00, "\""), 2),
        reject("raw newline in a string", "\"a\nb\"", 2),
        reject("raw tab in a string", "{\"k\":\"\t\"}", 6),
        new Reject("raw U+001F in a key", bytes("{\"", 0x1F, "\":1}"), 2),
        // trailing data: offset of the first byte after the value and its whitespace
        reject("trailing word", "{} x", 3),
        reject("second value", "{}{}", 2),
        reject("two numbers", "1 2", 2),
        reject("trailing comma after the value", "[1]\n,", 4),
        new Reject("trailing NUL", bytes("{}", 0x00), 2),
        // floats and exponents: offset of the number
        reject("1.0", "1.0", 0),
        reject("1e2 in an object", "{\"a\":1e2}", 5),
        reject("-0.0", "-0.0", 0),
        reject("1E5", "1E5", 0),
        reject("0.5 in an array", "[0.5]", 1),
        reject("negative exponent", "1e-7", 0),
        reject("zero exponent", "0e0", 0),
        // integers out of range: offset of the number
        reject("2^53", "9007199254740992", 0),
        reject("-(2^53)", "-9007199254740992", 0),
        reject("2^64", "18446744073709551616", 0),
        reject("long number in an array", "[1,99999999999999999999]", 3),
        // leading zeros and malformed numbers
        reject("leading zero", "01", 0),
        reject("negative leading zero", "-01", 0),
        reject("two zeros", "[00]", 1),
        reject("minus alone", "-", 0),
        reject("plus sign", "+1", 0),
        reject("minus then letter", "[-a]", 1),
        // NaN and Infinity
        reject("NaN", "NaN", 0),
        reject("NaN in an array", "[NaN]", 1),
        reject("Infinity", "Infinity", 0),
        reject("-Infinity", "{\"a\":-Infinity}", 5),
        // BOM and empty input
        new Reject("UTF-8 BOM before the value", bytes(0xEF, 0xBB, 0xBF, "{}"), 0),
        reject("empty input", "", 0),
        reject("whitespace only", " \n ", 3),
        // other syntax
        reject("invalid escape", "\"\\x\"", 1),
        reject("short \\u escape", "\"\\u12\"", 1),
        reject("non-hex \\u escape", "\"\\u00G0\"", 1),
        reject("unterminated string", "\"abc", 4),
        reject("trailing comma in array", "[1,]", 3),
        reject("trailing comma in object", "{\"a\":1,}", 7),
        reject("missing colon", "{\"a\" 1}", 5),
        reject("unquoted key", "{a:1}", 1),
        reject("single quotes", "'a'", 0),
        reject("truncated literal", "tru", 0),
        reject("capitalised literal", "True", 0),
        reject("unclosed array", "[1", 2),
        reject("unclosed object", "{\"a\":1", 6));

    @Test
    void parse_everyRejectionCase_throwsWithOffset() {
        List<String> failures = new ArrayList<>();
        for (Reject r : REJECTIONS) {
            try {
                Json v = JsonReader.parse(r.input());
                failures.add(r.name() + ": accepted as " + v);
            } catch (JsonException e) {
                if (e.offset() != r.offset()) {
                    failures.add(r.name() + ": offset " + e.offset() + ", expected " + r.offset() + " (" + e.getMessage() + ")");
                }
                if (!e.getMessage().endsWith(" at offset " + r.offset())) failures.add(r.name() + ": message lacks offset: " + e.getMessage());
            } catch (RuntimeException e) {
                failures.add(r.name() + ": threw " + e);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void streamedOneByteAtATime_everyRejectionCase_sameOffset() {
        // The reader refills its buffer at every byte: offsets must not depend on buffer boundaries.
        List<String> failures = new ArrayList<>();
        for (Reject r : REJECTIONS) {
            try (JsonReader reader = new JsonReader(new OneByteStream(r.input()), JsonReader.DEFAULT_MAX_BYTES)) {
                reader.readValue();
                reader.expectEnd();
                failures.add(r.name() + ": accepted");
            } catch (JsonException e) {
                if (e.offset() != r.offset()) failures.add(r.name() + ": offset " + e.offset() + ", expected " + r.offset());
            } catch (RuntimeException e) {
                failures.add(r.name() + ": threw " + e);
            }
        }
        assertEquals(List.of(), failures);
    }

    /** Walks a top-level array with beginArray/nextElement, reading each element whole. */
    private static List<Json> streamArray(byte[] input) throws JsonException {
        try (JsonReader reader = new JsonReader(new OneByteStream(input), JsonReader.DEFAULT_MAX_BYTES)) {
            reader.beginArray();
            List<Json> out = new ArrayList<>();
            while (reader.nextElement()) out.add(reader.readValue());
            reader.expectEnd();
            return out;
        }
    }

    @Test
    void beginArray_everyArrayRejection_sameMessageAndOffsetAsParse() {
        List<String> failures = new ArrayList<>();
        List<byte[]> inputs = new ArrayList<>();
        for (Reject r : REJECTIONS) if (r.input().length > 0 && r.input()[0] == '[') inputs.add(r.input());
        for (String extra : List.of("[", "[,", "[1,", "[1 2]", "[1,,2]", "[]]", "[{}  ,  ]", "[[1],[2,]]", "[1]x")) {
            inputs.add(extra.getBytes(StandardCharsets.UTF_8));
        }
        for (byte[] in : inputs) {
            String whole;
            try {
                JsonReader.parse(in);
                whole = "accepted";
            } catch (JsonException e) {
                whole = e.getMessage();
            }
            String streamed;
            try {
                streamArray(in);
                streamed = "accepted";
            } catch (JsonException e) {
                streamed = e.getMessage();
            }
            if (!whole.equals(streamed)) failures.add(new String(in, StandardCharsets.UTF_8) + ": parse says " + whole + ", streaming says " + streamed);
        }
        assertTrue(inputs.size() > 10);
        assertEquals(List.of(), failures);
    }

    @Test
    void beginArray_validArrays_sameElementsAsParse() throws JsonException {
        for (String in : List.of("[]", " [ ] ", "[1]", "[1, {\"a\": [2, []]}, \"x\", null, true]", "[[],[[]]]\n")) {
            byte[] b = in.getBytes(StandardCharsets.UTF_8);
            assertEquals(((Json.Arr) JsonReader.parse(b)).elements(), streamArray(b), in);
        }
    }

    @Test
    void beginArray_notAnArray_rejected() {
        JsonException e = assertThrows(JsonException.class, () -> streamArray("{}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("expected a JSON array"), e.getMessage());
    }

    @Test
    void parse_integerEdges_accepted() throws JsonException {
        assertEquals(new Json.Int(9007199254740991L), JsonReader.parse("9007199254740991"));
        assertEquals(new Json.Int(-9007199254740991L), JsonReader.parse("-9007199254740991"));
        assertEquals(new Json.Int(0), JsonReader.parse("0"));
        assertEquals(new Json.Int(0), JsonReader.parse("-0")); // the integer literal -0 reads as 0 (protocol.md §2.5)
        assertEquals(new Json.Int(-1), JsonReader.parse(" -1 "));
    }

    @Test
    void parse_nesting64_acceptedAnd65_rejectedAtTheExtraBracket() throws JsonException {
        assertEquals(64, JsonReader.MAX_DEPTH);
        Json v = JsonReader.parse("[".repeat(64) + "]".repeat(64));
        int depth = 0;
        while (v instanceof Json.Arr a && !a.elements().isEmpty()) {
            depth++;
            v = a.elements().get(0);
        }
        assertEquals(63, depth); // 64 arrays: 63 non-empty ones around the innermost empty one

        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse("[".repeat(65) + "]".repeat(65)));
        assertEquals(64, e.offset());
    }

    @Test
    void parse_objectNesting65_rejectedAtThe65thBrace() throws JsonException {
        JsonReader.parse("{\"a\":".repeat(64) + "1" + "}".repeat(64));
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse("{\"a\":".repeat(65) + "1" + "}".repeat(65)));
        assertEquals(64 * 5, e.offset());
    }

    @Test
    void parse_mixedNesting65_rejected() {
        String open = "[{\"k\":".repeat(32) + "[";
        String close = "]" + "}]".repeat(32);
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse(open + close));
        assertEquals(open.length() - 1, e.offset());
    }

    @Test
    void parse_sizeLimit_exactlyLimitAcceptedOneMoreRejected() throws JsonException {
        byte[] atLimit = bytes("\"" + "x".repeat(98) + "\""); // 100 bytes
        assertEquals(100, atLimit.length);
        assertEquals(new Json.Str("x".repeat(98)), JsonReader.parse(atLimit, 100));
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse(atLimit, 99));
        assertEquals(99, e.offset());
    }

    @Test
    void parse_overDefaultLimit_rejectedAtTheLimit() throws JsonException {
        int limit = (int) JsonReader.DEFAULT_MAX_BYTES;
        byte[] doc = new byte[limit + 1];
        Arrays.fill(doc, (byte) ' ');
        doc[0] = '1';
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse(doc));
        assertEquals(limit, e.offset());
        assertEquals(new Json.Int(1), JsonReader.parse(Arrays.copyOf(doc, limit))); // exactly the limit is fine
    }

    @Test
    void streamingReader_inputOverLimit_rejectedAtTheLimit() {
        byte[] doc = bytes("[" + "1,".repeat(10_000) + "1]");
        JsonReader r = new JsonReader(new ByteArrayInputStream(doc), 5000);
        JsonException e = assertThrows(JsonException.class, r::readValue);
        assertEquals(5000, e.offset());
    }

    @Test
    void parse_stringLonelySurrogate_rejected() {
        // A Java string with a lone surrogate cannot become UTF-8: rejected before parsing (no byte offset).
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse("\"\ud800\""));
        assertEquals(-1, e.offset());
    }

    @Test
    void parse_validSurrogatePairEscapes_decodeToOneCodePoint() throws JsonException {
        assertEquals(new Json.Str("\uD83D\uDE00"), JsonReader.parse("\"\\ud83d\\ude00\""));
        assertEquals(new Json.Str("\uD83D\uDE00"), JsonReader.parse("\"\\uD83D\\uDE00\""));
        assertEquals(new Json.Str("\uD83D\uDE00"), JsonReader.parse(bytes("\"", 0xF0, 0x9F, 0x98, 0x80, "\"")));
        assertEquals(new Json.Str("\u007f\u0080\u2028\ufeff"), JsonReader.parse(bytes("\"", 0x7F, 0xC2, 0x80, 0xE2, 0x80, 0xA8, 0xEF, 0xBB, 0xBF, "\"")));
        assertEquals(new Json.Str("\uDBFF\uDFFF"), JsonReader.parse(bytes("\"", 0xF4, 0x8F, 0xBF, 0xBF, "\""))); // U+10FFFF
    }

    @Test
    void parse_multiByteCharactersAcrossBufferBoundaries_decoded() throws JsonException {
        // Put each multi-byte character at every position around the reader's 8 KiB buffer edge.
        String tail = "é日😀\u2028";
        for (int pad = 8180; pad < 8200; pad++) {
            String s = "a".repeat(pad) + tail;
            assertEquals(new Json.Str(s), JsonReader.parse(bytes("\"" + s + "\"")), "pad " + pad);
        }
    }

    @Test
    void parseObject_nonObject_rejected() throws JsonException {
        assertEquals(Json.obj("a", Json.of(1)), JsonReader.parseObject(bytes("{\"a\":1}")));
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parseObject(bytes("[1]")));
        assertEquals(0, e.offset());
    }

    @Test
    void streaming_walkObject_readsMembersInOrder() throws JsonException {
        byte[] doc = bytes(" {\"rooms\": {\"!r\": {\"sessions\": {\"s1\": {\"x\": 1}, \"s2\": [2]}}}, \"other\": true, \"skip\": {\"deep\": [1, 2]}} ");
        List<String> seen = new ArrayList<>();
        try (JsonReader r = new JsonReader(new OneByteStream(doc), 1 << 20)) {
            r.beginObject();
            for (String k = r.nextKey(); k != null; k = r.nextKey()) {
                if (k.equals("rooms")) {
                    r.beginObject();
                    for (String room = r.nextKey(); room != null; room = r.nextKey()) {
                        r.beginObject();
                        assertEquals("sessions", r.nextKey());
                        r.beginObject();
                        for (String s = r.nextKey(); s != null; s = r.nextKey()) seen.add(room + "/" + s + "=" + CanonicalJson.encodeToString(r.readValue()));
                        assertNull(r.nextKey());
                    }
                } else if (k.equals("skip")) {
                    r.skipValue();
                    seen.add("skipped");
                } else {
                    seen.add(k + "=" + CanonicalJson.encodeToString(r.readValue()));
                }
            }
            r.expectEnd();
        }
        assertEquals(List.of("!r/s1={\"x\":1}", "!r/s2=[2]", "other=true", "skipped"), seen);
    }

    @Test
    void streaming_duplicateKey_rejectedWithOffset() throws JsonException {
        JsonReader r = new JsonReader(new ByteArrayInputStream(bytes("{\"a\":1,\"a\":2}")), 100);
        r.beginObject();
        assertEquals("a", r.nextKey());
        r.skipValue();
        JsonException e = assertThrows(JsonException.class, r::nextKey);
        assertEquals(7, e.offset());
    }

    @Test
    void streaming_missingCommaAndTrailingData_rejected() throws JsonException {
        JsonReader r = new JsonReader(new ByteArrayInputStream(bytes("{\"a\":1 \"b\":2}")), 100);
        r.beginObject();
        r.nextKey();
        r.readValue();
        assertEquals(7, assertThrows(JsonException.class, r::nextKey).offset());

        JsonReader t = new JsonReader(new ByteArrayInputStream(bytes("{} []")), 100);
        t.beginObject();
        assertNull(t.nextKey());
        assertEquals(3, assertThrows(JsonException.class, t::expectEnd).offset());

        JsonReader n = new JsonReader(new ByteArrayInputStream(bytes("  [1]")), 100);
        assertEquals(2, assertThrows(JsonException.class, n::beginObject).offset());
    }

    @Test
    void parse_neverThrowsUncheckedOnTruncatedInput() {
        // Every prefix of a valid document is either a complete value or a JsonException, never a crash.
        byte[] doc = bytes("{\"a\":[1,-2,\"\\ud83d\\ude00é\\n\",{\"b\":null}],\"c\":true,\"d\":false}");
        for (int n = 0; n < doc.length; n++) {
            byte[] prefix = Arrays.copyOf(doc, n);
            try {
                JsonReader.parse(prefix);
                fail("prefix of length " + n + " accepted");
            } catch (JsonException e) {
                assertTrue(e.offset() >= 0 && e.offset() <= n, "offset " + e.offset() + " for length " + n);
            }
        }
    }

    /** An input stream that hands out one byte per read call. */
    static final class OneByteStream extends InputStream {
        private final byte[] data;
        private int i;

        OneByteStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            return i < data.length ? data[i++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) return 0;
            if (i >= data.length) return -1;
            b[off] = data[i++];
            return 1;
        }
    }
}
