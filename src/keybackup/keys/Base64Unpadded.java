package keybackup.keys;

import java.util.Base64;

/**
 * Matrix "unpadded base64" (spec appendix; protocol.md §3.2). Encoding: standard alphabet, no padding.
 * Decoding is lenient only where every reference reader is: up to two trailing '=' are accepted (the
 * spec says decoders SHOULD) and non-zero trailing bits are accepted (the spec's own test seed has
 * them). Rejected: the URL-safe characters '-' and '_', whitespace, any other character, and a length
 * of 1 mod 4. Fixed-size values are then length-checked by the caller through {@link #decode(String, String, int)}.
 */
public final class Base64Unpadded {
    private Base64Unpadded() {}

    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    /**
     * Encodes bytes in the standard alphabet without padding; the unused low bits of the last character are
     * zero, so the text is the one canonical form of the bytes.
     *
     * @param bytes the bytes to encode; not changed
     * @return the unpadded base64 text
     */
    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** The value of each standard-alphabet character, -1 for every other ASCII character. */
    private static final byte[] VALUE = new byte[128];

    static {
        java.util.Arrays.fill(VALUE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) VALUE[alphabet.charAt(i)] = (byte) i;
    }

    /**
     * Decodes {@code value} of the JSON field {@code field}, of any length.
     *
     * @param field the value's name, used in error messages (the value itself never is)
     * @param value the base64 text, unpadded or with up to two '='
     * @return the decoded bytes, a new array owned by the caller (who zeroes it when it is secret)
     * @throws KeyFormatException if {@code value} is null or not base64 as described above (the only exception
     *     for any input)
     */
    public static byte[] decode(String field, String value) throws KeyFormatException {
        if (value == null) throw new KeyFormatException(field + ": missing");
        int end = value.length();
        for (int k = 0; k < 2 && end > 0 && value.charAt(end - 1) == '='; k++) end--;
        if (end % 4 == 1) throw new KeyFormatException(field + ": not valid base64 (bad length)");
        // One pass: every character is checked as it is decoded; 4 characters carry 3 bytes, and a
        // final group of 2 or 3 characters carries 1 or 2 bytes (its unused low bits are ignored).
        byte[] out = new byte[end / 4 * 3 + Math.max(0, end % 4 - 1)];
        int bits = 0;
        int o = 0;
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            int v = c < 128 ? VALUE[c] : -1;
            if (v < 0) throw new KeyFormatException(field + ": not valid base64 (character at index " + i + ")");
            bits = bits << 6 | v;
            if ((i & 3) == 3) {
                out[o++] = (byte) (bits >> 16);
                out[o++] = (byte) (bits >> 8);
                out[o++] = (byte) bits;
                bits = 0;
            }
        }
        switch (end & 3) {
            case 2 -> out[o] = (byte) (bits >> 4);
            case 3 -> {
                out[o] = (byte) (bits >> 10);
                out[o + 1] = (byte) (bits >> 2);
            }
            default -> { }
        }
        return out;
    }

    /**
     * Decodes and requires exactly {@code length} bytes.
     *
     * @param field the value's name, used in error messages (the value itself never is)
     * @param value the base64 text, unpadded or with up to two '='
     * @param length the number of bytes the value must decode to
     * @return the decoded bytes, a new array owned by the caller (who zeroes it when it is secret)
     * @throws KeyFormatException if {@code value} is null, not base64, or decodes to another length
     */
    public static byte[] decode(String field, String value, int length) throws KeyFormatException {
        byte[] b = decode(field, value);
        if (b.length != length) throw new KeyFormatException(field + ": expected " + length + " bytes, got " + b.length);
        return b;
    }
}
