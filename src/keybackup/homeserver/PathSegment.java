package keybackup.homeserver;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding of one URL path segment (RFC 3986 §2.1, §3.3) for room IDs, session IDs, user IDs,
 * versions and account-data types.
 *
 * <p>Only the unreserved characters {@code A–Z a–z 0–9 - . _ ~} stay as they are; every other UTF-8 byte
 * becomes {@code %XX} (uppercase hex). So a Megolm session ID's {@code /} is {@code %2F} (Synapse's session
 * route matches "anything but /") and {@code +} is {@code %2B} (some servers read a raw {@code +} as a
 * space); a room ID's {@code !} and {@code :} become {@code %21} and {@code %3A}. Not
 * {@link java.net.URLEncoder}: that is form encoding and writes a space as {@code +}.
 */
final class PathSegment {
    private PathSegment() {}

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * The encoded segment. Rejects the empty string and the dot segments {@code .} and {@code ..}, which
     * a proxy could resolve against the path, and text with lone surrogates.
     */
    static String encode(String name, String value) {
        if (value.isEmpty() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(name + ": not usable as a path segment");
        }
        StringBuilder sb = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1)))
                    && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(value.charAt(i - 1)))) {
                throw new IllegalArgumentException(name + ": holds a lone surrogate");
            }
        }
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (isUnreserved(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
