package keybackup.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one strict UTF-8 conversion: invalid UTF-8 (or, encoding, a lone surrogate) is an error, never
 * silently replaced ({@code new String(bytes, UTF_8)} would write U+FFFD, {@code getBytes} a '?').
 * Callers turn {@link CharacterCodingException} into their own message. The conversions that may carry a
 * secret ({@link #decodeChars}, {@link #encode}) wipe their intermediate buffer.
 */
public final class StrictUtf8 {
    private StrictUtf8() {}

    private static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Decodes {@code bytes[offset .. offset + length)}. */
    public static String decode(byte[] bytes, int offset, int length) throws CharacterCodingException {
        return decoder().decode(ByteBuffer.wrap(bytes, offset, length)).toString();
    }

    /** Decodes {@code bytes}. */
    public static String decode(byte[] bytes) throws CharacterCodingException {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * Decodes {@code bytes[offset .. offset + length)} to characters without making a {@code String} (which
     * cannot be wiped): for passphrases. The decoder's buffer is wiped; {@code bytes} is left to the caller.
     */
    public static char[] decodeChars(byte[] bytes, int offset, int length) throws CharacterCodingException {
        CharBuffer chars = null;
        try {
            chars = decoder().decode(ByteBuffer.wrap(bytes, offset, length));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            return out;
        } finally {
            if (chars != null && chars.hasArray()) Arrays.fill(chars.array(), '\0');
        }
    }

    /** Encodes {@code text}; the encoder's buffer is wiped. */
    public static byte[] encode(CharSequence text) throws CharacterCodingException {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bb = encoder.encode(CharBuffer.wrap(text));
        try {
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        } finally {
            if (bb.hasArray()) Bytes.zero(bb.array());
        }
    }
}
