package keybackup.json;

import java.nio.charset.CharacterCodingException;
import keybackup.internal.StrictUtf8;

/** Strict UTF-8 conversions: malformed input is an error, never silently replaced. */
public final class Utf8 {
    private Utf8() {}

    /** Encodes text; a lone surrogate is an error (String.getBytes would write '?'). */
    public static byte[] encode(String text) throws JsonException {
        try {
            return StrictUtf8.encode(text);
        } catch (CharacterCodingException e) {
            throw new JsonException("text holds a lone surrogate", -1);
        }
    }

    /** Decodes bytes; invalid UTF-8 is an error. */
    public static String decode(byte[] bytes) throws JsonException {
        try {
            return StrictUtf8.decode(bytes);
        } catch (CharacterCodingException e) {
            throw new JsonException("invalid UTF-8", -1);
        }
    }
}
