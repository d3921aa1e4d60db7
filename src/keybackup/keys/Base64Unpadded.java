package keybackup.keys;

import java.util.Base64;

/**
 * Matrix "unpadded base64" (spec appendix; digest 01 §2.3). Encoding: standard alphabet, no padding.
 * Decoding is lenient only where every reference reader is: up to two trailing '=' are accepted (the
 * spec says decoders SHOULD) and non-zero trailing bits are accepted (the spec's own test seed has
 * them). Rejected: the URL-safe characters '-' and '_', whitespace, any other character, and a length
 * of 1 mod 4. Fixed-size values are then length-checked by the caller through {@link #decode(String, String, int)}.
 */
public final class Base64Unpadded {
    private Base64Unpadded() {}

    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** Decodes {@code value} of the JSON field {@code field}. */
    public static byte[] decode(String field, String value) throws KeyFormatException {
        if (value == null) throw new KeyFormatException(field + ": missing");
        int end = value.length();
        for (int k = 0; k < 2 && end > 0 && value.charAt(end - 1) == '='; k++) end--;
        if (end % 4 == 1) throw new KeyFormatException(field + ": not valid base64 (bad length)");
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!ok) throw new KeyFormatException(field + ": not valid base64 (character at index " + i + ")");
        }
        // With padding removed the JDK decoder accepts the remaining unpadded text and ignores trailing bits.
        return Base64.getDecoder().decode(value.substring(0, end));
    }

    /** Decodes and requires exactly {@code length} bytes. */
    public static byte[] decode(String field, String value, int length) throws KeyFormatException {
        byte[] b = decode(field, value);
        if (b.length != length) throw new KeyFormatException(field + ": expected " + length + " bytes, got " + b.length);
        return b;
    }
}
