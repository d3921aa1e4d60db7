package keybackup.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import keybackup.json.Json;

/**
 * Random JSON trees for canonical-JSON interop cases, and a deliberately non-canonical writer for them
 * (random whitespace, members in insertion order, random {@code \}{@code u} escapes), so the parser is
 * exercised along with the encoder. Characters are drawn mostly from the ones canonical JSON treats
 * specially: C0 controls, quote and backslash, U+007F, U+2028/2029, the BMP edge around the surrogate
 * range (where code-point and UTF-16 order disagree) and supplementary characters.
 */
final class RandomJson {
    private static final int[] SPECIAL = {
        0x00, 0x01, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1F, '"', '\\', '/', ' ', 'a', 'A', 'z', '~', 0x7F,
        0x80, 0xE9, 0x3A9, 0x65E5, 0x2028, 0x2029, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFF,
        0x10000, 0x1F600, 0x1F601, 0x10FFFF,
    };
    private static final String[] SPACE = {"", "", "", " ", "\n", "\t", "\r\n", "  "};

    private final Random rnd;

    RandomJson(long seed) {
        this.rnd = new Random(seed);
    }

    /** A random object (the usual top level of Matrix JSON) of nesting depth at most {@code depth}. */
    Json.Obj object(int depth) {
        Map<String, Json> members = new LinkedHashMap<>();
        int n = rnd.nextInt(6);
        for (int i = 0; i < n; i++) members.putIfAbsent(string(4), value(depth - 1)); // no duplicate keys
        return new Json.Obj(members);
    }

    Json value(int depth) {
        int kind = rnd.nextInt(depth > 0 ? 7 : 5);
        switch (kind) {
            case 0: return Json.of(string(8));
            case 1: return Json.of(integer());
            case 2: return Json.of(rnd.nextBoolean());
            case 3: return Json.Null.INSTANCE;
            case 4: return Json.of(string(2));
            case 5: return object(depth);
            default:
                List<Json> elements = new ArrayList<>();
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) elements.add(value(depth - 1));
                return Json.arr(elements);
        }
    }

    private long integer() {
        switch (rnd.nextInt(4)) {
            case 0: return Json.MAX_INTEGER;
            case 1: return -Json.MAX_INTEGER;
            case 2: return rnd.nextInt(201) - 100;
            default: return rnd.nextLong() % (Json.MAX_INTEGER + 1);
        }
    }

    /** Up to {@code maxLength} code points, mostly special ones, some plain ASCII letters. */
    private String string(int maxLength) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(maxLength + 1);
        for (int i = 0; i < n; i++) {
            int cp = rnd.nextInt(3) == 0 ? 'a' + rnd.nextInt(26) : SPECIAL[rnd.nextInt(SPECIAL.length)];
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /** Valid JSON text for {@code v} that is as far from canonical as the value allows. */
    String loose(Json v) {
        StringBuilder sb = new StringBuilder();
        writeLoose(v, sb);
        return sb.toString();
    }

    private void writeLoose(Json v, StringBuilder sb) {
        sb.append(SPACE[rnd.nextInt(SPACE.length)]);
        if (v instanceof Json.Obj o) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Json> e : o.members().entrySet()) {
                if (!first) sb.append(',');
                first = false;
                sb.append(SPACE[rnd.nextInt(SPACE.length)]);
                writeLooseString(e.getKey(), sb);
                sb.append(SPACE[rnd.nextInt(SPACE.length)]).append(':');
                writeLoose(e.getValue(), sb);
            }
            sb.append(SPACE[rnd.nextInt(SPACE.length)]).append('}');
        } else if (v instanceof Json.Arr a) {
            sb.append('[');
            for (int i = 0; i < a.elements().size(); i++) {
                if (i > 0) sb.append(',');
                writeLoose(a.elements().get(i), sb);
            }
            sb.append(SPACE[rnd.nextInt(SPACE.length)]).append(']');
        } else if (v instanceof Json.Str s) {
            writeLooseString(s.value(), sb);
        } else if (v instanceof Json.Int n) {
            sb.append(n.value());
        } else if (v instanceof Json.Bool b) {
            sb.append(b.value());
        } else {
            sb.append("null");
        }
        sb.append(SPACE[rnd.nextInt(SPACE.length)]);
    }

    /**
     * Escapes what JSON requires, plus a random quarter of the other characters as \\u escapes (a surrogate pair for a
     * supplementary one).
     */
    private void writeLooseString(String s, StringBuilder sb) {
        sb.append('"');
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp < 0x20 || rnd.nextInt(4) == 0) {
                for (char c : Character.toChars(cp)) sb.append(String.format(rnd.nextBoolean() ? "\\u%04x" : "\\u%04X",
                        (int) c));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        sb.append('"');
    }
}
