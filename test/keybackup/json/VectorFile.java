package keybackup.json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, lenient JSON reader for the vector files only, independent of the code under test. It has
 * to be lenient: canonical-json.json records another-json's output for a lone-surrogate input, so the
 * file itself holds {@code "\ud800"} escapes that the strict {@link JsonReader} rightly rejects.
 * Values: {@code Map<String,Object>} (ordered), {@code List<Object>}, {@code String} (may hold lone
 * surrogates), {@code Long} or {@code BigInteger}, {@code Boolean}, {@code null}. Floats are not
 * expected in these files and fail.
 */
public final class VectorFile {
    private final String s;
    private int i;

    private VectorFile(String s) {
        this.s = s;
    }

    /** Reads a vector file relative to the worktree root (the tests' working directory). */
    public static Map<String, Object> load(String path) {
        try {
            return map(new VectorFile(Files.readString(Path.of(path), StandardCharsets.UTF_8)).document());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    /** The array {@code key} of {@code o}, as maps. */
    public static List<Map<String, Object>> maps(Map<String, Object> o, String key) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object e : list(o.get(key))) out.add(map(e));
        return out;
    }

    /** Converts a value read here into the model under test (fails on lone surrogates, out-of-range numbers). */
    public static Json toJson(Object o) {
        if (o instanceof Map<?, ?> m) {
            LinkedHashMap<String, Json> members = new LinkedHashMap<>();
            m.forEach((k, v) -> members.put((String) k, toJson(v)));
            return new Json.Obj(members);
        }
        if (o instanceof List<?> l) {
            List<Json> elements = new ArrayList<>();
            for (Object e : l) elements.add(toJson(e));
            return new Json.Arr(elements);
        }
        if (o instanceof String str) return new Json.Str(str);
        if (o instanceof Long n) return new Json.Int(n);
        if (o instanceof Boolean b) return Json.of(b);
        if (o == null) return Json.Null.INSTANCE;
        throw new IllegalArgumentException("not representable: " + o);
    }

    private Object document() {
        Object v = value();
        ws();
        if (i != s.length()) throw new IllegalStateException("trailing data at " + i);
        return v;
    }

    private Object value() {
        ws();
        char c = s.charAt(i);
        if (c == '{') {
            i++;
            Map<String, Object> m = new LinkedHashMap<>();
            ws();
            if (s.charAt(i) == '}') { i++; return m; }
            while (true) {
                ws();
                String k = string();
                ws();
                expect(':');
                if (m.put(k, value()) != null) throw new IllegalStateException("duplicate key " + k);
                ws();
                if (s.charAt(i++) == '}') return m;
            }
        }
        if (c == '[') {
            i++;
            List<Object> l = new ArrayList<>();
            ws();
            if (s.charAt(i) == ']') { i++; return l; }
            while (true) {
                l.add(value());
                ws();
                if (s.charAt(i++) == ']') return l;
            }
        }
        if (c == '"') return string();
        if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
        if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
        if (s.startsWith("null", i)) { i += 4; return null; }
        int start = i;
        if (c == '-') i++;
        while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
        BigInteger n = new BigInteger(s.substring(start, i));
        return n.bitLength() < 63 ? (Object) n.longValue() : n;
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c != '\\') { b.append(c); continue; }
            char e = s.charAt(i++);
            switch (e) {
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                default: b.append(e);
            }
        }
    }

    private void expect(char c) {
        if (s.charAt(i++) != c) throw new IllegalStateException("expected " + c + " at " + (i - 1));
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
    }
}
