package keybackup.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import keybackup.homeserver.AccessToken;
import keybackup.json.Json;

/**
 * The access token removed from a JSON value before it is printed ({@link Io#printCanonical}): every string
 * and every member name passes {@link AccessToken#redact}. Working on the value, not on the encoded bytes,
 * keeps the output valid JSON and finds the token even when it holds a character that JSON escapes.
 */
final class Redaction {
    private Redaction() {}

    /**
     * Whether a string or member name in {@code value} holds a piece of the token: {@link #json} without building
     * a copy, for a check per restored key.
     */
    static boolean holds(Json value, AccessToken token) {
        if (value instanceof Json.Str s) return token.redact(s.value()) != s.value();
        if (value instanceof Json.Arr a) {
            for (Json e : a.elements()) {
                if (holds(e, token)) return true;
            }
            return false;
        }
        if (value instanceof Json.Obj o) {
            for (Map.Entry<String, Json> m : o.members().entrySet()) {
                if (token.redact(m.getKey()) != m.getKey() || holds(m.getValue(), token)) return true;
            }
        }
        return false;
    }

    /** {@code value} with the token's pieces replaced in every string; the same object when none held one. */
    static Json json(Json value, AccessToken token) {
        if (value instanceof Json.Str s) {
            String r = token.redact(s.value());
            return r == s.value() ? s : Json.of(r);
        }
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
                String key = token.redact(m.getKey());
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
}
