package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bound set of a migration: order-free digest, lookup after sorting, one entry per location. */
class OldEntriesTest {
    private static List<String[]> entries(int n) {
        List<String[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(new String[] {"!r" + (i % 7) + ":x", "s" + i, "AQAA" + Integer.toString(i, 36)});
        return l;
    }

    private static OldEntries build(List<String[]> l) {
        OldEntries.Builder b = new OldEntries.Builder();
        for (int i = 0; i < l.size(); i++) b.add(l.get(i)[0], l.get(i)[1], l.get(i)[2], l.get(i)[1].endsWith("3"));
        return b.build();
    }

    @Test
    void build_anyOrder_sameDigestAndEveryEntryFound() {
        List<String[]> l = entries(1000);
        OldEntries a = build(l);
        Collections.shuffle(l, new Random(1));
        OldEntries b = build(l);
        assertEquals(a.digest(), b.digest());
        assertEquals(1000, b.size());
        for (String[] e : l) {
            int at = b.find(OldEntries.location(e[0], e[1]));
            assertTrue(at >= 0, e[1]);
            assertEquals(OldEntries.content(e[2]), b.content(at));
            assertEquals(e[1].endsWith("3"), b.authenticated(at));
        }
        assertEquals(-1, b.find(OldEntries.location("!r0:x", "absent")));
    }

    @Test
    void digest_oneEntryMissingOrChanged_differs() {
        List<String[]> l = entries(50);
        String d = build(l).digest();
        assertNotEquals(d, build(l.subList(1, 50)).digest());
        l.set(7, new String[] {l.get(7)[0], l.get(7)[1], "AQAAchanged"});
        assertNotEquals(d, build(l).digest());
    }

    @Test
    void digest_anAuthenticatedBitDiffers_differs() {
        List<String[]> l = entries(50);
        OldEntries asRead = build(l);
        OldEntries.Builder b = new OldEntries.Builder();
        // the same entries, with one authenticated entry (s3) planted as not authenticated
        for (String[] e : l) b.add(e[0], e[1], e[2], e[1].endsWith("3") && !e[1].equals("s3"));
        OldEntries flipped = b.build();
        assertEquals(asRead.size(), flipped.size());
        assertNotEquals(asRead.digest(), flipped.digest(), "the digest binds every authenticated bit");
    }

    @Test
    void file_keepsAtLeast128BitsOfLocationPerEntry_andAMillionKeysFitTheCap() {
        int perEntry = build(entries(2)).toBytes().length - build(entries(1)).toBytes().length;
        // a location digest of at least 16 bytes, a content digest of 8, and the authenticated bit
        assertTrue(perEntry >= 16 + 8 + 1, "bytes per entry: " + perEntry);
        long million = build(entries(0)).toBytes().length + 1_000_000L * perEntry;
        assertTrue(million <= Checkpoint.MAX_ENTRIES_BYTES, "a million keys: " + million + " bytes");
    }

    @Test
    void digest_isTheSha256OfTheFileBytes() throws Exception {
        OldEntries e = build(entries(30));
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(e.toBytes());
        assertEquals(keybackup.keys.Base64Unpadded.encode(sha), e.digest(), "the digest covers all the file holds");
        assertEquals(e.digest(), OldEntries.fromBytes(e.toBytes()).digest());
    }

    @Test
    void plus_keepsOwnEntryAtSharedLocationAndAddsNewOnes() {
        OldEntries a = build(entries(10));
        List<String[]> more = new ArrayList<>(List.of(new String[] {"!r0:x", "s0", "AQAAother"}, new String[] {"!r9:x", "new", "AQAAnew"}));
        OldEntries both = a.plus(build(more));
        assertEquals(11, both.size());
        assertEquals(OldEntries.content("AQAA0"), both.content(both.find(OldEntries.location("!r0:x", "s0"))));
        assertTrue(both.find(OldEntries.location("!r9:x", "new")) >= 0);
    }
}
