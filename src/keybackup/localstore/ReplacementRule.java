package keybackup.localstore;

import keybackup.json.Json;

/**
 * Whether an uploaded KeyBackupData replaces the one already stored for the same (room, session).
 * Used by {@link LocalStore} to behave like a server (the tests' homeserver has its own copies, written apart).
 *
 * <ul>
 *   <li>{@link #SPEC}: the spec's order, lexicographic on
 *       {@code (is_verified desc, first_message_index asc, forwarded_count asc)}; the new key replaces the
 *       stored one only when strictly better, so exact ties keep the stored key (the spec is silent on ties;
 *       this follows Synapse).</li>
 *   <li>{@link #SYNAPSE}: Synapse's {@code _should_replace_room_key}: replace if the new key is verified and
 *       the stored is not; else if the new index is lower; else if the new forwarded count is lower; else keep.</li>
 * </ul>
 *
 * <p>They differ (protocol.md §5.6):
 * <pre>
 * stored                        new                           SPEC          SYNAPSE
 * verified,   index 5           unverified, index 0           keep stored   replace (index rule fires)
 * unverified, index 0, fwd 5    unverified, index 3, fwd 0    keep stored   replace (fwd rule ignores index)
 * </pre>
 *
 * <p>Security property: none. The three fields are cleartext claims of the uploader; anyone who knows
 * the backup public key can upload a copy that looks better, so a client never relies on which copy
 * survived.
 */
public enum ReplacementRule {
    /**
     * The spec's order: the candidate wins only when strictly better on verified, then the lower first
     * message index, then the lower forwarded count; ties keep the stored copy.
     */
    SPEC {
        @Override
        public boolean shouldReplace(Json.Obj stored, Json.Obj candidate) {
            boolean sv = verified(stored);
            boolean cv = verified(candidate);
            if (sv != cv) return cv;
            long si = number(stored, FIRST_MESSAGE_INDEX);
            long ci = number(candidate, FIRST_MESSAGE_INDEX);
            if (si != ci) return ci < si;
            return number(candidate, FORWARDED_COUNT) < number(stored, FORWARDED_COUNT);
        }
    },
    /**
     * Synapse's checks in its order: a verified candidate over an unverified stored copy, else a lower
     * index, else a lower forwarded count, each on its own (a worse earlier field does not stop a later one).
     */
    SYNAPSE {
        @Override
        public boolean shouldReplace(Json.Obj stored, Json.Obj candidate) {
            if (verified(candidate) && !verified(stored)) return true;
            if (number(candidate, FIRST_MESSAGE_INDEX) < number(stored, FIRST_MESSAGE_INDEX)) return true;
            return number(candidate, FORWARDED_COUNT) < number(stored, FORWARDED_COUNT);
        }
    };

    static final String FIRST_MESSAGE_INDEX = "first_message_index";
    static final String FORWARDED_COUNT = "forwarded_count";
    static final String IS_VERIFIED = "is_verified";
    static final String SESSION_DATA = "session_data";

    /**
     * Whether an upload replaces the stored copy under this rule. A missing or non-integer number counts as
     * the worst (largest) value, but callers pass only objects that passed {@link #problem}.
     *
     * @param stored the KeyBackupData already stored for the (room, session)
     * @param candidate the uploaded KeyBackupData for the same (room, session)
     * @return true when {@code candidate} should replace {@code stored}
     */
    public abstract boolean shouldReplace(Json.Obj stored, Json.Obj candidate);

    /**
     * What is wrong with a KeyBackupData as a server would check it (all four fields required, the
     * integers non-negative), or null when it is acceptable. Unknown members are allowed.
     */
    static String problem(Json.Obj keyBackupData) {
        for (String field : new String[] {FIRST_MESSAGE_INDEX, FORWARDED_COUNT}) {
            if (!(keyBackupData.get(field) instanceof Json.Int i) || i.value() < 0) {
                return field + ": expected a non-negative integer";
            }
        }
        if (!(keyBackupData.get(IS_VERIFIED) instanceof Json.Bool)) return IS_VERIFIED + ": expected a boolean";
        if (keyBackupData.object(SESSION_DATA) == null) return SESSION_DATA + ": expected an object";
        return null;
    }

    private static boolean verified(Json.Obj data) {
        return data.get(IS_VERIFIED) instanceof Json.Bool b && b.value();
    }

    private static long number(Json.Obj data, String field) {
        return data.get(field) instanceof Json.Int i ? i.value() : Long.MAX_VALUE;
    }
}
