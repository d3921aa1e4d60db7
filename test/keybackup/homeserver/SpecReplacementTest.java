package keybackup.homeserver;

import static keybackup.BackupFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import keybackup.json.Json;
import keybackup.localstore.ReplacementRule;
import org.junit.jupiter.api.Test;

/** The test homeserver's own copy of the spec's rule against protocol.md §5.6, and against the local store's. */
class SpecReplacementTest {
    @Test
    void test_digestDifferenceCases_keepWhereSynapseReplaces() {
        assertFalse(SpecReplacement.RULE.test(key(true, 5, 0, "s"), key(false, 0, 0, "c")),
                "verified beats a lower index");
        assertFalse(SpecReplacement.RULE.test(key(false, 0, 5, "s"), key(false, 3, 0, "c")),
                "the index comes before forwarded");
        assertTrue(SpecReplacement.RULE.test(key(false, 0, 0, "s"), key(true, 5, 0, "c")),
                "a verified copy wins first");
        assertFalse(SpecReplacement.RULE.test(key(true, 2, 1, "s"), key(true, 2, 1, "c")), "ties keep the stored key");
        assertTrue(SpecReplacement.RULE.test(key(true, 2, 1, "s"), key(true, 2, 0, "c")), "fewer forwards win last");
    }

    @Test
    void test_everySmallCase_agreesWithLocalStoresSpecRule() {
        List<String> differ = new ArrayList<>();
        for (int bits = 0; bits < 1 << 6; bits++) {
            Json.Obj stored = key((bits & 1) != 0, (bits >> 1) & 1, (bits >> 2) & 1, "s");
            Json.Obj candidate = key((bits & 8) != 0, (bits >> 4) & 1, (bits >> 5) & 1, "c");
            if (SpecReplacement.RULE.test(stored, candidate) != ReplacementRule.SPEC.shouldReplace(stored, candidate)) {
                differ.add(stored + " <- " + candidate);
            }
        }
        assertEquals(List.of(), differ);
    }

    @Test
    void acceptable_eachRequiredField_checked() {
        assertTrue(SpecReplacement.acceptable(key(false, 0, 0, "x")));
        assertFalse(SpecReplacement.acceptable(key(false, 0, 0, "x").with("first_message_index", Json.of(-1))));
        assertFalse(SpecReplacement.acceptable(key(false, 0, 0, "x").with("forwarded_count", Json.of("0"))));
        assertFalse(SpecReplacement.acceptable(key(false, 0, 0, "x").with("is_verified", Json.of(1))));
        assertFalse(SpecReplacement.acceptable(key(false, 0, 0, "x").without("session_data")));
    }
}
