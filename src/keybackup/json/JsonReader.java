package keybackup.json;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
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
 *
 * <p>Errors: malformed input is a {@link JsonException}, whatever the bytes; that is all that
 * {@link #parse(byte[])} and the other in-memory parsers throw. A reader over a stream also passes on the
 * stream's failure as an {@link java.io.UncheckedIOException}.
 *
 * <p>This class is the grammar; the bytes (buffer, offsets, size limits, string and UTF-8 decoding) are
 * {@link JsonInput}'s.
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

    private final JsonInput input;
    private int depth;
    private int maxMembers = MAX_STREAMED_MEMBERS;
    /** Keys seen so far at each object level opened with beginObject(), for duplicate detection. */
    private final List<Set<String>> streamedKeys = new ArrayList<>();
    /** Elements begun so far in each array opened with beginArray(). */
    private final List<long[]> streamedArrays = new ArrayList<>();

    /**
     * Makes a reader over a stream, for walking a large document with {@link #beginObject()} and
     * {@link #nextKey()}. Nothing is read until the first call.
     *
     * @param in the UTF-8 input; the reader owns it from here and closes it in {@link #close()}
     * @param maxBytes the most bytes the whole document may take: reading past this is a {@link JsonException}
     */
    public JsonReader(InputStream in, long maxBytes) {
        this.input = new JsonInput(in, maxBytes);
    }

    /**
     * Parses one complete JSON document of at most {@link #DEFAULT_MAX_BYTES} bytes.
     *
     * @param utf8 the document's bytes; not changed or kept
     * @return the value
     * @throws JsonException if the bytes are not exactly one strict JSON value (see the class comment for what
     *     is rejected), or are longer than the limit
     */
    public static Json parse(byte[] utf8) throws JsonException {
        return parse(utf8, DEFAULT_MAX_BYTES);
    }

    /**
     * Parses one complete JSON document of at most {@code maxBytes} bytes.
     *
     * @param utf8 the document's bytes; not changed or kept
     * @param maxBytes the longest document accepted, in bytes
     * @return the value
     * @throws JsonException the bytes are not one strict JSON document within the limit (the only exception
     *     for any input; the saved fuzz corpus under test/fuzz-corpus/json replays this)
     */
    public static Json parse(byte[] utf8, long maxBytes) throws JsonException {
        if (utf8.length > maxBytes) throw new JsonException("input is " + utf8.length + " bytes, over the limit of " + maxBytes, maxBytes);
        try (JsonReader r = new JsonReader(new ByteArrayInputStream(utf8), maxBytes)) {
            Json v = r.readValue();
            r.expectEnd();
            return v;
        }
    }

    /**
     * Parses a document given as text, with the limit of {@link #parse(byte[])} applied to its UTF-8 form.
     *
     * @param text the document
     * @return the value
     * @throws JsonException if the text holds a lone surrogate, or its UTF-8 bytes are rejected by
     *     {@link #parse(byte[])}
     */
    public static Json parse(String text) throws JsonException {
        return parse(Utf8.encode(text));
    }

    /**
     * Parses a document that must be a JSON object, with the limit of {@link #parse(byte[])}.
     *
     * @param utf8 the document's bytes; not changed or kept
     * @return the object
     * @throws JsonException if {@link #parse(byte[])} rejects the bytes, or the value is not an object
     *     (reported at offset 0)
     */
    public static Json.Obj parseObject(byte[] utf8) throws JsonException {
        if (parse(utf8) instanceof Json.Obj o) return o;
        throw new JsonException("expected a JSON object", 0);
    }

    /**
     * Streaming: caps every value read with {@link #readValue()} (and every key read with {@link #nextKey()})
     * at {@code maxBytes}, so one hostile member of a huge response cannot exhaust memory. The check runs
     * as the reader's 8 KiB buffer refills, so a value is refused at most one buffer past the limit.
     *
     * @param maxBytes the most bytes one value (with everything nested in it) may take
     */
    public void limitValues(long maxBytes) {
        input.limitValues(maxBytes);
    }

    /** Streaming: a lower member limit than {@link #MAX_STREAMED_MEMBERS} (tests). */
    void limitMembers(int max) {
        this.maxMembers = max;
    }

    /**
     * Reads the next complete value, with everything nested in it.
     *
     * @return the value
     * @throws JsonException if the input there is not a strict JSON value, or it runs past the document or
     *     value limit
     * @throws java.io.UncheckedIOException if the underlying stream fails
     */
    public Json readValue() throws JsonException {
        input.beginValue();
        try {
            return readValueUnlimited();
        } finally {
            input.endValue();
        }
    }

    private Json readValueUnlimited() throws JsonException {
        int c = input.skipWhitespace();
        long at = offset();
        switch (c) {
            case '{': {
                input.skip();
                enter(at);
                Members members = new Members();
                if (input.skipWhitespace() == '}') {
                    input.skip();
                    depth--;
                    return new Json.Obj(members);
                }
                while (true) {
                    long keyAt = offset();
                    String key = readKey();
                    Json value = readValue();
                    if (members.put(key, value) != null) throw error("duplicate key \"" + printable(key) + "\"", keyAt);
                    int d = input.skipWhitespace();
                    input.skip();
                    if (d == '}') break;
                    if (d != ',') throw error("expected ',' or '}'", offset() - 1);
                    if (input.skipWhitespace() != '"') throw error("expected a string key", offset());
                }
                depth--;
                return new Json.Obj(members);
            }
            case '[': {
                input.skip();
                enter(at);
                List<Json> elements = new ArrayList<>();
                if (input.skipWhitespace() == ']') {
                    input.skip();
                    depth--;
                    return new Json.Arr(elements);
                }
                while (true) {
                    elements.add(readValue());
                    int d = input.skipWhitespace();
                    input.skip();
                    if (d == ']') break;
                    if (d != ',') throw error("expected ',' or ']'", offset() - 1);
                }
                depth--;
                return new Json.Arr(elements);
            }
            case '"':
                return new Json.Str(input.readString());
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

    /**
     * Streaming: consumes the '{' of an object. Follow with {@link #nextKey()} until it returns null.
     *
     * @throws JsonException if the next value is not an object, or opening it nests deeper than
     *     {@link #MAX_DEPTH}
     */
    public void beginObject() throws JsonException {
        long at = offset();
        if (input.skipWhitespace() != '{') throw error("expected a JSON object", offset());
        input.skip();
        enter(at);
        streamedKeys.add(new HashSet<>());
    }

    /**
     * Streaming: the next member's key of the object opened by {@link #beginObject()}, with the reader
     * positioned at its value (read it with {@link #readValue()}, {@link #beginObject()} or
     * {@link #skipValue()}); null after the closing '}'.
     *
     * @return the key, or null when the object has ended (the reader is then past its '}')
     * @throws JsonException if the input is not a well-formed member or end of object, the key repeats one
     *     already seen in this object, the object has more than {@link #MAX_STREAMED_MEMBERS} members, or
     *     the key runs past the value limit
     */
    public String nextKey() throws JsonException {
        Set<String> seen = streamedKeys.get(streamedKeys.size() - 1);
        int c = input.skipWhitespace();
        if (!seen.isEmpty()) {
            input.skip();
            if (c == '}') return endStreamedObject();
            if (c != ',') throw error("expected ',' or '}'", offset() - 1);
            c = input.skipWhitespace();
        } else if (c == '}') {
            input.skip();
            return endStreamedObject();
        }
        long keyAt = offset();
        if (c != '"') throw error("expected a string key", keyAt);
        String key;
        input.beginValue();
        try {
            key = readKey();
        } finally {
            input.endValue();
        }
        if (seen.size() >= maxMembers) throw error("object with more than " + maxMembers + " members", keyAt);
        if (!seen.add(key)) throw error("duplicate key \"" + printable(key) + "\"", keyAt);
        return key;
    }

    /**
     * Streaming: consumes the '[' of an array. Follow with {@link #nextElement()} until it returns false;
     * read each element with {@link #readValue()} (or {@link #beginObject()}, {@link #skipValue()}).
     *
     * @throws JsonException if the next value is not an array, or opening it nests deeper than
     *     {@link #MAX_DEPTH}
     */
    public void beginArray() throws JsonException {
        long at = offset();
        if (input.skipWhitespace() != '[') throw error("expected a JSON array", offset());
        input.skip();
        enter(at);
        streamedArrays.add(new long[1]);
    }

    /**
     * Streaming: whether the array opened by {@link #beginArray()} has another element, with the reader
     * positioned at it; false after the closing ']'.
     *
     * @return true when an element follows, false when the array has ended (the reader is then past its ']')
     * @throws JsonException if neither ',' nor ']' follows the previous element
     */
    public boolean nextElement() throws JsonException {
        long[] count = streamedArrays.get(streamedArrays.size() - 1);
        int c = input.skipWhitespace();
        if (count[0] > 0) {
            input.skip();
            if (c == ']') return endStreamedArray();
            if (c != ',') throw error("expected ',' or ']'", offset() - 1);
        } else if (c == ']') {
            input.skip();
            return endStreamedArray();
        }
        count[0]++;
        return true;
    }

    /**
     * Streaming: reads and discards the next value (still fully validated).
     *
     * @throws JsonException in the cases {@link #readValue()} throws it
     */
    public void skipValue() throws JsonException {
        readValue();
    }

    /**
     * Requires that only whitespace remains.
     *
     * @throws JsonException if anything else follows, at the offset of the first such byte
     */
    public void expectEnd() throws JsonException {
        if (input.skipWhitespace() != -1) throw error("trailing data after the JSON value", offset());
    }

    /**
     * Where the reader is.
     *
     * @return the number of bytes consumed so far
     */
    public long offset() {
        return input.offset();
    }

    /** Closes the underlying stream; a failure to close is ignored, as the input is no longer needed. */
    @Override
    public void close() {
        input.close();
    }

    // ---- internals ----

    private boolean endStreamedArray() {
        streamedArrays.remove(streamedArrays.size() - 1);
        depth--;
        return false;
    }

    private String endStreamedObject() {
        streamedKeys.remove(streamedKeys.size() - 1);
        depth--;
        return null;
    }

    private void enter(long at) throws JsonException {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH, at);
    }

    private String readKey() throws JsonException {
        if (input.skipWhitespace() != '"') throw error("expected a string key", offset());
        String key = input.readString();
        if (input.skipWhitespace() != ':') throw error("expected ':'", offset());
        input.skip();
        return key;
    }

    private void literal(String word) throws JsonException {
        long at = offset();
        for (int i = 0; i < word.length(); i++) {
            if (input.peek() != word.charAt(i)) throw error("invalid literal (expected " + word + ")", at);
            input.skip();
        }
    }

    private Json readInteger() throws JsonException {
        long at = offset();
        boolean negative = false;
        if (input.peek() == '-') {
            negative = true;
            input.skip();
        }
        int c = input.peek();
        if (c < '0' || c > '9') throw error("invalid number", at);
        long value = 0;
        int digits = 0;
        if (c == '0') {
            input.skip();
            digits = 1;
            c = input.peek();
            if (c >= '0' && c <= '9') throw error("leading zero in number", at);
        } else {
            while (c >= '0' && c <= '9') {
                if (++digits > 16) throw error("integer outside ±(2^53−1)", at);
                value = value * 10 + (c - '0');
                input.skip();
                c = input.peek();
            }
        }
        if (c == '.' || c == 'e' || c == 'E') throw error("number with a fraction or exponent (only integers are allowed)", at);
        if (value > Json.MAX_INTEGER) throw error("integer outside ±(2^53−1)", at);
        return new Json.Int(negative ? -value : value); // the literal -0 reads as 0
    }

    private static JsonException error(String message, long at) {
        return new JsonException(message, at);
    }

    private static String describe(int c) {
        return c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
    }

    private static String printable(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
