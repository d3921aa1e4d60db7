package keybackup.workflow;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.BitSet;
import keybackup.keys.Base64Unpadded;

/**
 * The entries of an old backup version that a migration is bound to: for each one, a 64-bit digest of
 * where it is stored (room, session), a 64-bit digest of its key material (the decoded {@code session_key}
 * export, which holds the first known message index and the ratchet), and whether it was
 * {@code authenticated}. 16 bytes and a bit per key, so a million keys take about 16 MB. Sorted by
 * location, for binary search.
 *
 * <p>The digests are truncated SHA-256: a server that does not know a session's key material cannot aim
 * at its 64 bits, and an accidental collision would only make a check weaker for that one entry.
 */
final class OldEntries {
    private final long[] location;
    private final long[] content;
    private final BitSet authenticated;

    private OldEntries(long[] location, long[] content, BitSet authenticated) {
        this.location = location;
        this.content = content;
        this.authenticated = authenticated;
    }

    static final OldEntries EMPTY = new OldEntries(new long[0], new long[0], new BitSet());

    int size() {
        return location.length;
    }

    /** The position of the entry stored at {@code loc}, or −1. */
    int find(long loc) {
        int at = Arrays.binarySearch(location, loc);
        return at < 0 ? -1 : at;
    }

    long content(int i) {
        return content[i];
    }

    boolean authenticated(int i) {
        return authenticated.get(i);
    }

    /**
     * These entries and those of {@code more} at other locations (for a location in both, this set's entry is kept).
     */
    OldEntries plus(OldEntries more) {
        if (more.size() == 0) return this;
        Builder b = new Builder();
        for (int i = 0; i < size(); i++) b.add(location[i], content[i], authenticated(i));
        for (int i = 0; i < more.size(); i++) {
            if (find(more.location[i]) < 0) b.add(more.location[i], more.content[i], more.authenticated(i));
        }
        return b.build();
    }

    /**
     * SHA-256 over the sorted entries (location, content, authenticated): equal sets, equal digests. The mark
     * is covered too, so that a resumed run bound only to a record's digest cannot take a read in which the
     * same keys lost their authenticated verdict (a server that hides the old version's signatures) as the
     * migration's own, copy them unauthenticated and delete the authenticated originals.
     */
    String digest() {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocate(17);
        for (int i = 0; i < size(); i++) {
            buf.clear();
            buf.putLong(location[i]).putLong(content[i]).put((byte) (authenticated(i) ? 1 : 0));
            md.update(buf.array());
        }
        return Base64Unpadded.encode(md.digest());
    }

    /** The first bytes of {@link #toBytes}: the format's name and version. */
    private static final byte[] MAGIC = "keybackup-entries-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY_BYTES = 17;

    /**
     * These entries as bytes, for a local file: {@link #MAGIC}, the count (4 bytes), then per entry its location
     * and content digests (8 bytes each) and 1 when it is authenticated, else 0.
     */
    byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(MAGIC.length + 4 + size() * ENTRY_BYTES);
        buf.put(MAGIC).putInt(size());
        for (int i = 0; i < size(); i++) {
            buf.putLong(location[i]).putLong(content[i]).put((byte) (authenticated(i) ? 1 : 0));
        }
        return buf.array();
    }

    /** The entries {@link #toBytes} wrote, or null when {@code bytes} are not such a file. */
    static OldEntries fromBytes(byte[] bytes) {
        if (bytes.length < MAGIC.length + 4
                || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) return null;
        ByteBuffer buf = ByteBuffer.wrap(bytes, MAGIC.length, bytes.length - MAGIC.length);
        int n = buf.getInt();
        if (n < 0 || (long) n * ENTRY_BYTES != buf.remaining()) return null;
        Builder b = new Builder();
        for (int i = 0; i < n; i++) {
            long loc = buf.getLong();
            long cont = buf.getLong();
            byte auth = buf.get();
            if (auth != 0 && auth != 1) return null;
            b.add(loc, cont, auth == 1);
        }
        return b.build();
    }

    static long location(String roomId, String sessionId) {
        MessageDigest md = sha256();
        md.update(roomId.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(sessionId.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(md.digest()).getLong();
    }

    /** A digest of the key material: of the decoded export bytes, so that two spellings of one key are equal. */
    static long content(String sessionKey) {
        byte[] bytes;
        try {
            bytes = Base64Unpadded.decode("session_key", sessionKey);
        } catch (keybackup.keys.KeyFormatException e) {
            bytes = sessionKey.getBytes(StandardCharsets.UTF_8); // not reached for a verified session
        }
        try {
            return ByteBuffer.wrap(sha256().digest(bytes)).getLong();
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects entries in any order; {@link #build} sorts them and keeps the first of a repeated location. */
    static final class Builder {
        private long[] location = new long[256];
        private long[] content = new long[256];
        private final BitSet authenticated = new BitSet();
        private int n;

        void add(String roomId, String sessionId, String sessionKey, boolean auth) {
            add(location(roomId, sessionId), content(sessionKey), auth);
        }

        void add(long loc, long cont, boolean auth) {
            if (n == location.length) {
                location = Arrays.copyOf(location, n * 2);
                content = Arrays.copyOf(content, n * 2);
            }
            location[n] = loc;
            content[n] = cont;
            authenticated.set(n, auth);
            n++;
        }

        int size() {
            return n;
        }

        OldEntries build() {
            // Heapsort of the parallel arrays by location: in place, no boxing, n log n whatever the order.
            for (int i = n / 2 - 1; i >= 0; i--) siftDown(i, n);
            for (int end = n - 1; end > 0; end--) {
                swap(0, end);
                siftDown(0, end);
            }
            // Keep one entry per location (the first after sorting; a repeat means a collision or a lying server).
            int out = 0;
            BitSet auth = new BitSet(n);
            for (int i = 0; i < n; i++) {
                if (out > 0 && location[out - 1] == location[i]) continue;
                location[out] = location[i];
                content[out] = content[i];
                auth.set(out, authenticated.get(i));
                out++;
            }
            return new OldEntries(Arrays.copyOf(location, out), Arrays.copyOf(content, out), auth);
        }

        private void siftDown(int i, int end) {
            while (true) {
                int child = 2 * i + 1;
                if (child >= end) return;
                if (child + 1 < end && location[child + 1] > location[child]) child++;
                if (location[i] >= location[child]) return;
                swap(i, child);
                i = child;
            }
        }

        private void swap(int i, int j) {
            long t = location[i]; location[i] = location[j]; location[j] = t;
            t = content[i]; content[i] = content[j]; content[j] = t;
            boolean a = authenticated.get(i);
            authenticated.set(i, authenticated.get(j));
            authenticated.set(j, a);
        }
    }
}
