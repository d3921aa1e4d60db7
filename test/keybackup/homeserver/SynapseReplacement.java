package keybackup.homeserver;

import java.util.function.BiPredicate;
import keybackup.json.Json;

/**
 * Synapse's replacement decision for an uploaded room key, written for the tests independently of
 * {@link ReplacementRule} (which the local store uses), so that a test run against both is two separate
 * checks. The facts (Synapse, {@code synapse/handlers/e2e_room_keys.py}, {@code _should_replace_room_key};
 * protocol.md §5.6): with a key already stored, the new one replaces it when, tried in this order,
 * <ol>
 *   <li>the new key has {@code is_verified} true and the stored one false; or</li>
 *   <li>the new {@code first_message_index} is lower than the stored one; or</li>
 *   <li>the new {@code forwarded_count} is lower than the stored one;</li>
 * </ol>
 * and in every other case (ties included) the stored key stays. Note that step 2 and 3 do not look at
 * {@code is_verified}, and step 3 does not look at the index.
 */
public final class SynapseReplacement implements BiPredicate<Json.Obj, Json.Obj> {
    public static final SynapseReplacement RULE = new SynapseReplacement();

    private SynapseReplacement() {}

    @Override
    public boolean test(Json.Obj stored, Json.Obj uploaded) {
        boolean newVerified = ((Json.Bool) uploaded.get("is_verified")).value();
        boolean storedVerified = ((Json.Bool) stored.get("is_verified")).value();
        if (newVerified && !storedVerified) return true;
        if (field(uploaded, "first_message_index") < field(stored, "first_message_index")) return true;
        return field(uploaded, "forwarded_count") < field(stored, "forwarded_count");
    }

    private static long field(Json.Obj o, String name) {
        return ((Json.Int) o.get(name)).value();
    }

    @Override
    public String toString() {
        return "synapse (test copy)";
    }
}
