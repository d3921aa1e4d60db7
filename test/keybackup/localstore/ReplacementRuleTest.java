package keybackup.localstore;

import static keybackup.BackupFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import keybackup.json.Json;
import org.junit.jupiter.api.Test;

/** protocol.md §5.5: the spec's lexicographic rule and Synapse's, including the two cases where they differ. */
class ReplacementRuleTest {
    @Test
    void shouldReplace_verifiedIndex5VsUnverifiedIndex0_specKeepsSynapseReplaces() {
        Json.Obj stored = key(true, 5, 0, "s");
        Json.Obj candidate = key(false, 0, 0, "c");
        assertFalse(ReplacementRule.SPEC.shouldReplace(stored, candidate));
        assertTrue(ReplacementRule.SYNAPSE.shouldReplace(stored, candidate));
    }

    @Test
    void shouldReplace_lowerIndexHigherFwdVsHigherIndexLowerFwd_specKeepsSynapseReplaces() {
        Json.Obj stored = key(false, 0, 5, "s");
        Json.Obj candidate = key(false, 3, 0, "c");
        assertFalse(ReplacementRule.SPEC.shouldReplace(stored, candidate));
        assertTrue(ReplacementRule.SYNAPSE.shouldReplace(stored, candidate));
    }

    @Test
    void shouldReplace_agreeingCases_bothRulesSame() {
        for (ReplacementRule rule : ReplacementRule.values()) {
            assertTrue(rule.shouldReplace(key(false, 0, 0, "s"), key(true, 0, 0, "c")), rule + " verified wins");
            assertTrue(rule.shouldReplace(key(false, 4, 0, "s"), key(false, 2, 0, "c")), rule + " lower index wins");
            assertTrue(rule.shouldReplace(key(false, 2, 3, "s"), key(false, 2, 1, "c")), rule + " lower fwd wins");
            assertFalse(rule.shouldReplace(key(true, 2, 1, "s"), key(true, 2, 1, "c")), rule + " tie keeps stored");
            assertFalse(rule.shouldReplace(key(true, 0, 0, "s"), key(false, 0, 0, "c")), rule + " unverified loses");
        }
    }

    @Test
    void problem_missingOrWrongFields_named() {
        assertNull(ReplacementRule.problem(key(false, 0, 0, "x")));
        assertEquals("first_message_index: expected a non-negative integer",
                ReplacementRule.problem(key(false, 0, 0, "x").with("first_message_index", Json.of(-1))));
        assertEquals("is_verified: expected a boolean", ReplacementRule.problem(key(false, 0, 0, "x").with("is_verified", Json.of("yes"))));
        assertEquals("session_data: expected an object", ReplacementRule.problem(key(false, 0, 0, "x").without("session_data")));
        assertEquals("forwarded_count: expected a non-negative integer", ReplacementRule.problem(key(false, 0, 0, "x").without("forwarded_count")));
    }
}
