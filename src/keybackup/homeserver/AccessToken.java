package keybackup.homeserver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * A Matrix access token.
 *
 * <p>Security properties: {@link #toString()} is redacted; the value leaves this object only as the
 * {@code Authorization} header built by {@link HomeserverClient}; no message of this package contains
 * it (error texts from the server are scrubbed with {@link #redact(String)}, which the CLI also applies to
 * every line it prints). Only visible ASCII is accepted, so the value cannot inject header lines. Not a record (a
 * record would print its value),
 * no {@code equals}, not serializable. The token stays in the heap as a {@code String} until garbage
 * collected; the JDK's HTTP client needs it as a {@code String}.
 */
public final class AccessToken {
    /** Environment variable read by {@link #fromEnvironment()}. */
    public static final String ENVIRONMENT_VARIABLE = "KEYBACKUP_ACCESS_TOKEN";
    /** Longest token accepted (Synapse tokens are under 100 characters). */
    public static final int MAX_LENGTH = 4096;
    /**
     * Largest access token file {@link #fromFile} reads, in bytes: room for the longest token, a line end and
     * some blank space; a larger file is refused unread.
     */
    public static final int MAX_FILE_SIZE = 16 * 1024;

    /**
     * Shortest piece of the token that {@link #redact(String)} removes wherever it appears: 8 characters
     * (a shorter piece could match ordinary text by chance; an 8-character piece of a random token carries
     * about 48 bits of it). A token shorter than this is removed only whole.
     * What this guards against is an echo: a server or proxy that repeats the request in an error text. A
     * server that means to show the token can always re-encode it (shorter pieces, reversed, base64), and no
     * filter of printed text can stop that; the server holds the token anyway, and it never reaches a log
     * or output through this project's own code.
     */
    public static final int FRAGMENT = 8;

    private final String value;
    /** Every {@link #FRAGMENT}-character window of the token, 7 bits per character packed into a long, sorted. */
    private final long[] windows;
    /**
     * One bit per {@link #slot} of a window of the token: a window whose bit is clear is none of {@link #windows},
     * so most windows of a text are ruled out without a search (a set bit still needs the search).
     */
    private final long[] filter = new long[64];

    private AccessToken(String value) {
        this.value = value;
        int k = Math.min(FRAGMENT, value.length());
        long[] w = new long[value.length() - k + 1];
        for (int i = 0; i < w.length; i++) {
            long packed = 0;
            for (int j = i; j < i + k; j++) packed = packed << 7 | value.charAt(j);
            w[i] = packed;
        }
        Arrays.sort(w);
        this.windows = w;
        for (long x : w) filter[slot(x) >>> 6] |= 1L << slot(x);
    }

    /** The window's bit in {@link #filter} (of 4096): the top 12 bits of a multiplicative hash. */
    private static int slot(long window) {
        return (int) ((window * 0x9E3779B97F4A7C15L) >>> 52);
    }

    /** Whether {@code window} is one of the token's {@link #windows}. */
    private boolean isWindow(long window) {
        int slot = slot(window);
        return (filter[slot >>> 6] & 1L << slot) != 0 && Arrays.binarySearch(windows, window) >= 0;
    }

    /**
     * A token given directly; it must be 1–4096 visible ASCII characters. Unlike the other factories, no
     * whitespace is stripped.
     *
     * @param value the token exactly as it is to be sent
     * @return the token
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if {@code value} is empty, longer than {@link #MAX_LENGTH} or holds a
     *     character that is not visible ASCII (the message does not repeat the value)
     */
    public static AccessToken of(String value) {
        Objects.requireNonNull(value, "access token");
        String problem = problem(value);
        if (problem != null) throw new IllegalArgumentException("access token: " + problem);
        return new AccessToken(value);
    }

    /**
     * The token in {@code KEYBACKUP_ACCESS_TOKEN}, surrounding whitespace removed.
     *
     * @return the token
     * @throws StoreException if the variable is unset or blank, or its value is too long or holds a character
     *     that is not visible ASCII; the message names the variable, never its value
     */
    public static AccessToken fromEnvironment() throws StoreException {
        return fromEnvironment(System.getenv());
    }

    static AccessToken fromEnvironment(Map<String, String> environment) throws StoreException {
        String v = environment.get(ENVIRONMENT_VARIABLE);
        if (v == null || v.isBlank()) throw new StoreException(ENVIRONMENT_VARIABLE + ": not set");
        String problem = problem(v.strip());
        if (problem != null) throw new StoreException(ENVIRONMENT_VARIABLE + ": " + problem);
        return new AccessToken(v.strip());
    }

    /**
     * The first line of {@code file} (surrounding whitespace removed); later lines are ignored. A file over
     * {@link #MAX_FILE_SIZE} bytes is refused (no more than that is read).
     *
     * @param file a UTF-8 text file holding the token on its first line
     * @return the token
     * @throws StoreException if the file cannot be read or is over {@link #MAX_FILE_SIZE} bytes, its first line
     *     is missing or blank, or the token is too long or holds a character that is not visible ASCII; the
     *     message names the file, never its contents
     */
    public static AccessToken fromFile(Path file) throws StoreException {
        byte[] b;
        try (InputStream in = Files.newInputStream(file)) {
            b = in.readNBytes(MAX_FILE_SIZE + 1);
        } catch (IOException e) {
            // the exception text names the file, never its contents
            throw new StoreException("access token file " + file + ": cannot read ("
                    + (e instanceof NoSuchFileException ? "no such file" : e instanceof AccessDeniedException
                    ? "permission denied" : "i/o error") + ")", e);
        }
        if (b.length > MAX_FILE_SIZE) {
            throw new StoreException("access token file " + file + ": over the limit of " + MAX_FILE_SIZE
                    + " bytes (it holds one token)");
        }
        int end = 0;
        while (end < b.length && b[end] != '\n' && b[end] != '\r') end++;
        // a byte that is not ASCII decodes to U+FFFD (or more characters), which the check below refuses
        String line = new String(b, 0, end, StandardCharsets.UTF_8);
        if (line.isBlank()) {
            throw new StoreException("access token file " + file + ": first line is empty");
        }
        String problem = problem(line.strip());
        if (problem != null) throw new StoreException("access token file " + file + ": " + problem);
        return new AccessToken(line.strip());
    }

    /** The {@code Authorization} header value. */
    String bearer() {
        return "Bearer " + value;
    }

    /**
     * {@code text} with every piece of the token of {@link #FRAGMENT} or more characters (the whole token
     * included) replaced by {@code [redacted]}; overlapping and adjacent pieces become one. Linear in the
     * length of {@code text}: a rolling window of the last {@link #FRAGMENT} characters, looked up among the
     * token's windows (the token is visible ASCII, so a window packs exactly into 56 bits; a bit filter rules
     * out most windows before the search: about 2 µs per kilobyte of base64 text instead of 19). Text made only
     * of such windows is removed even where the windows do not follow each other in the token, which errs on
     * the safe side. Returns {@code text} itself when nothing matched; null stays null.
     *
     * <p>This answers whether a string holds a piece of the token, which reveals nothing to code that holds
     * this object (it can use the token anyway).
     *
     * @param text any text, typically from a server or an exception; may be null
     * @return {@code text} with the token's pieces replaced, {@code text} itself if none was found, or null
     */
    public String redact(String text) {
        if (text == null) return null;
        int k = Math.min(FRAGMENT, value.length());
        long mask = (1L << (7 * k)) - 1;
        long window = 0;
        int run = 0;
        StringBuilder sb = null;
        int copied = 0;          // text[0, copied) is in sb (or needs no change)
        int from = -1, to = -1;  // the pending piece to redact: text[from, to)
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x21 || c > 0x7e) { // not a token character: no window spans it
                run = 0;
                continue;
            }
            window = (window << 7 | c) & mask;
            if (++run < k || !isWindow(window)) continue;
            int start = i - k + 1;
            if (from >= 0 && start <= to) {
                to = i + 1;
                continue;
            }
            if (from >= 0) {
                if (sb == null) sb = new StringBuilder(text.length());
                sb.append(text, copied, from).append("[redacted]");
                copied = to;
            }
            from = start;
            to = i + 1;
        }
        if (from < 0) return text;
        if (sb == null) sb = new StringBuilder(text.length());
        sb.append(text, copied, from).append("[redacted]").append(text, to, text.length());
        return sb.toString();
    }

    /**
     * Whether the token holds a quote or a backslash, the only visible ASCII characters a JSON string shows
     * escaped: without them, a piece of the token in a string is also a piece of the JSON text written for it.
     * Reveals as little as {@link #redact(String)} does.
     *
     * @return true when the token holds {@code "} or a backslash
     */
    public boolean hasJsonEscapedCharacter() {
        return value.indexOf('"') >= 0 || value.indexOf('\\') >= 0;
    }

    @Override
    public String toString() {
        return "AccessToken[redacted]";
    }

    private static String problem(String v) {
        if (v.isEmpty()) return "empty";
        if (v.length() > MAX_LENGTH) return "longer than " + MAX_LENGTH + " characters";
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // reject: anything else could split or corrupt the Authorization header
            if (c < 0x21 || c > 0x7e) return "contains a character that is not visible ascii";
        }
        return null;
    }
}
