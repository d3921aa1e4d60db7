package keybackup.json;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A strict, streaming JSON reader over UTF-8 bytes (RFC 8259 restricted to what Matrix canonical JSON
 * can represent). {@link #readValue()} reads a whole value; {@link #beginObject()} and
 * {@link #nextKey()} walk an object member by member, so a 1 GB {@code GET /room_keys/keys} response can
 * be consumed without holding it in memory.
 *
 * <p>Rejected, each with a {@link JsonException} naming the byte offset: invalid UTF-8 (overlong forms,
 * surrogates, code points above U+10FFFF), a byte-order mark, raw control characters in strings, lone
 * surrogates (also written as {@code \}{@code u} escapes), duplicate object keys (two parsers could
 * otherwise see different values under one signature), numbers with a fraction or exponent, integers
 * outside ±(2^53−1), {@code NaN}/{@code Infinity}, nesting deeper than {@link #MAX_DEPTH}, trailing
 * data, and input longer than the reader's byte limit.
 */
public final class JsonReader implements AutoCloseable {

    /** Deepest nesting accepted; no Matrix object used here nests more than about 10 levels. */
    public static final int MAX_DEPTH = 64;
    /**
     * Most members of one object walked with {@link #nextKey()}: the duplicate check keeps every key of
     * the open object, so an endless object from a hostile server would otherwise fill memory.
     */
    public static final int MAX_STREAMED_MEMBERS = 1_000_000;
    /** Default limit for one document (a SessionData, an auth_data, a /keys/query response, CLI stdin). */
    public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

    private final InputStream in;
    private final long maxBytes;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;
    private long consumed; // bytes before buf[0]
    private int depth;
    private long maxValueBytes = Long.MAX_VALUE;
    private int maxMembers = MAX_STREAMED_MEMBERS;
    private long valueStart;
    private int valueNesting;
    private final StringBuilder sb = new StringBuilder();
    /** Keys seen so far at each object level opened with beginObject(), for duplicate detection. */
    private final List<Set<String>> streamedKeys = new ArrayList<>();

    public JsonReader(InputStream in, long maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** Parses one complete JSON document of at most {@link #DEFAULT_MAX_BYTES} bytes. */
    public static Json parse(byte[] utf8) throws JsonException {
        return parse(utf8, DEFAULT_MAX_BYTES);
    }

    /** Parses one complete JSON document of at most {@code maxBytes} bytes. */
    public static Json parse(byte[] utf8, long maxBytes) throws JsonException {
        if (utf8.length > maxBytes) throw new JsonException("input is " + utf8.length + " bytes, over the limit of " + maxBytes, maxBytes);
        try (JsonReader r = new JsonReader(new ByteArrayInputStream(utf8), maxBytes)) {
            Json v = r.readValue();
            r.expectEnd();
            return v;
        }
    }

    /** Parses a document given as text; a lone surrogate in the text is rejected. */
    public static Json parse(String text) throws JsonException {
        return parse(Utf8.encode(text));
    }

    /** Parses a document that must be a JSON object. */
    public static Json.Obj parseObject(byte[] utf8) throws JsonException {
        if (parse(utf8) instanceof Json.Obj o) return o;
        throw new JsonException("expected a JSON object", 0);
    }

    /**
     * Streaming: caps every value read with {@link #readValue()} (and every key read with {@link #nextKey()})
     * at {@code maxBytes}, so one hostile member of a huge response cannot exhaust memory.
     */
    public void limitValues(long maxBytes) {
        this.maxValueBytes = maxBytes;
    }

    /** Streaming: a lower member limit than {@link #MAX_STREAMED_MEMBERS} (tests). */
    void limitMembers(int max) {
        this.maxMembers = max;
    }

    /** Reads the next complete value. */
    public Json readValue() throws JsonException {
        if (valueNesting++ == 0) valueStart = offset();
        try {
            return readValueUnlimited();
        } finally {
            valueNesting--;
        }
    }

    private Json readValueUnlimited() throws JsonException {
        int c = skipWhitespace();
        long at = offset();
        switch (c) {
            case '{': {
                pos++;
                enter(at);
                Members members = new Members();
                if (skipWhitespace() == '}') {
                    pos++;
                    depth--;
                    return new Json.Obj(members);
                }
                while (true) {
                    long keyAt = offset();
                    String key = readKey();
                    Json value = readValue();
                    if (members.put(key, value) != null) throw error("duplicate key \"" + printable(key) + "\"", keyAt);
                    int d = skipWhitespace();
                    pos++;
                    if (d == '}') break;
                    if (d != ',') throw error("expected ',' or '}'", offset() - 1);
                    if (skipWhitespace() != '"') throw error("expected a string key", offset());
                }
                depth--;
                return new Json.Obj(members);
            }
            case '[': {
                pos++;
                enter(at);
                List<Json> elements = new ArrayList<>();
                if (skipWhitespace() == ']') {
                    pos++;
                    depth--;
                    return new Json.Arr(elements);
                }
                while (true) {
                    elements.add(readValue());
                    int d = skipWhitespace();
                    pos++;
                    if (d == ']') break;
                    if (d != ',') throw error("expected ',' or ']'", offset() - 1);
                }
                depth--;
                return new Json.Arr(elements);
            }
            case '"':
                return new Json.Str(readString());
            case 't':
                literal("true");
                return Json.Bool.TRUE;
            case 'f':
                literal("false");
                return Json.Bool.FALSE;
            case 'n':
                literal("null");
                return Json.Null.INSTANCE;
            case -1:
                throw error("unexpected end of input", at);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return readInteger();
                throw error("unexpected character " + describe(c), at);
        }
    }

    /** Streaming: consumes the '{' of an object. Follow with {@link #nextKey()} until it returns null. */
    public void beginObject() throws JsonException {
        long at = offset();
        if (skipWhitespace() != '{') throw error("expected a JSON object", offset());
        pos++;
        enter(at);
        streamedKeys.add(new HashSet<>());
    }

    /**
     * Streaming: the next member's key of the object opened by {@link #beginObject()}, with the reader
     * positioned at its value (read it with {@link #readValue()}, {@link #beginObject()} or
     * {@link #skipValue()}); null after the closing '}'.
     */
    public String nextKey() throws JsonException {
        Set<String> seen = streamedKeys.get(streamedKeys.size() - 1);
        int c = skipWhitespace();
        if (!seen.isEmpty()) {
            pos++;
            if (c == '}') return endStreamedObject();
            if (c != ',') throw error("expected ',' or '}'", offset() - 1);
            c = skipWhitespace();
        } else if (c == '}') {
            pos++;
            return endStreamedObject();
        }
        long keyAt = offset();
        if (c != '"') throw error("expected a string key", keyAt);
        String key;
        if (valueNesting++ == 0) valueStart = keyAt;
        try {
            key = readKey();
        } finally {
            valueNesting--;
        }
        if (seen.size() >= maxMembers) throw error("object with more than " + maxMembers + " members", keyAt);
        if (!seen.add(key)) throw error("duplicate key \"" + printable(key) + "\"", keyAt);
        return key;
    }

    /** Streaming: reads and discards the next value (still fully validated). */
    public void skipValue() throws JsonException {
        readValue();
    }

    /** Requires that only whitespace remains. */
    public void expectEnd() throws JsonException {
        if (skipWhitespace() != -1) throw error("trailing data after the JSON value", offset());
    }

    /** Bytes consumed so far. */
    public long offset() {
        return consumed + pos;
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // nothing useful to do: the input is no longer needed
        }
    }

    // ---- internals ----

    private String endStreamedObject() {
        streamedKeys.remove(streamedKeys.size() - 1);
        depth--;
        return null;
    }

    private void enter(long at) throws JsonException {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH, at);
    }

    private String readKey() throws JsonException {
        if (skipWhitespace() != '"') throw error("expected a string key", offset());
        String key = readString();
        if (skipWhitespace() != ':') throw error("expected ':'", offset());
        pos++;
        return key;
    }

    private void literal(String word) throws JsonException {
        long at = offset();
        for (int i = 0; i < word.length(); i++) {
            if (peek() != word.charAt(i)) throw error("invalid literal (expected " + word + ")", at);
            pos++;
        }
    }

    private Json readInteger() throws JsonException {
        long at = offset();
        boolean negative = false;
        if (peek() == '-') {
            negative = true;
            pos++;
        }
        int c = peek();
        if (c < '0' || c > '9') throw error("invalid number", at);
        long value = 0;
        int digits = 0;
        if (c == '0') {
            pos++;
            digits = 1;
            c = peek();
            if (c >= '0' && c <= '9') throw error("leading zero in number", at);
        } else {
            while (c >= '0' && c <= '9') {
                if (++digits > 16) throw error("integer outside ±(2^53−1)", at);
                value = value * 10 + (c - '0');
                pos++;
                c = peek();
            }
        }
        if (c == '.' || c == 'e' || c == 'E') throw error("number with a fraction or exponent (only integers are allowed)", at);
        if (value > Json.MAX_INTEGER) throw error("integer outside ±(2^53−1)", at);
        return new Json.Int(negative ? -value : value); // the literal -0 reads as 0
    }

    private String readString() throws JsonException {
        pos++; // opening quote
        // Fast path: a string of plain ASCII that ends inside the buffer (keys, base64, ids) is made in
        // one step from the bytes; anything else takes the general loop below from the start.
        for (int i = pos; i < lim; i++) {
            int b = buf[i];
            if (b == '"') {
                String str = new String(buf, pos, i - pos, java.nio.charset.StandardCharsets.ISO_8859_1);
                pos = i + 1;
                return str;
            }
            if (b < 0x20 || b == '\\') break; // negative (non-ASCII) bytes are below 0x20 too
        }
        sb.setLength(0);
        while (true) {
            if (pos >= lim && !fill()) throw error("unterminated string", offset());
            int b = buf[pos] & 0xff;
            if (b == '"') {
                pos++;
                return sb.toString();
            }
            if (b == '\\') {
                readEscape();
            } else if (b < 0x20) {
                throw error("raw control character in string (must be escaped)", offset());
            } else if (b < 0x80) {
                sb.append((char) b);
                pos++;
            } else {
                sb.appendCodePoint(readUtf8(b));
            }
        }
    }

    private void readEscape() throws JsonException {
        long at = offset();
        pos++;
        int c = peek();
        pos++;
        switch (c) {
            case '"': sb.append('"'); return;
            case '\\': sb.append('\\'); return;
            case '/': sb.append('/'); return;
            case 'b': sb.append('\b'); return;
            case 'f': sb.append('\f'); return;
            case 'n': sb.append('\n'); return;
            case 'r': sb.append('\r'); return;
            case 't': sb.append('\t'); return;
            case 'u': break;
            default: throw error("invalid escape", at);
        }
        char u = (char) hex4(at);
        if (Character.isHighSurrogate(u)) {
            if (peek() != '\\') throw error("lone surrogate \\u" + Integer.toHexString(u), at);
            pos++;
            if (peek() != 'u') throw error("lone surrogate \\u" + Integer.toHexString(u), at);
            pos++;
            char low = (char) hex4(at);
            if (!Character.isLowSurrogate(low)) throw error("lone surrogate \\u" + Integer.toHexString(u), at);
            sb.append(u).append(low);
        } else if (Character.isLowSurrogate(u)) {
            throw error("lone surrogate \\u" + Integer.toHexString(u), at);
        } else {
            sb.append(u);
        }
    }

    private int hex4(long at) throws JsonException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int c = peek();
            int d = Character.digit(c, 16);
            if (c < 0 || c > 'f' || d < 0) throw error("invalid \\u escape", at);
            v = v << 4 | d;
            pos++;
        }
        return v;
    }

    /** Decodes one multi-byte UTF-8 sequence starting with lead byte {@code b0}; strict (RFC 3629). */
    private int readUtf8(int b0) throws JsonException {
        long at = offset();
        int n;
        int cp;
        int min;
        if (b0 >= 0xC2 && b0 <= 0xDF) { n = 1; cp = b0 & 0x1F; min = 0x80; }
        else if (b0 >= 0xE0 && b0 <= 0xEF) { n = 2; cp = b0 & 0x0F; min = 0x800; }
        else if (b0 >= 0xF0 && b0 <= 0xF4) { n = 3; cp = b0 & 0x07; min = 0x10000; }
        else throw error("invalid UTF-8", at);
        pos++;
        for (int i = 0; i < n; i++) {
            int b = peek();
            if (b < 0x80 || b > 0xBF) throw error("invalid UTF-8", at);
            cp = cp << 6 | (b & 0x3F);
            pos++;
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw error("invalid UTF-8", at);
        return cp;
    }

    private int skipWhitespace() throws JsonException {
        while (true) {
            if (pos >= lim && !fill()) return -1;
            int b = buf[pos];
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') pos++;
            else return b & 0xff;
        }
    }

    private int peek() throws JsonException {
        if (pos >= lim && !fill()) return -1;
        return buf[pos] & 0xff;
    }

    private boolean fill() throws JsonException {
        consumed += lim;
        pos = 0;
        lim = 0;
        try {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) return false;
            lim = n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (consumed + lim > maxBytes) throw error("input over the limit of " + maxBytes + " bytes", maxBytes);
        if (valueNesting > 0 && consumed + lim - valueStart - buf.length > maxValueBytes) {
            throw error("value over the limit of " + maxValueBytes + " bytes", valueStart);
        }
        return true;
    }

    private JsonException error(String message, long at) {
        return new JsonException(message, at);
    }

    private static String describe(int c) {
        return c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
    }

    private static String printable(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
