package keybackup.json;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Map;

/**
 * Matrix canonical JSON (spec appendix "Canonical JSON"; protocol.md §2.2), byte for byte what python
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

    /**
     * Encodes a value as canonical JSON. Never fails on a valid {@link Json}: the model holds no value that
     * canonical JSON cannot represent.
     *
     * @param value the value to encode
     * @return the canonical UTF-8 bytes, a new array owned by the caller
     */
    public static byte[] encode(Json value) {
        Sink out = new Sink();
        write(value, out);
        return java.util.Arrays.copyOf(out.bytes, out.size);
    }

    /**
     * Encodes a value as canonical JSON text, for display; sign, hash and compare {@link #encode(Json)}'s bytes.
     *
     * @param value the value to encode
     * @return the canonical form decoded back to a string
     */
    public static String encodeToString(Json value) {
        return new String(encode(value), StandardCharsets.UTF_8);
    }

    /**
     * A growing byte array. Not {@code ByteArrayOutputStream}: that one takes a lock for every byte,
     * which made encoding a signed SessionData cost more than its hashing. Growing is out of line, so
     * the JIT inlines only the store at each call site.
     */
    private static final class Sink {
        byte[] bytes = new byte[512];
        int size;

        void write(int b) {
            if (size == bytes.length) grow(1);
            bytes[size++] = (byte) b;
        }

        void write(String ascii) {
            int n = ascii.length();
            if (bytes.length - size < n) grow(n);
            for (int i = 0; i < n; i++) bytes[size++] = (byte) ascii.charAt(i);
        }

        /** Makes room for at least {@code more} further bytes. */
        void grow(int more) {
            long need = (long) size + more;
            if (need > Integer.MAX_VALUE / 2 - 8) throw new OutOfMemoryError("canonical JSON over 1 GiB");
            bytes = java.util.Arrays.copyOf(bytes, (int) Math.max(need, (long) bytes.length * 2));
        }
    }

    // One small method per kind of value: the JIT compiles each on its own, instead of one recursive
    // method that inlined every string writer into itself (60 kB of machine code, about a second of C2
    // time in every process that signs or verifies).

    private static void write(Json value, Sink out) {
        if (value instanceof Json.Str s) {
            writeString(s.value(), out);
        } else if (value instanceof Json.Obj o) {
            writeObject(o, out);
        } else if (value instanceof Json.Arr a) {
            writeArray(a, out);
        } else if (value instanceof Json.Int n) {
            out.write(Long.toString(n.value()));
        } else if (value instanceof Json.Bool b) {
            out.write(b.value() ? "true" : "false");
        } else {
            out.write("null");
        }
    }

    private static void writeObject(Json.Obj o, Sink out) {
        String[] keys = sortedKeys(o.members());
        out.write('{');
        for (int i = 0; i < keys.length; i++) {
            if (i > 0) out.write(',');
            writeString(keys[i], out);
            out.write(':');
            write(o.members().get(keys[i]), out);
        }
        out.write('}');
    }

    /** The keys in code-point order: insertion sort for the few keys of a Matrix object, the list sort beyond that. */
    private static String[] sortedKeys(Map<String, Json> members) {
        String[] keys = members.keySet().toArray(new String[0]);
        if (keys.length > 16) {
            java.util.Arrays.sort(keys, CODE_POINT_ORDER);
            return keys;
        }
        for (int i = 1; i < keys.length; i++) {
            String k = keys[i];
            int j = i - 1;
            while (j >= 0 && CODE_POINT_ORDER.compare(keys[j], k) > 0) {
                keys[j + 1] = keys[j];
                j--;
            }
            keys[j + 1] = k;
        }
        return keys;
    }

    private static void writeArray(Json.Arr a, Sink out) {
        out.write('[');
        for (int i = 0; i < a.elements().size(); i++) {
            if (i > 0) out.write(',');
            write(a.elements().get(i), out);
        }
        out.write(']');
    }

    /** A string of printable ASCII without '"' or '\\' (keys, ids, base64) is copied as it is; anything else is escaped. */
    private static void writeString(String s, Sink out) {
        int n = s.length();
        if (out.bytes.length - out.size < n + 2) out.grow(n + 2);
        byte[] b = out.bytes;
        int p = out.size;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                out.size = p;
                writeEscaped(s, i, out);
                return;
            }
            b[p++] = (byte) c;
        }
        b[p++] = '"';
        out.size = p;
    }

    /** The rest of {@code s} from {@code from}, escaped and UTF-8 encoded, and the closing quote. */
    private static void writeEscaped(String s, int from, Sink out) {
        for (int i = from; i < s.length(); i++) {
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
