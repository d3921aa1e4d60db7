package keybackup.cli;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import keybackup.homeserver.AccessToken;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The CLI's streams, and the only way out to stdout and stderr. Output is written as UTF-8 bytes straight
 * to the byte streams, whatever the platform locale (System.out would re-encode text under LC_ALL=C).
 *
 * <p>Security property: nothing from the server reaches the terminal raw. Every text line goes through
 * {@link TerminalText#escape} (controls, ESC, CR, LF, bidi and other format characters are shown as
 * {@code \}{@code uXXXX}, so one call writes exactly one line), then, once a store command registered its
 * access token ({@link #redact(AccessToken)}), through {@link AccessToken#redact}: no piece of the token of 8
 * or more characters is printed, whichever field of which answer echoed it. JSON output
 * ({@link #printCanonical}) keeps its exact canonical bytes (the format already escapes the C0 controls),
 * with the token removed from every string in it. A file written to stdout ({@link #fileStdout}) keeps its
 * exact bytes too, unless stdout is a terminal: then its lines are escaped and redacted. Writes are
 * serialized: a shutdown hook ({@link Interrupts}) may print while the command still runs.
 *
 * <p>One exception to "one call, one line": {@link #status} rewrites a single progress line in place on a
 * terminal. It writes the same escaped, redacted text between a carriage return and "erase to the end of
 * the line" ({@code ESC [K}), and both control sequences are the program's own; the next line written to
 * either stream first clears it, so a result, a warning or an error never shares a line with it.
 */
final class Io {
    /** Largest stdin or input file accepted, in bytes. */
    static final int MAX_INPUT = 16 * 1024 * 1024;

    private final InputStream in;
    private final OutputStream out;
    private final OutputStream err;

    private final LongSupplier clock;
    private final boolean errTerminal;

    /** The access token to keep out of every output, once a store command opened a homeserver. */
    private volatile AccessToken token;

    /** A {@link #status} line is on the terminal and not yet cleared. */
    private boolean statusShown;

    /**
     * Whether stdout is a terminal: plaintext keys go there only when the user asks (restore --out - --force-terminal).
     */
    private final boolean stdoutTerminal;

    Io(InputStream in, OutputStream out, OutputStream err) {
        this(in, out, err, false);
    }

    /**
     * Streams with the system clock. {@code err} counts as a terminal only if it is the process's own stderr
     * and that is the console's terminal ({@link #stderrIsConsole}); a test's byte stream never is.
     */
    Io(InputStream in, OutputStream out, OutputStream err, boolean stdoutTerminal) {
        this(in, out, err, stdoutTerminal, System::nanoTime, err == System.err && stderrIsConsole());
    }

    /**
     * @param clock nanoseconds, for progress reports; @param errTerminal whether {@link #status} may rewrite a line on
     * stderr
     */
    Io(InputStream in, OutputStream out, OutputStream err, boolean stdoutTerminal, LongSupplier clock,
            boolean errTerminal) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.stdoutTerminal = stdoutTerminal;
        this.clock = clock;
        this.errTerminal = errTerminal;
    }

    boolean stdoutIsTerminal() {
        return stdoutTerminal;
    }

    LongSupplier clock() {
        return clock;
    }

    /** Whether stderr is a terminal, so that progress is one line rewritten in place. */
    boolean errIsTerminal() {
        return errTerminal;
    }

    /**
     * True when stdin and stdout are a terminal (Java 17's {@link System#console()}) and, where Linux shows it
     * in /proc, stderr is that same terminal device (not {@code 2>log}). Without /proc, the console decides.
     */
    static boolean stderrIsConsole() {
        if (System.console() == null) return false;
        Path fd = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fd)) return true;
        try {
            Path stderr = Files.readSymbolicLink(fd.resolve("2"));
            return stderr.equals(Files.readSymbolicLink(fd.resolve("1")))
                    && (stderr.startsWith("/dev/pts") || stderr.toString().startsWith("/dev/tty"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** The option that read stdin, once one did: stdin can be read only once. */
    private String stdinReader;

    /** The option that read stdin ({@code "--keys -"}), or null: a command to run again needs that input again. */
    synchronized String stdinReader() {
        return stdinReader;
    }

    /** Records that {@code option} reads stdin; a second reader is a usage error naming both. */
    synchronized void claimStdin(String option) throws UsageException {
        if (stdinReader != null) throw new UsageException(option + " and " + stdinReader + " cannot both read stdin");
        stdinReader = option;
    }

    /**
     * The bytes of standard input for a secret ({@code claim} names the option, as {@code "--x -"}): stdin is
     * claimed for it unless it already is ({@link #claimStdin}, taken early so that a conflict is reported before
     * anything is asked or written), and at most {@code max} bytes are read; more is refused and what was read
     * wiped. The caller wipes the bytes it gets.
     */
    byte[] readStdinSecret(String claim, int max) throws IOException, FailedException, UsageException {
        synchronized (this) {
            if (!claim.equals(stdinReader)) claimStdin(claim);
        }
        byte[] b = in.readNBytes(max + 1);
        if (b.length > max) {
            Arrays.fill(b, (byte) 0);
            throw new FailedException(claim + ": stdin is over the limit of " + max + " bytes");
        }
        return b;
    }

    /** Standard input as a stream, for a file option given as {@code -} (claimed by {@code option}). */
    InputStream stdinStream(String option) throws UsageException {
        claimStdin(option + " -");
        return in;
    }

    /**
     * A key file's text ({@link UserFiles#readTextFile}), or stdin's for {@code -}: a key piped from a password
     * manager.
     */
    String readKeyText(String option, String path) throws FailedException, IOException, UsageException {
        if (!path.equals("-")) return UserFiles.readTextFile(option, path);
        claimStdin(option + " -");
        byte[] b = readStdin();
        try {
            return new String(b, StandardCharsets.UTF_8);
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    /**
     * Standard output for the bytes of a file option given as {@code -} (restore's key export): written as
     * they come, like the file would be; closing it flushes and leaves stdout open. Nothing else may use it.
     * When stdout is a terminal, the bytes are shown a line at a time instead, each line escaped and redacted
     * as {@link #println(String)} does (the export's own newlines kept): a room or session id the server
     * chose cannot drive or reorder the terminal. Into a pipe or a file the bytes stay exact.
     */
    OutputStream fileStdout() {
        if (stdoutTerminal) return new TerminalLines();
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (Io.this) {
                    out.write(b, off, len);
                }
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    /**
     * {@link #fileStdout()} on a terminal: keeps the bytes of the line being written and shows each line once
     * its newline came, so that escaping and redaction see whole lines (and whole UTF-8 sequences); closing it
     * shows what is left of a last line without a newline. A line is one entry of the export.
     */
    private final class TerminalLines extends OutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] != '\n') continue;
                line.write(b, start, i - start);
                show(true);
                start = i + 1;
            }
            line.write(b, start, off + len - start);
        }

        @Override
        public void close() throws IOException {
            if (line.size() > 0) show(false);
        }

        private void show(boolean newline) throws IOException {
            byte[] b = (clean(line.toString(StandardCharsets.UTF_8)) + (newline ? "\n" : ""))
                    .getBytes(StandardCharsets.UTF_8);
            line.reset();
            synchronized (Io.this) {
                writeOrThrow(out, b);
            }
        }
    }

    /**
     * Whether a string or member name of {@code value} holds a piece of the registered access token (of
     * {@link AccessToken#FRAGMENT} or more characters, the rule of every redaction here); false before a store
     * command registered one. For output that must keep its exact bytes and so cannot be redacted: the caller
     * leaves such a value out instead.
     */
    boolean holdsToken(Json value) {
        AccessToken t = token;
        return t != null && Redaction.holds(value, t);
    }

    /**
     * Whether the text of {@code utf8}, bytes to be written exactly as they are, holds a piece of the registered
     * access token (as {@link #holdsToken(Json)}); false before a store command registered one. Unlike that one,
     * it sees what the bytes show: escapes, numbers and punctuation included, a string's escaped quote not as a
     * quote.
     */
    boolean holdsToken(byte[] utf8) {
        AccessToken t = token;
        if (t == null) return false;
        // each byte as one character: a byte of a multi-byte UTF-8 sequence is not visible ASCII, and stops a piece
        // just as the character it belongs to would, without the cost of decoding
        String text = new String(utf8, StandardCharsets.ISO_8859_1);
        return t.redact(text) != text;
    }

    /**
     * Whether the registered token holds a character that JSON strings show escaped
     * ({@link AccessToken#hasJsonEscapedCharacter}); false before a store command registered one.
     */
    boolean tokenHasJsonEscapedCharacter() {
        AccessToken t = token;
        return t != null && t.hasJsonEscapedCharacter();
    }

    /** From now on, every line and every JSON string written is cleared of {@code t}'s pieces. */
    void redact(AccessToken t) {
        token = t;
    }

    byte[] readStdin() throws IOException, FailedException {
        byte[] b = in.readNBytes(MAX_INPUT + 1);
        if (b.length > MAX_INPUT) throw new FailedException("stdin: over the limit of " + MAX_INPUT + " bytes");
        return b;
    }

    Json readStdinJson() throws IOException, FailedException, JsonException {
        return JsonReader.parse(readStdin());
    }

    Json.Obj readStdinObject(String what) throws IOException, FailedException, JsonException {
        if (readStdinJson() instanceof Json.Obj o) return o;
        throw new FailedException(what + ": expected a JSON object");
    }

    /**
     * Writes one line to stdout: escaped and redacted (a newline inside {@code line} is shown as {@code \}{@code
     * u000a}).
     */
    void println(String line) {
        write(out, safe(line));
    }

    /**
     * Writes each of {@code lines} to stdout as {@link #println(String)} does: for the program's own multi-line texts.
     */
    void println(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(safe(l));
        write(out, sb.toString());
    }

    /**
     * Writes {@code text} and a newline to stdout unescaped (still cleared of the token): only for data the
     * command authenticated as the user's own and that must round-trip exactly — a Secret Storage secret whose
     * MAC was checked with the user's key. Never for anything a server could have chosen.
     */
    void printAuthenticated(String text) {
        AccessToken t = token;
        write(out, (t == null ? text : t.redact(text)) + "\n");
    }

    /** Writes one line to stderr, escaped and redacted like {@link #println(String)}. */
    void errln(String line) {
        write(err, safe(line));
    }

    /** Writes each of {@code lines} to stderr. */
    void errln(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(safe(l));
        write(err, sb.toString());
    }

    /**
     * Shows {@code line} (escaped and redacted, as {@link #errln(String)}) as the one progress line on stderr,
     * replacing the previous one: {@code "\r" + line + ESC "[K"}, no newline. Only when {@link #errIsTerminal()}.
     */
    void status(String line) {
        byte[] b = ("\r" + clean(line) + CLEAR_TO_END).getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            statusShown = false; // replaced by this one, not cleared first
            write(err, b);
            statusShown = true;
        }
    }

    /** Erase to the end of the line (ANSI/ECMA-48 EL). */
    private static final String CLEAR_TO_END = "\u001b[K";

    /**
     * Writes the canonical bytes of {@code value} (its strings cleared of the token) and a newline to stdout.
     * When stdout is a terminal, the characters {@link TerminalText} escapes (C1 controls, bidi and other format
     * characters, separators; canonical JSON already escapes C0) are written as JSON {@code \}{@code uXXXX}
     * escapes: still valid JSON with the same values, but a server-chosen U+202E or 8-bit CSI cannot reorder
     * or drive the terminal. Into a pipe or a file the bytes stay exactly canonical.
     */
    void printCanonical(Json value) {
        AccessToken t = token;
        byte[] b = terminal(CanonicalJson.encode(t == null ? value : Redaction.json(value, t)));
        synchronized (this) {
            write(out, b);
            write(out, new byte[] {'\n'});
        }
    }

    /** The elements of an array written by {@link #printCanonical(Json.Obj, String, Elements)}, one at a time. */
    interface Elements {
        /** The next element; null after the last. */
        Json next() throws IOException;
    }

    /**
     * Writes what {@link #printCanonical(Json)} writes for {@code value} with the elements of {@code elements} in
     * its array member {@code name}, one element at a time (an audit of a million keys): the same bytes, in
     * memory bounded by one element and a 64 KiB buffer. Each piece is redacted and escaped as the whole would be
     * (both work on each string and character alone), and pieces meet only at ASCII punctuation.
     *
     * @param value the object, any value in its member {@code name} (replaced)
     */
    void printCanonical(Json.Obj value, String name, Elements elements) throws IOException {
        AccessToken t = token;
        Json.Obj v = t == null ? value : (Json.Obj) Redaction.json(value, t);
        // the member's name as redaction left it: redaction keeps the members' order
        String key = List.copyOf(v.members().keySet()).get(List.copyOf(value.members().keySet()).indexOf(name));
        byte[] empty = CanonicalJson.encode(v.with(key, Json.arr(List.of())));
        byte[] one = CanonicalJson.encode(v.with(key, Json.arr(List.of(Json.of(0)))));
        int at = Arrays.mismatch(empty, one); // just after the array's '[': where its elements go
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        chunk.write(empty, 0, at);
        boolean first = true;
        for (Json e; (e = elements.next()) != null; first = false) {
            if (!first) chunk.write(',');
            chunk.write(CanonicalJson.encode(t == null ? e : Redaction.json(e, t)));
            if (chunk.size() >= 1 << 16) {
                write(out, terminal(chunk.toByteArray()));
                chunk.reset();
            }
        }
        chunk.write(empty, at, empty.length - at);
        write(out, terminal(chunk.toByteArray()));
        write(out, new byte[] {'\n'});
    }

    /** Canonical JSON bytes as they may go to stdout ({@link #printCanonical(Json)}). */
    private byte[] terminal(byte[] b) {
        if (!stdoutTerminal) return b;
        return TerminalText.escape(new String(b, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    /** The line as it may be printed, with its newline. */
    private String safe(String line) {
        return clean(line) + "\n";
    }

    /** {@code line} escaped, then cleared of the token. */
    private String clean(String line) {
        String escaped = TerminalText.escape(line);
        AccessToken t = token;
        // after escaping: an escape sequence cannot then complete a piece of the token
        return t == null ? escaped : t.redact(escaped);
    }

    private void write(OutputStream s, String text) {
        write(s, text.getBytes(StandardCharsets.UTF_8));
    }

    private synchronized void write(OutputStream s, byte[] b) {
        try {
            writeOrThrow(s, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void writeOrThrow(OutputStream s, byte[] b) throws IOException {
        if (statusShown) {
            statusShown = false; // the progress line goes before any other line is written
            err.write(("\r" + CLEAR_TO_END).getBytes(StandardCharsets.US_ASCII));
            err.flush();
        }
        s.write(b);
        s.flush();
    }
}
