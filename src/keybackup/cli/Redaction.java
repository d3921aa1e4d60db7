package keybackup.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import keybackup.homeserver.AccessToken;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;

/**
 * The access token removed from a JSON value before it is printed ({@link Io#printCanonical}): every string
 * and every member name passes {@link AccessToken#redact}, and so do a number's digits and a string as written
 * ({@link #json}). Working on the value, not on the encoded bytes, keeps the output valid JSON and finds the
 * token even when it holds a character that JSON escapes.
 */
final class Redaction {
    private Redaction() {}

    /** What takes the place of a whole string or number whose piece of the token shows only as it is written. */
    private static final String WHOLE = "[redacted]";

    /**
     * Whether {@link #json} would change {@code value}: a string or member name in it holds a piece of the token,
     * or shows one once written, as a number may. Builds no copy, for a check per restored key.
     */
    static boolean holds(Json value, AccessToken token) {
        if (value instanceof Json.Str s) return text(s.value(), token) != s.value();
        if (value instanceof Json.Int n) return number(n, token) != n;
        if (value instanceof Json.Arr a) {
            for (Json e : a.elements()) {
                if (holds(e, token)) return true;
            }
            return false;
        }
        if (value instanceof Json.Obj o) {
            for (Map.Entry<String, Json> m : o.members().entrySet()) {
                if (text(m.getKey(), token) != m.getKey() || holds(m.getValue(), token)) return true;
            }
        }
        return false;
    }

    /**
     * {@code value} with the token's pieces replaced in every string and member name; the same object when none
     * held one. A piece can also show only once the value is written: the letter or digit that ends an escape
     * (canonical JSON's {@code \}{@code n} or {@code \}{@code u0001}, the terminal's {@code \}{@code u202e})
     * completing the 7 characters after it, or the digits of a number. Such a string or number is replaced
     * whole by {@value #WHOLE}. (A piece across a member name, the punctuation and a value needs a token with
     * JSON's punctuation in it, which no server's tokens have; restore checks its exact bytes for it too.)
     */
    static Json json(Json value, AccessToken token) {
        if (value instanceof Json.Str s) {
            String r = text(s.value(), token);
            return r == s.value() ? s : Json.of(r);
        }
        if (value instanceof Json.Int n) return number(n, token);
        if (value instanceof Json.Arr a) {
            List<Json> out = new ArrayList<>(a.elements().size());
            boolean changed = false;
            for (Json e : a.elements()) {
                Json r = json(e, token);
                changed |= r != e;
                out.add(r);
            }
            return changed ? new Json.Arr(out) : a;
        }
        if (value instanceof Json.Obj o) {
            Map<String, Json> out = new LinkedHashMap<>();
            boolean changed = false;
            for (Map.Entry<String, Json> m : o.members().entrySet()) {
                String key = text(m.getKey(), token);
                Json v = json(m.getValue(), token);
                changed |= key != m.getKey() || v != m.getValue();
                // two names that differ only in their pieces of the token would collide: number the later ones
                String unique = key;
                for (int n = 2; out.containsKey(unique); n++) unique = key + " (" + n + ")";
                out.put(unique, v);
            }
            return changed ? new Json.Obj(out) : o;
        }
        return value;
    }

    /** {@code s} with the token's pieces replaced, or {@value #WHOLE} when it shows one written; else {@code s}. */
    private static String text(String s, AccessToken token) {
        String r = token.redact(s);
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) { // written escaped, as JSON or on a terminal
                String shown = TerminalText.escape(CanonicalJson.encodeToString(Json.of(r)));
                return token.redact(shown) != shown ? WHOLE : r;
            }
        }
        return r;
    }

    /** {@code n}, or {@value #WHOLE} as a string when its digits hold a piece of the token. */
    private static Json number(Json.Int n, AccessToken token) {
        String digits = Long.toString(n.value());
        return token.redact(digits) == digits ? n : Json.of(WHOLE);
    }
}
