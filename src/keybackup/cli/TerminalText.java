package keybackup.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one escaping rule for text lines the CLI writes. {@link Io#println} and {@link Io#errln} pass every
 * line through {@link #escape}, so a message that embeds server text (an error's {@code errcode}, a
 * version, a room id) cannot forget it.
 *
 * <p>Shown as {@code \}{@code uXXXX} (UTF-16 units, as JSON writes them), because a terminal acts on them
 * or a reader cannot see them:
 * <ul>
 *   <li>controls (Unicode category Cc): C0 (ESC, CR, LF, TAB, BEL, backspace…), DEL and C1 (8-bit CSI,
 *       OSC…) — they move the cursor, rewrite or add lines, set the window title;</li>
 *   <li>format characters (Cf): the bidirectional overrides, embeddings and isolates (U+202A–U+202E,
 *       U+2066–U+2069), the marks U+200E/U+200F/U+061C, zero-width characters (U+200B–U+200D, U+2060,
 *       U+FEFF), the soft hyphen and tag characters — they reorder a line or make two different ids look
 *       equal (a zero-width joiner inside an emoji sequence is shown escaped too, a small cost);</li>
 *   <li>line and paragraph separators (U+2028, U+2029), lone surrogates, and code points this JDK's
 *       Unicode tables do not know (a newer Unicode may make them format characters).</li>
 * </ul>
 * A backslash is not escaped: the escaping makes text harmless, it is not meant to be reversible (a
 * program that needs the exact server value reads the {@code --json} output, whose bytes are exact).
 * Look-alike letters (homoglyphs) are out of scope.
 */
final class TerminalText {
    private TerminalText() {}

    /** {@code s} with every character of the class comment shown as {@code \}{@code uXXXX}; "null" for null. */
    static String escape(String s) {
        if (s == null) return "null";
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (unsafe(cp)) {
                if (sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                for (int j = i; j < i + n; j++) sb.append(String.format("\\u%04x", (int) s.charAt(j)));
            } else if (sb != null) {
                sb.append(s, i, i + n);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    private static boolean unsafe(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED;
    }

    /**
     * Whether this process's stdout is a terminal: on Linux, what {@code /proc/self/fd/1} points to (a pty or
     * a tty device); elsewhere, whether the JVM has a console (stdin and stdout both terminals).
     */
    static boolean stdoutIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
