package keybackup.cli;

import java.io.Console;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import keybackup.internal.StrictUtf8;

/**
 * A passphrase typed at the terminal, taken as the UTF-8 the terminal sent whatever the platform locale.
 * Java 17's {@link Console} decodes what it reads with {@link Console#charset()}, the locale's: under
 * {@code LC_ALL=C} that is US-ASCII, which turns every non-ASCII byte into U+FFFD, and under a Latin-1
 * locale a UTF-8 "é" comes back as "Ã©". Either would derive a wrong key, or set a new passphrase that no
 * UTF-8 client can type again. So the characters are turned back into the bytes the terminal sent, and those
 * must be UTF-8; what cannot be recovered is refused with the way out. No {@code String} of a passphrase is
 * made, and every intermediate buffer is wiped.
 */
final class TerminalPassphrase {
    private static final char REPLACEMENT = '\uFFFD';

    private TerminalPassphrase() {}

    /**
     * Asks for a passphrase on {@code console} with {@code prompt}: its characters as UTF-8 text (see
     * {@link #asUtf8}), or null at end of input. {@code wayOut} is the option that gives it without the
     * terminal, for the errors. The caller wipes the result.
     */
    static char[] read(Console console, String prompt, String wayOut) throws FailedException {
        char[] typed = console.readPassword(prompt);
        return typed == null ? null : asUtf8(typed, console.charset(), wayOut);
    }

    /**
     * The passphrase a UTF-8 terminal sent, from the characters {@code typed} that a console decoding with
     * {@code charset} returned: as is under UTF-8; otherwise re-encoded with {@code charset} (giving back the
     * terminal's bytes) and decoded as strict UTF-8, so ASCII is unchanged and "Ã©" under ISO-8859-1 is "é".
     * U+FFFD (bytes {@code charset} could not decode), characters it cannot encode, and bytes that are not
     * UTF-8 (a terminal really in a legacy encoding) are refused, naming {@code wayOut} in the message. Always
     * returns a new array; {@code typed} is wiped, on refusal too.
     */
    static char[] asUtf8(char[] typed, Charset charset, String wayOut) throws FailedException {
        try {
            boolean utf8 = charset.equals(StandardCharsets.UTF_8);
            for (char c : typed) {
                if (c != REPLACEMENT) continue;
                throw new FailedException(utf8
                        ? "the terminal did not send the passphrase as UTF-8: set the terminal to UTF-8 or give it "
                                + "with " + wayOut
                        : cannotCarry(charset, wayOut));
            }
            if (utf8) return typed.clone();
            byte[] sent = encode(typed, charset, wayOut);
            try {
                return StrictUtf8.decodeChars(sent, 0, sent.length);
            } catch (CharacterCodingException e) {
                throw new FailedException("the terminal sent the passphrase in its own encoding ("
                        + charset.name() + "), not UTF-8: set a UTF-8 locale (e.g. LC_ALL=C.UTF-8) and terminal, "
                        + "or give it with " + wayOut);
            } finally {
                Arrays.fill(sent, (byte) 0);
            }
        } finally {
            Arrays.fill(typed, '\0');
        }
    }

    private static String cannotCarry(Charset charset, String wayOut) {
        return "the terminal's encoding (" + charset.name() + ") cannot carry this passphrase: set a UTF-8 locale "
                + "(e.g. LC_ALL=C.UTF-8) or give it with " + wayOut;
    }

    /**
     * {@code chars} encoded strictly with {@code charset}, exactly sized. Encodes into arrays this method owns
     * (never the encoder's own growing buffer), and wipes each one it leaves behind.
     */
    private static byte[] encode(char[] chars, Charset charset, String wayOut) throws FailedException {
        if (!charset.canEncode()) throw new FailedException(cannotCarry(charset, wayOut));
        CharsetEncoder encoder = charset.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int capacity = (int) Math.ceil(chars.length * (double) encoder.maxBytesPerChar()) + 16;
        while (true) {
            byte[] buffer = new byte[capacity];
            boolean keep = false;
            try {
                ByteBuffer out = ByteBuffer.wrap(buffer);
                CoderResult r = encoder.reset().encode(CharBuffer.wrap(chars), out, true);
                if (r.isUnderflow()) r = encoder.flush(out);
                if (r.isOverflow()) {
                    capacity *= 2;
                    continue;
                }
                if (r.isError()) throw new FailedException(cannotCarry(charset, wayOut));
                if (out.position() == buffer.length) {
                    keep = true;
                    return buffer;
                }
                return Arrays.copyOf(buffer, out.position());
            } finally {
                if (!keep) Arrays.fill(buffer, (byte) 0);
            }
        }
    }
}
