package keybackup.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import keybackup.backup.KeyExportException.Kind;

/**
 * The text layer of the encrypted key export (spec "Key exports", steps 5–6; protocol.md §12.3): the
 * header line, the standard base64 of the payload broken into lines, the footer line. Both directions
 * stream, so the memory used does not depend on the file's size.
 *
 * <p>What is read: optional blank space and a UTF-8 byte-order mark, the header line (spaces after it
 * allowed), base64 characters with any line breaks, spaces or tabs between them (Element writes lines of
 * 96 characters, matrix-rust-sdk one long line), padding {@code =} only at the end and optional, the
 * footer at the start of a line, then only blank space. Text before the header or after the footer is
 * refused (matrix-rust-sdk refuses it too; Element skips it).
 *
 * <p>What is written: Element's layout byte for byte — the header, lines of 96 base64 characters (72
 * bytes each), the last line padded, the footer, each line ended by {@code \n}.
 */
final class ExportArmour {
    private ExportArmour() {}

    static final String HEADER = "-----BEGIN MEGOLM SESSION DATA-----";
    static final String FOOTER = "-----END MEGOLM SESSION DATA-----";
    /** Element's line: 72 bytes, 96 base64 characters. */
    static final int LINE_BYTES = 72;

    private static final byte[] HEADER_BYTES = HEADER.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FOOTER_BYTES = FOOTER.getBytes(StandardCharsets.US_ASCII);
    private static final int[] SEXTET = sextets();

    private static int[] sextets() {
        int[] t = new int[256];
        java.util.Arrays.fill(t, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) t[alphabet.charAt(i)] = i;
        return t;
    }

    private static boolean isBlank(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** True if {@code start} (the first bytes of a file) begins, after blank space, with the header. */
    static boolean startsWithHeader(byte[] start, int length) {
        int i = 0;
        if (length >= 3 && (start[0] & 0xff) == 0xef && (start[1] & 0xff) == 0xbb && (start[2] & 0xff) == 0xbf) i = 3;
        while (i < length && isBlank(start[i])) i++;
        if (length - i < HEADER_BYTES.length) return false;
        for (int k = 0; k < HEADER_BYTES.length; k++) {
            if (start[i + k] != HEADER_BYTES[k]) return false;
        }
        return true;
    }

    /** The payload bytes of an armoured file, decoded as they are read. Not thread-safe. */
    static final class Decoder extends InputStream {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int lim;
        private long line = 1;
        private boolean started;
        private boolean done;
        private boolean atLineStart;
        private int bits;       // sextets of the current quantum
        private int count;      // base64 characters in the current quantum
        private int padding;    // '=' seen
        private boolean closed; // the padding completed the last quantum
        private final byte[] pending = new byte[3];
        private int pendingPos;
        private int pendingLen;

        Decoder(InputStream in) {
            this.in = in;
        }

        private int next() throws IOException {
            if (pos == lim) {
                int n = in.read(buf, 0, buf.length);
                if (n <= 0) return -1;
                pos = 0;
                lim = n;
            }
            return buf[pos++] & 0xff;
        }

        private KeyExportException armour(String what) {
            return new KeyExportException(Kind.BAD_ARMOUR, "line " + line + ": " + what);
        }

        private void readHeader() throws IOException {
            int c = next();
            if (c == 0xef) { // UTF-8 byte-order mark, as some editors write it
                if (next() != 0xbb || next() != 0xbf) throw armour("not a key export (expected " + HEADER + ")");
                c = next();
            }
            while (isBlank(c)) {
                if (c == '\n') line++;
                c = next();
            }
            if (c == -1) throw new KeyExportException(Kind.TRUNCATED, "the file is empty");
            for (byte b : HEADER_BYTES) {
                if (c != b) throw armour("not a key export (expected " + HEADER + ")");
                c = next();
            }
            while (c == ' ' || c == '\t' || c == '\r') c = next();
            if (c == -1) throw new KeyExportException(Kind.TRUNCATED, "the file ends after the header line");
            if (c != '\n') throw armour("unexpected text after " + HEADER);
            line++;
            atLineStart = true;
            started = true;
        }

        /** The footer, whose first '-' was just read, then only blank space to the end. */
        private void readFooter() throws IOException {
            if (!atLineStart) throw armour("'-' inside a base64 line");
            for (int k = 1; k < FOOTER_BYTES.length; k++) {
                int c = next();
                if (c == -1) throw new KeyExportException(Kind.TRUNCATED, "line " + line + ": the file ends inside the footer line");
                if (c != FOOTER_BYTES[k]) throw armour("expected " + FOOTER);
            }
            for (int c = next(); c != -1; c = next()) {
                if (c == '\n') line++;
                else if (!isBlank(c)) throw armour("text after " + FOOTER);
            }
            if (closed) {
                // the padded quantum was already decoded
            } else if (padding > 0) {
                throw armour("incomplete base64 padding");
            } else if (count > 0) {
                flushQuantum(count); // unpadded end, as matrix-rust-sdk writes it
            }
            done = true;
        }

        private void flushQuantum(int chars) throws KeyExportException {
            if (chars == 1) throw armour("the base64 data ends with a single character");
            int b = bits << (6 * (4 - chars));
            pendingLen = chars - 1;
            pending[0] = (byte) (b >> 16);
            pending[1] = (byte) (b >> 8);
            pending[2] = (byte) b;
            pendingPos = 0;
            bits = 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (!started) readHeader();
            if (len == 0) return 0;
            int n = 0;
            while (n < len) {
                if (pendingPos < pendingLen) {
                    b[off + n++] = pending[pendingPos++];
                    continue;
                }
                if (done) break;
                int c = next();
                if (c == -1) throw new KeyExportException(Kind.TRUNCATED, "line " + line + ": the file ends before " + FOOTER);
                if (c == '\n') {
                    line++;
                    atLineStart = true;
                    continue;
                }
                if (isBlank(c)) continue;
                if (c == '-') {
                    readFooter();
                    continue;
                }
                atLineStart = false;
                if (c == '=') {
                    // Padding only completes the last quantum: "xx==" or "xxx=".
                    if (closed || count < 2) throw armour("misplaced base64 padding");
                    padding++;
                    if (count + padding == 4) {
                        flushQuantum(count);
                        closed = true; // nothing but blank space and the footer may follow
                    }
                    continue;
                }
                int v = SEXTET[c];
                if (v < 0) throw armour(String.format("invalid base64 character 0x%02x", c));
                if (padding > 0) throw armour("base64 data after padding");
                bits = bits << 6 | v;
                if (++count == 4) {
                    flushQuantum(4);
                    count = 0;
                }
            }
            return n == 0 && done ? -1 : n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * Writes the armour of the bytes given to it. {@link #finish()} writes the last line and the footer;
     * {@link #close()} finishes and closes the underlying stream.
     */
    static final class Encoder extends OutputStream {
        private final OutputStream out;
        private final byte[] line = new byte[LINE_BYTES];
        private int used;
        private boolean finished;
        private final Base64.Encoder base64 = Base64.getEncoder();

        Encoder(OutputStream out) throws IOException {
            this.out = out;
            out.write((HEADER + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (finished) throw new IOException("key export: already finished");
            while (len > 0) {
                int take = Math.min(len, LINE_BYTES - used);
                System.arraycopy(b, off, line, used, take);
                used += take;
                off += take;
                len -= take;
                if (used == LINE_BYTES) emitLine();
            }
        }

        private void emitLine() throws IOException {
            byte[] text = base64.encode(used == LINE_BYTES ? line : java.util.Arrays.copyOf(line, used));
            out.write(text);
            out.write('\n');
            used = 0;
        }

        void finish() throws IOException {
            if (finished) return;
            finished = true;
            if (used > 0) emitLine();
            out.write((FOOTER + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            try {
                finish();
            } finally {
                out.close();
            }
        }
    }
}
