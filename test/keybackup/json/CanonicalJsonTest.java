package keybackup.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Canonical JSON against the shared vectors (test/vectors/json/canonical-json.json, made with python
 * canonicaljson), the extra vectors of protocol.md §13.1 and the spec examples of protocol.md §2.6.
 */
class CanonicalJsonTest {
    static final String VECTORS = "test/vectors/json/canonical-json.json";

    static Map<String, Object> vectors() {
        return VectorFile.load(VECTORS);
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void encode_everyVectorCase_matchesPythonCanonicalBytes() throws Exception {
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Map<String, Object> cas : VectorFile.maps(vectors(), "cases")) {
            String id = (String) cas.get("id");
            n++;
            byte[] expected = hex((String) cas.get("canonical_utf8_hex"));
            // the two expected forms in the file must agree, or the file is broken
            if (!new String(expected, StandardCharsets.UTF_8).equals(cas.get("canonical"))) failures.add(id + ": canonical and hex disagree");
            try {
                byte[] actual = CanonicalJson.encode(JsonReader.parse((String) cas.get("input")));
                if (!java.util.Arrays.equals(expected, actual)) {
                    failures.add(id + ": got " + HexFormat.of().formatHex(actual) + ", expected " + (String) cas.get("canonical_utf8_hex"));
                }
                // canonical output is a fixed point
                byte[] again = CanonicalJson.encode(JsonReader.parse(expected));
                if (!java.util.Arrays.equals(expected, again)) failures.add(id + ": not a fixed point");
            } catch (JsonException | RuntimeException e) {
                failures.add(id + ": " + e);
            }
        }
        assertEquals(45, n, "case count (vectors/index.json says 45)");
        assertEquals(List.of(), failures);
    }

    @Test
    void parse_everyOutOfSpecInput_rejected() throws Exception {
        // Project decision (protocol.md §2.5, issue 01): every entry is rejected. The python_canonicaljson /
        // another_json results in the file describe the peers; they are not expectations.
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Map<String, Object> cas : VectorFile.maps(vectors(), "out_of_spec_inputs")) {
            String input = (String) cas.get("input");
            n++;
            try {
                Json v = JsonReader.parse(input);
                failures.add(cas.get("id") + ": accepted, encodes as " + CanonicalJson.encodeToString(v));
            } catch (JsonException e) {
                if (e.offset() < 0 || e.offset() >= utf8(input).length) failures.add(cas.get("id") + ": offset " + e.offset());
            }
        }
        assertEquals(15, n);
        assertEquals(List.of(), failures);
    }

    @Test
    void parse_outOfSpecNumbers_offsetIsTheNumber() throws Exception {
        // Each of these inputs is {"a": NUMBER}: the number starts at byte 6.
        for (String id : List.of("float-one-point-zero", "float-fraction", "float-negative-zero", "exponent-int-valued",
                "exponent-small", "float-huge", "int-2^53", "int-minus-2^53", "int-2^64", "float-overflow",
                "nan-literal", "infinity-literal")) {
            String input = (String) outOfSpec(id).get("input");
            JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse(input), id);
            assertEquals(6, e.offset(), id + ": " + e.getMessage());
        }
        assertEquals(9, assertThrows(JsonException.class, () -> JsonReader.parse((String) outOfSpec("duplicate-keys").get("input"))).offset());
        assertEquals(7, assertThrows(JsonException.class, () -> JsonReader.parse((String) outOfSpec("lone-high-surrogate").get("input"))).offset());
        assertEquals(2, assertThrows(JsonException.class, () -> JsonReader.parse((String) outOfSpec("lone-low-surrogate-key").get("input"))).offset());
    }

    static Map<String, Object> outOfSpec(String id) {
        for (Map<String, Object> c : VectorFile.maps(vectors(), "out_of_spec_inputs")) {
            if (id.equals(c.get("id"))) return c;
        }
        throw new AssertionError("no out_of_spec_inputs entry " + id);
    }

    @Test
    void parse_vectorFileItself_rejectedForItsLoneSurrogateEscape() throws Exception {
        // The file records another-json's output for a lone-surrogate input as "\ud800": a strict
        // reader must refuse the file, which is why the tests read it with VectorFile.
        byte[] file = Files.readAllBytes(Path.of(VECTORS));
        JsonException e = assertThrows(JsonException.class, () -> JsonReader.parse(file));
        assertTrue(e.getMessage().startsWith("lone surrogate"), e.getMessage());
    }

    @Test
    void encode_digest08ControlCharacterVector_exactBytes() {
        String s = "\u0000\u0001\u0008\u0009\n\u000b\u000c\r\u001f \u007f\u2028\u2029\"\\/\u00e9\uD83D\uDE00";
        assertArrayEquals(hex("7b2261223a225c75303030305c75303030315c625c745c6e5c75303030625c665c725c7530303166207fe280a8e280a95c225c5c2fc3a9f09f9880227d"),
                CanonicalJson.encode(Json.obj("a", Json.of(s))));
    }

    @Test
    void encode_digest08KeyOrderVector_codePointOrder() {
        Json.Obj o = Json.obj("\uff61", Json.of(1), "\uD83D\uDE00", Json.of(2), "a", Json.of(3), "B", Json.of(4),
                "", Json.of(5), "\u00e9", Json.of(6), "aa", Json.of(7), "a\u0000", Json.of(8));
        assertArrayEquals(hex("7b22223a352c2242223a342c2261223a332c22615c7530303030223a382c226161223a372c22c3a9223a362c22efbda1223a312c22f09f9880223a327d"),
                CanonicalJson.encode(o));
    }

    @Test
    void encode_digest08RangeLimitsVector_exactBytes() {
        Json.Obj o = Json.obj("n", Json.arr(List.of(Json.of(9007199254740991L), Json.of(-9007199254740991L), Json.of(0),
                Json.of(true), Json.of(false), Json.Null.INSTANCE, Json.arr(List.of()), new Json.Obj(Map.of()))), "s", Json.of(""));
        assertArrayEquals(hex("7b226e223a5b393030373139393235343734303939312c2d393030373139393235343734303939312c302c747275652c66616c73652c6e756c6c2c5b5d2c7b7d5d2c2273223a22227d"),
                CanonicalJson.encode(o));
    }

    @Test
    void encode_specExamples_digest01Section16() throws JsonException {
        String[][] examples = {
            {"{}", "{}"},
            {"{\"one\": 1, \"two\": \"Two\"}", "{\"one\":1,\"two\":\"Two\"}"},
            {"{\"b\": \"2\", \"a\": \"1\"}", "{\"a\":\"1\",\"b\":\"2\"}"},
            {"{\"auth\": {\"success\": true, \"mxid\": \"@john.doe:example.com\", \"profile\": {\"display_name\": \"John Doe\","
                + " \"three_pids\": [{\"medium\": \"email\", \"address\": \"john.doe@example.org\"},"
                + " {\"medium\": \"msisdn\", \"address\": \"123456789\"}]}}}",
             "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":\"John Doe\",\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":\"email\"},{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}"},
            {"{\"a\": \"日本語\"}", "{\"a\":\"日本語\"}"},
            {"{\"本\": 2, \"日\": 1}", "{\"日\":1,\"本\":2}"},
            {"{\"a\": \"\\u65E5\"}", "{\"a\":\"日\"}"},
            {"{\"a\": null}", "{\"a\":null}"},
            {"{\"a\": -0}", "{\"a\":0}"},
        };
        for (String[] ex : examples) assertArrayEquals(utf8(ex[1]), CanonicalJson.encode(JsonReader.parse(ex[0])), ex[0]);
        // The spec maps {"a": -0, "b": 1e10} to {"a":0,"b":10000000000}; this project rejects the exponent.
        assertEquals(15, assertThrows(JsonException.class, () -> JsonReader.parse("{\"a\": -0, \"b\": 1e10}")).offset());
    }

    @Test
    void codePointOrder_bmpHighVersusSupplementary_bmpFirst() {
        // protocol.md §2.3: U+FF61 < U+1F600 by code point, although String.compareTo says the opposite.
        assertTrue("\uD83D\uDE00".compareTo("\uff61") < 0, "premise: UTF-16 order is the wrong one");
        assertTrue(CanonicalJson.CODE_POINT_ORDER.compare("\uff61", "\uD83D\uDE00") < 0);
        assertTrue(CanonicalJson.CODE_POINT_ORDER.compare("\ue000", "\uD800\uDC00") < 0);
        assertTrue(CanonicalJson.CODE_POINT_ORDER.compare("a", "a\u0000") < 0);
        assertTrue(CanonicalJson.CODE_POINT_ORDER.compare("a\u0000", "aa") < 0);
        assertEquals(0, CanonicalJson.CODE_POINT_ORDER.compare("x\uD83D\uDE00", "x\uD83D\uDE00"));
    }

    @Test
    void encode_insertionOrderIgnored_keysSorted() {
        LinkedHashMap<String, Json> m = new LinkedHashMap<>();
        m.put("\uD83D\uDD11", Json.of(1));
        m.put("\uf900", Json.of(2));
        m.put("k", Json.of(0));
        assertArrayEquals(utf8("{\"k\":0,\"\uf900\":2,\"\uD83D\uDD11\":1}"), CanonicalJson.encode(new Json.Obj(m)));
    }

    @Test
    void valueTypes_outOfModelValues_rejected() {
        // The model cannot hold what canonical JSON cannot write.
        assertThrows(IllegalArgumentException.class, () -> new Json.Str("a\ud800"));
        assertThrows(IllegalArgumentException.class, () -> new Json.Str("\udc00a"));
        assertThrows(IllegalArgumentException.class, () -> new Json.Str("\uDE00\uD83D"));
        assertThrows(IllegalArgumentException.class, () -> new Json.Int(9007199254740992L));
        assertThrows(IllegalArgumentException.class, () -> new Json.Int(-9007199254740992L));
        assertThrows(IllegalArgumentException.class, () -> new Json.Int(Long.MIN_VALUE));
    }
}
