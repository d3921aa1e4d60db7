package keybackup.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomized round trips with a fixed seed. Random trees hold the characters that matter: C0 controls,
 * DEL, U+2028/U+2029, BMP characters above the surrogates (U+E000–U+FFFF) and supplementary characters,
 * as values and as keys. Properties: parse(encode(x)) == x; the canonical bytes do not depend on key
 * order, whitespace or escaping in the input; and they equal the output of a small oracle written here
 * straight from protocol.md §2.2 (keys compared as unsigned UTF-8 bytes, the escape table).
 */
class RoundTripTest {
    static final long SEED = 0x6B657962L; // fixed: failures are reproducible
    static final int TREES = 600;

    // Characters drawn for strings and keys.
    static final int[] INTERESTING = {
        0x00, 0x01, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1F, 0x20, '"', '\\', '/', 'a', 'b', 'B', '~', 0x7F,
        0x80, 0x9F, 0xE9, 0x65E5, 0xD7FF, 0x2028, 0x2029, 0xFEFF, 0xE000, 0xF900, 0xFF61, 0xFFFD, 0xFFFF,
        0x10000, 0x1D11E, 0x1F600, 0x1F511, 0x10FFFF,
    };

    final Random random = new Random(SEED);

    @Test
    void roundTrip_randomTrees_parseOfEncodeIsIdentity() throws JsonException {
        List<String> failures = new ArrayList<>();
        for (int t = 0; t < TREES; t++) {
            Json x = randomValue(0);
            byte[] canonical = CanonicalJson.encode(x);
            Json back = JsonReader.parse(canonical);
            if (!x.equals(back)) failures.add("tree " + t + ": " + new String(canonical, StandardCharsets.UTF_8));
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void canonical_randomTreesWrittenLoosely_sameBytesAsOracle() throws JsonException {
        List<String> failures = new ArrayList<>();
        for (int t = 0; t < TREES; t++) {
            Json x = randomValue(0);
            byte[] expected = oracle(x);
            byte[] canonical = CanonicalJson.encode(x);
            if (!Arrays.equals(expected, canonical)) failures.add("tree " + t + ": encoder differs from the oracle");
            for (int variant = 0; variant < 3; variant++) {
                StringBuilder loose = new StringBuilder();
                writeLoosely(x, loose);
                byte[] reparsed = CanonicalJson.encode(JsonReader.parse(loose.toString()));
                if (!Arrays.equals(expected, reparsed)) failures.add("tree " + t + " variant " + variant + ": " + loose);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void canonical_keysInE000ToFFFFAndSupplementary_sortedByCodePoint() {
        // The case String.compareTo gets wrong, many times over with random neighbours.
        List<String> failures = new ArrayList<>();
        for (int t = 0; t < 200; t++) {
            LinkedHashMap<String, Json> m = new LinkedHashMap<>();
            while (m.size() < 6) {
                String prefix = random.nextBoolean() ? "" : "k";
                int cp = random.nextBoolean() ? 0xE000 + random.nextInt(0x2000) : 0x10000 + random.nextInt(0x10000);
                m.put(prefix + new String(Character.toChars(cp)), Json.of(m.size()));
            }
            Json.Obj o = new Json.Obj(m);
            if (!Arrays.equals(oracle(o), CanonicalJson.encode(o))) failures.add(CanonicalJson.encodeToString(o));
        }
        assertEquals(List.of(), failures);
    }

    // ---- random trees ----

    Json randomValue(int depth) {
        int kind = random.nextInt(depth > 4 ? 4 : 6);
        switch (kind) {
            case 0: return new Json.Str(randomString(12));
            case 1: return Json.of(randomInteger());
            case 2: return random.nextBoolean() ? Json.of(random.nextBoolean()) : Json.Null.INSTANCE;
            case 3: return new Json.Str(randomString(3));
            case 4: {
                List<Json> l = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) l.add(randomValue(depth + 1));
                return new Json.Arr(l);
            }
            default: {
                LinkedHashMap<String, Json> m = new LinkedHashMap<>();
                for (int i = random.nextInt(6); i > 0; i--) m.put(randomString(4), randomValue(depth + 1));
                return new Json.Obj(m);
            }
        }
    }

    long randomInteger() {
        switch (random.nextInt(4)) {
            case 0: return Json.MAX_INTEGER;
            case 1: return -Json.MAX_INTEGER;
            case 2: return random.nextInt(21) - 10;
            default: return (random.nextLong() % Json.MAX_INTEGER);
        }
    }

    String randomString(int maxLength) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
            int cp = random.nextInt(3) == 0 ? 0x20 + random.nextInt(0x5F) : INTERESTING[random.nextInt(INTERESTING.length)];
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    // ---- non-canonical writer: shuffled keys, random whitespace, random (valid) escapes ----

    void writeLoosely(Json v, StringBuilder out) {
        space(out);
        if (v instanceof Json.Obj o) {
            List<Map.Entry<String, Json>> entries = new ArrayList<>(o.members().entrySet());
            Collections.shuffle(entries, random);
            out.append('{');
            for (int i = 0; i < entries.size(); i++) {
                if (i > 0) out.append(',');
                space(out);
                writeStringLoosely(entries.get(i).getKey(), out);
                space(out);
                out.append(':');
                writeLoosely(entries.get(i).getValue(), out);
            }
            space(out);
            out.append('}');
        } else if (v instanceof Json.Arr a) {
            out.append('[');
            for (int i = 0; i < a.elements().size(); i++) {
                if (i > 0) out.append(',');
                writeLoosely(a.elements().get(i), out);
            }
            space(out);
            out.append(']');
        } else if (v instanceof Json.Str s) {
            writeStringLoosely(s.value(), out);
        } else if (v instanceof Json.Int n) {
            out.append(n.value() == 0 && random.nextBoolean() ? "-0" : Long.toString(n.value()));
        } else if (v instanceof Json.Bool b) {
            out.append(b.value());
        } else {
            out.append("null");
        }
        space(out);
    }

    void space(StringBuilder out) {
        String[] ws = {"", "", " ", "\n", "\t", "\r\n  "};
        out.append(ws[random.nextInt(ws.length)]);
    }

    void writeStringLoosely(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean mustEscape = c < 0x20 || c == '"' || c == '\\';
            boolean pair = Character.isHighSurrogate(c);
            if (mustEscape || random.nextInt(4) == 0) {
                String format = random.nextBoolean() ? "\\u%04x" : "\\u%04X";
                if (c == '/' && random.nextBoolean()) out.append("\\/");
                else out.append(String.format(format, (int) c));
                if (pair) out.append(String.format(format, (int) s.charAt(++i))); // a pair is escaped as two escapes
            } else {
                out.append(c);
                if (pair) out.append(s.charAt(++i));
            }
        }
        out.append('"');
    }

    // ---- oracle: protocol.md §2.2, written independently of CanonicalJson ----

    static byte[] oracle(Json v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        oracle(v, out);
        return out.toByteArray();
    }

    static void oracle(Json v, ByteArrayOutputStream out) {
        if (v instanceof Json.Obj o) {
            List<String> keys = new ArrayList<>(o.members().keySet());
            // "Equivalent rule: compare the UTF-8 encodings of the keys as unsigned byte strings."
            keys.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
            out.write('{');
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) out.write(',');
                oracleString(keys.get(i), out);
                out.write(':');
                oracle(o.get(keys.get(i)), out);
            }
            out.write('}');
        } else if (v instanceof Json.Arr a) {
            out.write('[');
            for (int i = 0; i < a.elements().size(); i++) {
                if (i > 0) out.write(',');
                oracle(a.elements().get(i), out);
            }
            out.write(']');
        } else if (v instanceof Json.Str s) {
            oracleString(s.value(), out);
        } else {
            String text = v instanceof Json.Int n ? Long.toString(n.value()) : v instanceof Json.Bool b ? Boolean.toString(b.value()) : "null";
            out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        }
    }

    static void oracleString(String s, ByteArrayOutputStream out) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case 0x08: sb.append("\\b"); break;
                case 0x09: sb.append("\\t"); break;
                case 0x0A: sb.append("\\n"); break;
                case 0x0C: sb.append("\\f"); break;
                case 0x0D: sb.append("\\r"); break;
                default:
                    if (cp < 0x20) sb.append(String.format("\\u%04x", cp));
                    else sb.appendCodePoint(cp);
            }
        });
        sb.append('"');
        out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
