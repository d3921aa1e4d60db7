package keybackup.workflow;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.BitSet;
import keybackup.keys.Base64Unpadded;

/**
 * The entries of an old backup version that a migration is bound to: for each one, a 128-bit digest of
 * where it is stored (room, session), a 64-bit digest of its key material (the decoded {@code session_key}
 * export, which holds the first known message index and the ratchet), and whether it was
 * {@code authenticated}. 24 bytes and a bit per key in memory, so a million keys take about 24 MB; the file
 * ({@link #toBytes}) takes 25 bytes a key, so a million keys take about 25 MB, well under
 * {@link Checkpoint#MAX_ENTRIES_BYTES} (64 MiB: about 2.6 million keys). Sorted by location, for binary search.
 *
 * <p>The digests are truncated SHA-256. Two entries that share a location would be taken for one, so the
 * location digest is 128 bits: the server chooses room and session ids, and making two of them collide takes
 * about 2^64 work. The content digest may stay at 64 bits: a server that does not know a session's key
 * material cannot aim at it, and an accidental collision would only make a check weaker for that one entry.
 *
 * <p>{@link #digest} is the SHA-256 of the file's bytes, so the record that names it binds everything the file
 * holds, the {@code authenticated} bits included: a planted file that clears one does not match. Format
 * {@value #FORMAT}; the earlier format 1 (64-bit locations, a digest without the {@code authenticated} bits)
 * is not read ({@link #fromBytes} returns null for it), and a migration recorded with it is refused with a
 * message saying what to do.
 */
final class OldEntries {
    /** The format of the entries file and of {@link #digest}; a record without one is of format 1. */
    static final int FORMAT = 2;

    /** Where an entry is stored: the first 128 bits of SHA-256 over room id, a zero byte and session id. */
    record Location(long high, long low) {}

    private final long[] high;
    private final long[] low;
    private final long[] content;
    private final BitSet authenticated;

    private OldEntries(long[] high, long[] low, long[] content, BitSet authenticated) {
        this.high = high;
        this.low = low;
        this.content = content;
        this.authenticated = authenticated;
    }

    static final OldEntries EMPTY = new OldEntries(new long[0], new long[0], new long[0], new BitSet());

    int size() {
        return high.length;
    }

    /** The position of the entry stored at {@code loc}, or −1. */
    int find(Location loc) {
        return find(loc.high(), loc.low());
    }

    private int find(long h, long l) {
        int lo = 0;
        int hi = size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(high[mid], low[mid], h, l);
            if (c < 0) lo = mid + 1;
            else if (c > 0) hi = mid - 1;
            else return mid;
        }
        return -1;
    }

    private static int compare(long h1, long l1, long h2, long l2) {
        int c = Long.compare(h1, h2);
        return c != 0 ? c : Long.compare(l1, l2);
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
        for (int i = 0; i < size(); i++) b.add(high[i], low[i], content[i], authenticated(i));
        for (int i = 0; i < more.size(); i++) {
            if (find(more.high[i], more.low[i]) < 0) {
                b.add(more.high[i], more.low[i], more.content[i], more.authenticated(i));
            }
        }
        return b.build();
    }

    /**
     * SHA-256 over {@link #toBytes} (computed without making them): equal sets, equal digests; any difference in
     * what the file holds, an {@code authenticated} bit included, gives another digest. The bits matter: a
     * resumed run bound only to a record's digest must not take a read in which the same keys lost their
     * authenticated verdict (a server that hides the old version's signatures) as the migration's own, copy
     * them unauthenticated and delete the authenticated originals.
     */
    String digest() {
        MessageDigest md = sha256();
        write(md::update);
        return Base64Unpadded.encode(md.digest());
    }

    /** The first bytes of {@link #toBytes}: the format's name and version. */
    private static final byte[] MAGIC = ("keybackup-entries-" + FORMAT + "\n").getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY_BYTES = 25;

    /**
     * These entries as bytes, for a local file: {@link #MAGIC}, the count (4 bytes), then per entry, in location
     * order, its location digest (16 bytes), its content digest (8 bytes) and 1 when it is authenticated, else 0.
     */
    byte[] toBytes() {
        byte[] out = new byte[MAGIC.length + 4 + size() * ENTRY_BYTES];
        int[] at = {0};
        write((b, off, len) -> {
            System.arraycopy(b, off, out, at[0], len);
            at[0] += len;
        });
        return out;
    }

    /** Where {@link #write} puts the bytes. */
    @FunctionalInterface
    private interface Sink {
        void put(byte[] b, int off, int len);
    }

    /** Hands the bytes of {@link #toBytes} to {@code sink}, a few thousand entries at a time. */
    private void write(Sink sink) {
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_BYTES * 2048);
        buf.put(MAGIC).putInt(size());
        for (int i = 0; i < size(); i++) {
            if (buf.remaining() < ENTRY_BYTES) {
                sink.put(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putLong(high[i]).putLong(low[i]).putLong(content[i]).put((byte) (authenticated(i) ? 1 : 0));
        }
        sink.put(buf.array(), 0, buf.position());
    }

    /**
     * The entries {@link #toBytes} wrote, or null when {@code bytes} are not such a file (also one of format 1, or
     * one whose entries are not in strictly increasing location order, as no file this class wrote is).
     */
    static OldEntries fromBytes(byte[] bytes) {
        if (bytes.length < MAGIC.length + 4
                || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) return null;
        ByteBuffer buf = ByteBuffer.wrap(bytes, MAGIC.length, bytes.length - MAGIC.length);
        int n = buf.getInt();
        if (n < 0 || (long) n * ENTRY_BYTES != buf.remaining()) return null;
        long[] h = new long[n];
        long[] l = new long[n];
        long[] c = new long[n];
        BitSet auth = new BitSet(n);
        for (int i = 0; i < n; i++) {
            h[i] = buf.getLong();
            l[i] = buf.getLong();
            c[i] = buf.getLong();
            byte a = buf.get();
            if (a != 0 && a != 1) return null;
            if (i > 0 && compare(h[i - 1], l[i - 1], h[i], l[i]) >= 0) return null;
            auth.set(i, a == 1);
        }
        return new OldEntries(h, l, c, auth);
    }

    static Location location(String roomId, String sessionId) {
        MessageDigest md = sha256();
        md.update(roomId.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(sessionId.getBytes(StandardCharsets.UTF_8));
        ByteBuffer d = ByteBuffer.wrap(md.digest());
        return new Location(d.getLong(), d.getLong());
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
        private long[] high = new long[256];
        private long[] low = new long[256];
        private long[] content = new long[256];
        private final BitSet authenticated = new BitSet();
        private int n;

        void add(String roomId, String sessionId, String sessionKey, boolean auth) {
            Location loc = location(roomId, sessionId);
            add(loc.high(), loc.low(), content(sessionKey), auth);
        }

        void add(long h, long l, long cont, boolean auth) {
            if (n == high.length) {
                high = Arrays.copyOf(high, n * 2);
                low = Arrays.copyOf(low, n * 2);
                content = Arrays.copyOf(content, n * 2);
            }
            high[n] = h;
            low[n] = l;
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
            // Keep one entry per location (the first after sorting; a repeat means a lying server).
            int out = 0;
            BitSet auth = new BitSet(n);
            for (int i = 0; i < n; i++) {
                if (out > 0 && high[out - 1] == high[i] && low[out - 1] == low[i]) continue;
                high[out] = high[i];
                low[out] = low[i];
                content[out] = content[i];
                auth.set(out, authenticated.get(i));
                out++;
            }
            return new OldEntries(Arrays.copyOf(high, out), Arrays.copyOf(low, out), Arrays.copyOf(content, out),
                    auth);
        }

        private boolean less(int i, int j) {
            return compare(high[i], low[i], high[j], low[j]) < 0;
        }

        private void siftDown(int i, int end) {
            while (true) {
                int child = 2 * i + 1;
                if (child >= end) return;
                if (child + 1 < end && less(child, child + 1)) child++;
                if (!less(i, child)) return;
                swap(i, child);
                i = child;
            }
        }

        private void swap(int i, int j) {
            long t = high[i]; high[i] = high[j]; high[j] = t;
            t = low[i]; low[i] = low[j]; low[j] = t;
            t = content[i]; content[i] = content[j]; content[j] = t;
            boolean a = authenticated.get(i);
            authenticated.set(i, authenticated.get(j));
            authenticated.set(j, a);
        }
    }
}
