package keybackup.trust;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.BooleanSupplier;
import keybackup.json.Json;
import keybackup.keys.Ed25519PublicKey;

/**
 * A speed measure only: the Ed25519 signatures that {@link SessionVerifier} has already found valid, so that a
 * second read of the same entries (a migration's copy pass after its first read) does not check each one
 * again. Ed25519 verification is a pure function of the public key, the signature and the signed bytes, so
 * a signature found valid once is valid again on the very same three; remembering that changes no verdict.
 *
 * <p>What is kept per signature is a 128-bit digest (SHA-256, truncated) of the three: the 32 public-key
 * bytes, the signature string as written (its UTF-8 length first) and the canonical signed bytes. Only a
 * verifier adds to it, and only after a check that passed; a caller can make an empty one and hand it to
 * verifiers, nothing else. To match an entry, someone would need other bytes with the same 128 bits as a
 * signature the user's own client made (a second preimage), not just any two colliding inputs.
 *
 * <p>Memory is bounded: at most {@link #MAX_ENTRIES} digests (16 bytes each, in a table at most half full,
 * so at most 32 MiB, and 48 MiB for the moment of its last doubling, while the old table is copied); past
 * that, signatures are simply checked every time. Safe for several threads, on a lock of its own.
 */
public final class VerifiedSignatures {
    /** The most digests kept (a million keys' worth of one read). */
    static final int MAX_ENTRIES = 1 << 20;

    private final int maxEntries;
    /** Guards the table; private, so that a caller holding the set's own monitor stops no verifier. */
    private final Object lock = new Object();
    private long[] high = new long[1 << 12];
    private long[] low = new long[1 << 12];
    private int size;

    /** An empty set: verifiers given it fill it. */
    public VerifiedSignatures() {
        this(MAX_ENTRIES);
    }

    /** An empty set that keeps at most {@code maxEntries} digests (tests use a small one). */
    VerifiedSignatures(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /**
     * Whether the signature {@code value} by {@code key} over {@code signedBytes} is valid: from this set when
     * it was found valid before, else by {@code check}, whose valid outcome is then kept.
     */
    boolean valid(Ed25519PublicKey key, Json.Str value, byte[] signedBytes, BooleanSupplier check) {
        byte[] d = digest(key, value, signedBytes);
        ByteBuffer b = ByteBuffer.wrap(d);
        long h = b.getLong();
        long l = b.getLong();
        if ((h | l) == 0) return check.getAsBoolean(); // 0 marks a free slot: such a digest is never kept
        if (contains(h, l)) return true;
        boolean valid = check.getAsBoolean();
        if (valid) add(h, l);
        return valid;
    }

    /** How many signatures are kept (for tests). */
    int size() {
        synchronized (lock) {
            return size;
        }
    }

    private boolean contains(long h, long l) {
        synchronized (lock) {
            int mask = high.length - 1;
            for (int i = slot(h, mask); ; i = (i + 1) & mask) {
                if (high[i] == h && low[i] == l) return true;
                if ((high[i] | low[i]) == 0) return false;
            }
        }
    }

    private void add(long h, long l) {
        synchronized (lock) {
            if (contains(h, l) || size >= maxEntries) return;
            if (2 * (size + 1) > high.length) grow();
            put(high, low, h, l);
            size++;
        }
    }

    private void grow() { // with the lock held
        long[] nh = new long[high.length * 2];
        long[] nl = new long[low.length * 2];
        for (int i = 0; i < high.length; i++) {
            if ((high[i] | low[i]) != 0) put(nh, nl, high[i], low[i]);
        }
        high = nh;
        low = nl;
    }

    private static void put(long[] hs, long[] ls, long h, long l) {
        int mask = hs.length - 1;
        int i = slot(h, mask);
        while ((hs[i] | ls[i]) != 0) i = (i + 1) & mask;
        hs[i] = h;
        ls[i] = l;
    }

    private static int slot(long h, int mask) {
        return (int) (h ^ (h >>> 32)) & mask; // the digest is already uniform: any of its bits will do
    }

    private static byte[] digest(Ed25519PublicKey key, Json.Str value, byte[] signedBytes) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
        byte[] sig = value.value().getBytes(StandardCharsets.UTF_8);
        md.update(key.bytes()); // always 32 bytes
        md.update(ByteBuffer.allocate(4).putInt(sig.length).array());
        md.update(sig);
        md.update(signedBytes);
        return md.digest();
    }

    @Override
    public String toString() {
        return "VerifiedSignatures[" + size() + "]";
    }
}
