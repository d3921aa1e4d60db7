package keybackup.trust;

import java.util.ArrayList;
import java.util.List;
import keybackup.backup.FieldNames;
import keybackup.json.Json;

/**
 * Reads the SessionData {@code authenticated} flag in all its spellings (protocol.md §10.5). The flag is
 * TRUE only if every spelling present is the JSON boolean {@code true}; spellings that are not all the
 * same JSON value are a CONFLICT; anything else (absent, {@code false}, the string {@code "true"},
 * {@code 1}) is FALSE. This is only what the plaintext claims: it counts for nothing without a valid
 * signature by a trusted backup signing key.
 */
public enum AuthenticatedFlag {
    /** Every spelling present is the JSON boolean {@code true}. */
    TRUE,
    /** No spelling is present, or they all hold the same value, which is not the JSON boolean {@code true}. */
    FALSE,
    /** Two spellings present hold different JSON values. */
    CONFLICT;

    /**
     * Reads the flag a SessionData claims, as the class comment describes. Nothing is verified here.
     *
     * @param sessionData the decrypted SessionData object
     * @return what the plaintext claims: {@link #TRUE}, {@link #FALSE} or {@link #CONFLICT}
     * @throws NullPointerException if {@code sessionData} is null
     */
    public static AuthenticatedFlag read(Json.Obj sessionData) {
        List<Json> values = new ArrayList<>();
        for (String name : FieldNames.spellings(FieldNames.AUTHENTICATED)) {
            Json v = sessionData.get(name);
            if (v != null) values.add(v);
        }
        if (values.isEmpty()) return FALSE;
        for (Json v : values) {
            if (!v.equals(values.get(0))) return CONFLICT;
        }
        return Json.Bool.TRUE.equals(values.get(0)) ? TRUE : FALSE;
    }
}
