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

/** The tests' own copy of Synapse's rule against protocol.md §5.6, and against the main code's SYNAPSE rule. */
class SynapseReplacementTest {
    @Test
    void test_digestDifferenceCases_replaceWhereTheSpecKeeps() {
        assertTrue(SynapseReplacement.RULE.test(key(true, 5, 0, "s"), key(false, 0, 0, "c")), "index rule fires");
        assertTrue(SynapseReplacement.RULE.test(key(false, 0, 5, "s"), key(false, 3, 0, "c")), "forwarded rule ignores the index");
        assertTrue(SynapseReplacement.RULE.test(key(false, 0, 0, "s"), key(true, 5, 0, "c")), "a verified copy wins first");
        assertFalse(SynapseReplacement.RULE.test(key(true, 2, 1, "s"), key(true, 2, 1, "c")), "ties keep the stored key");
        assertFalse(SynapseReplacement.RULE.test(key(true, 0, 0, "s"), key(true, 5, 0, "c")), "a later index never wins on its own");
    }

    @Test
    void test_everySmallCase_agreesWithMainCodesSynapseRule() {
        List<String> differ = new ArrayList<>();
        for (int bits = 0; bits < 1 << 6; bits++) {
            Json.Obj stored = key((bits & 1) != 0, (bits >> 1) & 1, (bits >> 2) & 1, "s");
            Json.Obj candidate = key((bits & 8) != 0, (bits >> 4) & 1, (bits >> 5) & 1, "c");
            if (SynapseReplacement.RULE.test(stored, candidate) != ReplacementRule.SYNAPSE.shouldReplace(stored, candidate)) {
                differ.add(stored + " <- " + candidate);
            }
        }
        assertEquals(List.of(), differ);
    }
}
