package keybackup.workflow;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import keybackup.backup.ExportedSession;
import keybackup.json.CanonicalJson;

/**
 * Which copy of each (room, session) an upload sends, chosen in two passes over the sessions without
 * holding them: pass one {@link #offer}s every copy and keeps, per (room, session), only the rank of the
 * best one; pass two sends a copy when {@link #take} says it is that best one, the first copy of that rank.
 * That is the choice a map of every session would make (lower first index wins, then fewer forwards, then
 * the earlier copy), in 32 bytes per distinct session instead of the sessions themselves. Pass two also
 * checks that the copy it sends has the content pass one saw (a 64-bit digest), so a file replaced or
 * altered between the passes is refused instead of sent.
 *
 * <p>A (room, session) pair is known by the first 128 bits of SHA-256 over both ids (length-prefixed),
 * so two pairs are confused only if those collide: about 2^-88 for a million sessions.
 */
final class BestCopies {
    private static final long EMPTY = 0;
    private static final long TAKEN = Long.MIN_VALUE; // top bit of a slot's rank
    /** Forward counts above this compare as equal; an entry is capped far below it (4 MiB). */
    private static final long MAX_FORWARDS = 1L << 30;

    private long[] h1 = new long[1024];
    private long[] h2 = new long[1024];
    /** rank + 1 of the best copy (0: empty slot), with {@link #TAKEN} set once pass two sent it. */
    private long[] rank = new long[1024];
    /** 64 bits of SHA-256 over the best copy's whole entry, so pass two sends only the very copy pass one chose. */
    private long[] content = new long[1024];
    private int size;
    private final MessageDigest sha256;
    private final byte[] digest = new byte[32];

    BestCopies() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Distinct (room, session) pairs offered. */
    int size() {
        return size;
    }

    /** Pass one: records {@code s} if it is the best copy of its (room, session) so far. */
    void offer(ExportedSession s) {
        int slot = find(s);
        long r = rankOf(s) + 1;
        if (rank[slot] == EMPTY) {
            rank[slot] = r;
            content[slot] = contentOf(s);
            if (++size > rank.length / 4 * 3) grow();
        } else if (r < rank[slot]) {
            rank[slot] = r;
            content[slot] = contentOf(s);
        }
    }

    /**
     * Pass two: whether to send {@code s}, the first copy that has the best rank of its (room, session);
     * every later copy gets false. Throws if {@code s} was never offered (the input changed between passes).
     */
    boolean take(ExportedSession s) throws WorkflowException {
        int slot = find(s);
        long stored = rank[slot];
        if (stored == EMPTY) throw changed();
        if ((stored & TAKEN) != 0) return false;
        if (rankOf(s) + 1 != stored) return false;
        // same ids and rank but other bytes (the file was replaced between the passes, or an encrypted one
        // was altered where its MAC is checked only at the end): nothing of it is sent
        if (contentOf(s) != content[slot]) throw changed();
        rank[slot] = stored | TAKEN;
        return true;
    }

    /** Pass two's end: every pair's best copy was sent once. */
    void checkAllTaken() throws WorkflowException {
        for (long r : rank) {
            if (r != EMPTY && (r & TAKEN) == 0) throw changed();
        }
    }

    private static WorkflowException changed() {
        return new WorkflowException("the key file changed while it was read: some sessions differ between the two "
                + "passes; run the upload again");
    }

    /** Lower is better: first index (32 bits), then the number of forwards. */
    private static long rankOf(ExportedSession s) {
        long forwards = Math.min(s.data().forwardingChain().size(), MAX_FORWARDS);
        return (s.data().export().firstIndex() << 31) | forwards;
    }

    /** The first 64 bits of SHA-256 over the entry as exported (canonical JSON) and its recorded verdict. */
    private long contentOf(ExportedSession s) {
        sha256.reset();
        sha256.update(CanonicalJson.encode(s.toExportJson()));
        update(String.valueOf(s.recordedVerdict()));
        try {
            sha256.digest(digest, 0, 32);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        return longAt(0);
    }

    /** The slot of {@code s}'s pair: where it is, or the empty slot where it goes. */
    private int find(ExportedSession s) {
        sha256.reset();
        update(s.roomId());
        update(s.sessionId());
        try {
            sha256.digest(digest, 0, 32);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        long a = longAt(0);
        long b = longAt(8);
        int mask = rank.length - 1;
        for (int i = (int) (a ^ (a >>> 32)) & mask; ; i = (i + 1) & mask) {
            if (rank[i] == EMPTY) {
                h1[i] = a;
                h2[i] = b;
                return i;
            }
            if (h1[i] == a && h2[i] == b) return i;
        }
    }

    private void update(String id) {
        byte[] b = id.getBytes(StandardCharsets.UTF_8);
        sha256.update((byte) (b.length >>> 24));
        sha256.update((byte) (b.length >>> 16));
        sha256.update((byte) (b.length >>> 8));
        sha256.update((byte) b.length);
        sha256.update(b);
    }

    private long longAt(int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (digest[off + i] & 0xff);
        return v;
    }

    private void grow() {
        long[] o1 = h1;
        long[] o2 = h2;
        long[] or = rank;
        long[] oc = content;
        h1 = new long[o1.length * 2];
        h2 = new long[o1.length * 2];
        rank = new long[o1.length * 2];
        content = new long[o1.length * 2];
        int mask = rank.length - 1;
        for (int j = 0; j < or.length; j++) {
            if (or[j] == EMPTY) continue;
            long a = o1[j];
            int i = (int) (a ^ (a >>> 32)) & mask;
            while (rank[i] != EMPTY) i = (i + 1) & mask;
            h1[i] = a;
            h2[i] = o2[j];
            rank[i] = or[j];
            content[i] = oc[j];
        }
    }
}
