package keybackup.json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The byte side of {@link JsonReader}: UTF-8 input read through an 8 KiB buffer, byte offsets for error
 * messages, the document's byte limit and the per-value limit of a streamed response, and the decoding
 * of strings (escapes, surrogate pairs, strict UTF-8). The grammar is {@link JsonReader}'s.
 */
final class JsonInput implements AutoCloseable {
    private final InputStream in;
    private final long maxBytes;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;
    private long consumed; // bytes before buf[0]
    private long maxValueBytes = Long.MAX_VALUE;
    private long valueStart;
    private int valueNesting;
    private final StringBuilder sb = new StringBuilder();

    JsonInput(InputStream in, long maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** Caps every value between {@link #beginValue()} and {@link #endValue()} at {@code maxBytes}. */
    void limitValues(long maxBytes) {
        this.maxValueBytes = maxBytes;
    }

    /** A capped value starts here; nested values count as part of the outermost one. */
    void beginValue() {
        if (valueNesting++ == 0) valueStart = offset();
    }

    void endValue() {
        valueNesting--;
    }

    /** Bytes consumed so far. */
    long offset() {
        return consumed + pos;
    }

    /** Steps over the byte {@link #peek()} or {@link #skipWhitespace()} returned. */
    void skip() {
        pos++;
    }

    /** Reads a string whose opening quote is the next byte, and its closing quote. */
    String readString() throws JsonException {
        pos++; // opening quote
        // Fast path: a string of plain ASCII that ends inside the buffer (keys, base64, ids) is made in
        // one step from the bytes; anything else takes the general loop below from the start.
        for (int i = pos; i < lim; i++) {
            int b = buf[i];
            if (b == '"') {
                String str = new String(buf, pos, i - pos, StandardCharsets.ISO_8859_1);
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

    /** The next byte that is not JSON whitespace (not consumed), or -1 at the end of the input. */
    int skipWhitespace() throws JsonException {
        while (true) {
            if (pos >= lim && !fill()) return -1;
            int b = buf[pos];
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') pos++;
            else return b & 0xff;
        }
    }

    /** The next byte (not consumed), or -1 at the end of the input. */
    int peek() throws JsonException {
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

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // nothing useful to do: the input is no longer needed
        }
    }

    private static JsonException error(String message, long at) {
        return new JsonException(message, at);
    }
}
