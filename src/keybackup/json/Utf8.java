package keybackup.json;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 conversions: malformed input is an error, never silently replaced. */
public final class Utf8 {
    private Utf8() {}

    /** Encodes text; a lone surrogate is an error (String.getBytes would write '?'). */
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

    /** Decodes bytes; invalid UTF-8 is an error. */
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
