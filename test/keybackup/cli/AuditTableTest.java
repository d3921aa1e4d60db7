package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Server-controlled ids cannot forge rows or move the cursor in the human-readable audit. */
class AuditTableTest {
    @Test
    void printable_controlsAndSeparators_escaped() {
        assertEquals("!x:y\\u000a!real:room authenticated", AuditTable.printable("!x:y\n!real:room authenticated"));
        assertEquals("a\\u001b[2Jb\\u0085c\\u2028d\\u007f", AuditTable.printable("a\u001b[2Jb\u0085c\u2028d\u007f"));
        assertEquals("ordinary ids, é 😀 / + =", AuditTable.printable("ordinary ids, é 😀 / + ="));
    }
}
