package keybackup.json;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 conversions: malformed input is an error, never silently replaced. */
public final class Utf8 {
    private Utf8() {}

    /**
     * Encodes text as UTF-8; a lone surrogate is an error ({@code String.getBytes} would write '?').
     *
     * @param text the text to encode
     * @return the UTF-8 bytes, a new array
     * @throws JsonException if {@code text} holds a surrogate that is not part of a pair (no offset given)
     */
    public static byte[] encode(String text) throws JsonException {
        try {
            ByteBuffer bb = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new JsonException("text holds a lone surrogate", -1);
        }
    }

    /**
     * Decodes UTF-8 bytes; malformed input is an error, never replaced with U+FFFD.
     *
     * @param bytes the bytes to decode; not changed
     * @return the text
     * @throws JsonException if {@code bytes} is not valid UTF-8 (no offset given)
     */
    public static String decode(byte[] bytes) throws JsonException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new JsonException("invalid UTF-8", -1);
        }
    }
}
