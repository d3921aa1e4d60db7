package keybackup.json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Matrix canonical JSON (spec appendix "Canonical JSON"; digest 01 §1.2), byte for byte what python
 * canonicaljson writes: no whitespace, object keys ordered by Unicode code point, UTF-8, the short
 * escapes {@code \" \\ \b \t \n \f \r}, other C0 controls as lowercase {@code \}{@code u00xx}, and
 * every other character raw (including U+007F, U+2028 and supplementary characters).
 */
public final class CanonicalJson {
    private CanonicalJson() {}

    /**
     * Code-point order. Not {@link String#compareTo}: that compares UTF-16 units and puts a
     * supplementary character (surrogates D800–DFFF) before U+E000–U+FFFF.
     */
    public static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** The canonical UTF-8 bytes of {@code value}. */
    public static byte[] encode(Json value) {
        Sink out = new Sink();
        write(value, out);
        return java.util.Arrays.copyOf(out.bytes, out.size);
    }

    /** The canonical form as a Java string (for display; sign and compare the bytes). */
    public static String encodeToString(Json value) {
        return new String(encode(value), StandardCharsets.UTF_8);
    }

    /**
     * A growing byte array. Not {@code ByteArrayOutputStream}: that one takes a lock for every byte,
     * which made encoding a signed SessionData cost more than its hashing.
     */
    private static final class Sink {
        byte[] bytes = new byte[512];
        int size;

        void write(int b) {
            if (size == bytes.length) {
                if (size > Integer.MAX_VALUE / 2 - 8) throw new OutOfMemoryError("canonical JSON over 1 GiB");
                bytes = java.util.Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = (byte) b;
        }

        void write(String ascii) {
            for (int i = 0; i < ascii.length(); i++) write(ascii.charAt(i));
        }
    }

    private static void write(Json value, Sink out) {
        if (value instanceof Json.Obj o) {
            List<Map.Entry<String, Json>> entries = new ArrayList<>(o.members().entrySet());
            entries.sort(Map.Entry.comparingByKey(CODE_POINT_ORDER));
            out.write('{');
            boolean first = true;
            for (Map.Entry<String, Json> e : entries) {
                if (!first) out.write(',');
                first = false;
                writeString(e.getKey(), out);
                out.write(':');
                write(e.getValue(), out);
            }
            out.write('}');
        } else if (value instanceof Json.Arr a) {
            out.write('[');
            for (int i = 0; i < a.elements().size(); i++) {
                if (i > 0) out.write(',');
                write(a.elements().get(i), out);
            }
            out.write(']');
        } else if (value instanceof Json.Str s) {
            writeString(s.value(), out);
        } else if (value instanceof Json.Int n) {
            out.write(Long.toString(n.value()));
        } else if (value instanceof Json.Bool b) {
            out.write(b.value() ? "true" : "false");
        } else {
            out.write("null");
        }
    }

    private static void writeString(String s, Sink out) {
        out.write('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.write('\\');
                out.write(c);
            } else if (c < 0x20) {
                out.write('\\');
                switch (c) {
                    case '\b': out.write('b'); break;
                    case '\t': out.write('t'); break;
                    case '\n': out.write('n'); break;
                    case '\f': out.write('f'); break;
                    case '\r': out.write('r'); break;
                    default:
                        out.write('u');
                        out.write('0');
                        out.write('0');
                        out.write(HEX[c >> 4]);
                        out.write(HEX[c & 0xf]);
                }
            } else if (c < 0x80) {
                out.write(c);
            } else if (c < 0x800) {
                out.write(0xC0 | c >> 6);
                out.write(0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c)) {
                // Json.Str guarantees a low surrogate follows.
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.write(0xF0 | cp >> 18);
                out.write(0x80 | cp >> 12 & 0x3F);
                out.write(0x80 | cp >> 6 & 0x3F);
                out.write(0x80 | cp & 0x3F);
            } else {
                out.write(0xE0 | c >> 12);
                out.write(0x80 | c >> 6 & 0x3F);
                out.write(0x80 | c & 0x3F);
            }
        }
        out.write('"');
    }
}
