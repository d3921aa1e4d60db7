package keybackup.homeserver;

import java.util.function.BiPredicate;
import keybackup.json.Json;

/**
 * The spec's replacement decision for an uploaded room key, written for the test homeserver separately
 * from the local store's {@code ReplacementRule.SPEC}, so that a test run against both stores is two
 * independent checks. The facts (spec, "Server-side key backups", PUT /room_keys/keys; protocol.md §5.6):
 * keys compare by {@code is_verified} (true is better), then {@code first_message_index} (lower is
 * better), then {@code forwarded_count} (lower is better); the uploaded key replaces the stored one only
 * when it is strictly better, so a tie keeps the stored key.
 */
public final class SpecReplacement implements BiPredicate<Json.Obj, Json.Obj> {
    public static final SpecReplacement RULE = new SpecReplacement();

    private SpecReplacement() {}

    @Override
    public boolean test(Json.Obj stored, Json.Obj uploaded) {
        // > 0: the uploaded one is verified, the stored one not
        int byVerified = Boolean.compare(flag(uploaded), flag(stored));
        if (byVerified != 0) return byVerified > 0;
        int byIndex = Long.compare(field(stored, "first_message_index"), field(uploaded, "first_message_index"));
        if (byIndex != 0) return byIndex > 0;
        return field(uploaded, "forwarded_count") < field(stored, "forwarded_count");
    }

    /**
     * Whether a server accepts {@code data} as a KeyBackupData: both counters non-negative integers,
     * {@code is_verified} a boolean, {@code session_data} an object.
     */
    public static boolean acceptable(Json.Obj data) {
        return data.get("first_message_index") instanceof Json.Int i && i.value() >= 0
                && data.get("forwarded_count") instanceof Json.Int f && f.value() >= 0
                && data.get("is_verified") instanceof Json.Bool
                && data.get("session_data") instanceof Json.Obj;
    }

    private static boolean flag(Json.Obj o) {
        return ((Json.Bool) o.get("is_verified")).value();
    }

    private static long field(Json.Obj o, String name) {
        return ((Json.Int) o.get(name)).value();
    }

    @Override
    public String toString() {
        return "spec (test copy)";
    }
}
