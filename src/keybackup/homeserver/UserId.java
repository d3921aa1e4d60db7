package keybackup.homeserver;

import java.nio.charset.StandardCharsets;

/**
 * The Matrix user id grammar (spec appendix "Identifier Grammar", user identifiers), checked in this one
 * place: {@code @localpart:server_name}, at most 255 bytes. The localpart is read with the historical
 * grammar clients must still accept (any printable ASCII but {@code :}); the server name is
 * {@code hostname [":" port]} with a DNS name, an IPv4 literal or a bracketed IPv6 literal, and a port
 * of 1 to 5 digits.
 */
public final class UserId {
    private UserId() {}

    /** The spec's limit on a whole user id, in bytes. */
    public static final int MAX_LENGTH = 255;

    /**
     * Checks {@code userId} against the grammar above.
     *
     * @param userId the text to check; may be null
     * @return null when {@code userId} is a valid user id, else a one-line reason (which does not repeat the
     *     input)
     */
    public static String problem(String userId) {
        if (userId == null || userId.isEmpty()) return "missing user id";
        if (userId.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH) {
            return "user id is longer than " + MAX_LENGTH + " bytes";
        }
        if (userId.charAt(0) != '@') return "user id must start with @ (expected @localpart:server)";
        int colon = userId.indexOf(':');
        if (colon < 0) return "user id has no :server part (expected @localpart:server)";
        String local = userId.substring(1, colon);
        if (local.isEmpty()) return "user id has an empty localpart";
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c < 0x21 || c > 0x7e) return "user id localpart has a character that is not printable ASCII";
        }
        return serverNameProblem(userId.substring(colon + 1));
    }

    /**
     * Checks {@code userId} where an invalid one is a caller bug (input from users goes through
     * {@link #problem} to get a typed error instead).
     *
     * @param userId the user id to check
     * @return {@code userId} itself
     * @throws IllegalArgumentException with the reason from {@link #problem} when {@code userId} is not valid
     */
    public static String require(String userId) {
        String why = problem(userId);
        if (why != null) throw new IllegalArgumentException(why);
        return userId;
    }

    private static String serverNameProblem(String server) {
        String host;
        String port = null;
        if (server.startsWith("[")) {
            int close = server.indexOf(']');
            if (close < 0) return "user id server name has an unclosed [";
            host = server.substring(1, close);
            if (host.length() < 2 || host.length() > 45 || !host.chars().allMatch(c -> isHex(c) || c == ':'
                    || c == '.') || host.indexOf(':') < 0) {
                return "user id server name is not a valid IPv6 literal";
            }
            String rest = server.substring(close + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') return "user id server name has text after the IPv6 literal";
                port = rest.substring(1);
            }
        } else {
            int colon = server.indexOf(':');
            host = colon < 0 ? server : server.substring(0, colon);
            if (colon >= 0) port = server.substring(colon + 1);
            if (host.isEmpty()) return "user id has an empty server name";
            if (!host.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.')) {
                return "user id server name has a character outside letters, digits, '-' and '.'";
            }
        }
        if (port != null && (port.isEmpty() || port.length() > 5
                || !port.chars().allMatch(c -> c >= '0' && c <= '9'))) {
            return "user id server port must be 1 to 5 digits";
        }
        return null;
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
