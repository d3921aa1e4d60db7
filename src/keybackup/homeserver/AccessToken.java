package keybackup.homeserver;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A Matrix access token.
 *
 * <p>Security properties: {@link #toString()} is redacted; the value leaves this object only as the
 * {@code Authorization} header built by {@link HomeserverClient}; no message of this package contains
 * it (error texts from the server are scrubbed with {@link #redact(String)}). Only visible ASCII is
 * accepted, so the value cannot inject header lines. Not a record (a record would print its value),
 * no {@code equals}, not serializable. The token stays in the heap as a {@code String} until garbage
 * collected; the JDK's HTTP client needs it as a {@code String}.
 */
public final class AccessToken {
    /** Environment variable read by {@link #fromEnvironment()}. */
    public static final String ENVIRONMENT_VARIABLE = "KEYBACKUP_ACCESS_TOKEN";
    /** Longest token accepted (Synapse tokens are under 100 characters). */
    public static final int MAX_LENGTH = 4096;

    private final String value;

    private AccessToken(String value) {
        this.value = value;
    }

    /** A token given directly; it must be 1–4096 visible ASCII characters. */
    public static AccessToken of(String value) {
        Objects.requireNonNull(value, "access token");
        String problem = problem(value);
        if (problem != null) throw new IllegalArgumentException("access token: " + problem);
        return new AccessToken(value);
    }

    /** The token in {@code KEYBACKUP_ACCESS_TOKEN}. */
    public static AccessToken fromEnvironment() throws StoreException {
        return fromEnvironment(System.getenv());
    }

    static AccessToken fromEnvironment(Map<String, String> environment) throws StoreException {
        String v = environment.get(ENVIRONMENT_VARIABLE);
        if (v == null || v.isBlank()) throw new StoreException(ENVIRONMENT_VARIABLE + ": not set");
        String problem = problem(v.strip());
        if (problem != null) throw new StoreException(ENVIRONMENT_VARIABLE + ": " + problem);
        return new AccessToken(v.strip());
    }

    /** The first line of {@code file} (surrounding whitespace removed). */
    public static AccessToken fromFile(Path file) throws StoreException {
        String line;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            line = r.readLine();
        } catch (IOException e) {
            // the exception text names the file, never its contents
            throw new StoreException("access token file " + file + ": cannot read (" + e.getClass().getSimpleName() + ")", e);
        }
        if (line == null || line.isBlank()) throw new StoreException("access token file " + file + ": first line is empty");
        String problem = problem(line.strip());
        if (problem != null) throw new StoreException("access token file " + file + ": " + problem);
        return new AccessToken(line.strip());
    }

    /** The {@code Authorization} header value. */
    String bearer() {
        return "Bearer " + value;
    }

    /** {@code text} with every occurrence of the token replaced by {@code [redacted]}. */
    String redact(String text) {
        return text == null ? null : text.replace(value, "[redacted]");
    }

    @Override
    public String toString() {
        return "AccessToken[redacted]";
    }

    private static String problem(String v) {
        if (v.isEmpty()) return "empty";
        if (v.length() > MAX_LENGTH) return "longer than " + MAX_LENGTH + " characters";
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // reject: anything else could split or corrupt the Authorization header
            if (c < 0x21 || c > 0x7e) return "contains a character that is not visible ascii";
        }
        return null;
    }
}
