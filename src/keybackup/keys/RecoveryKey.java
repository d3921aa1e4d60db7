package keybackup.keys;

import java.math.BigInteger;
import keybackup.internal.Bytes;

/**
 * The recovery-key text form of a 32-byte key (spec appendix "Cryptographic key representation";
 * protocol.md §7.1): base58 (Bitcoin alphabet) of {@code 0x8B 0x01 ‖ key ‖ parity}, where parity is the XOR
 * of the 34 bytes before it, written in groups of four characters separated by spaces. Used for the
 * backup decryption key and for Secret Storage keys.
 *
 * <p>Decoding removes all whitespace (as matrix-rust-sdk does), then checks, in this order: base58
 * characters, length (exactly 35 bytes), prefix, parity. Each failure has its own message; none
 * includes key material.
 *
 * <p>Bounded work: text over {@value #MAX_TEXT_LENGTH} characters is refused before it is read, and more
 * than {@value #MAX_BASE58_LENGTH} base58 characters before any arithmetic, so decoding costs time linear
 * in the input (base58 decoding is quadratic in the number of digits).
 */
public final class RecoveryKey {
    private RecoveryKey() {}

    private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final BigInteger FIFTY_EIGHT = BigInteger.valueOf(58);
    private static final int KEY_LENGTH = 32;
    private static final int DECODED_LENGTH = 35;
    /**
     * Longest recovery-key text accepted: the key is 48 base58 characters, 59 with its 11 spaces; this
     * leaves room for any line breaks and indentation a user may paste.
     */
    public static final int MAX_TEXT_LENGTH = 1024;
    /** More base58 characters than 35 bytes can need (48); a longer string is refused without decoding it. */
    static final int MAX_BASE58_LENGTH = 64;

    /**
     * Writes a 32-byte key as a recovery key. The intermediate byte array is zeroed; the result is a
     * {@code String} and cannot be.
     *
     * @param key the secret key; not changed or kept
     * @return the recovery-key text: 48 base58 characters in groups of four separated by single spaces
     * @throws IllegalArgumentException if {@code key} is not 32 bytes long
     */
    public static String encode(byte[] key) {
        if (key.length != KEY_LENGTH) throw new IllegalArgumentException("recovery key: expected 32 bytes, got " + key.length);
        byte[] buf = new byte[DECODED_LENGTH];
        buf[0] = (byte) 0x8B;
        buf[1] = 0x01;
        System.arraycopy(key, 0, buf, 2, KEY_LENGTH);
        byte parity = 0;
        for (int i = 0; i < DECODED_LENGTH - 1; i++) parity ^= buf[i];
        buf[DECODED_LENGTH - 1] = parity;
        String b58 = base58(buf);
        Bytes.zero(buf);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b58.length(); i++) {
            if (i > 0 && i % 4 == 0) sb.append(' ');
            sb.append(b58.charAt(i));
        }
        return sb.toString();
    }

    /**
     * The 32-byte key in a recovery key; whitespace anywhere is ignored. Intermediate arrays are zeroed.
     *
     * @param text the recovery key as the user typed or pasted it
     * @return the 32-byte key, a new array the caller owns and zeroes when done
     * @throws KeyFormatException the text is over {@value #MAX_TEXT_LENGTH} characters or is not a valid
     *     recovery key (the message says which check failed)
     */
    public static byte[] decode(String text) throws KeyFormatException {
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new KeyFormatException("recovery key: over " + MAX_TEXT_LENGTH + " characters (a recovery key is 48 characters and spaces)");
        }
        StringBuilder compact = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) continue;
            if (ALPHABET.indexOf(c) < 0) throw new KeyFormatException("recovery key: invalid character (not base58)");
            compact.append(c);
        }
        if (compact.length() > MAX_BASE58_LENGTH) {
            throw new KeyFormatException("recovery key: bad length (expected 48 base58 characters, got " + compact.length() + ")");
        }
        byte[] raw = unbase58(compact.toString());
        try {
            if (raw.length != DECODED_LENGTH) throw new KeyFormatException("recovery key: bad length (expected 35 bytes after base58, got " + raw.length + ")");
            if ((raw[0] & 0xff) != 0x8B || raw[1] != 0x01) throw new KeyFormatException("recovery key: bad prefix (not a Matrix recovery key)");
            byte parity = 0;
            for (byte b : raw) parity ^= b;
            if (parity != 0) throw new KeyFormatException("recovery key: bad parity (mistyped?)");
            return java.util.Arrays.copyOfRange(raw, 2, 2 + KEY_LENGTH);
        } finally {
            Bytes.zero(raw);
        }
    }

    private static String base58(byte[] bytes) {
        BigInteger n = new BigInteger(1, bytes);
        StringBuilder sb = new StringBuilder();
        while (n.signum() > 0) {
            BigInteger[] qr = n.divideAndRemainder(FIFTY_EIGHT);
            sb.append(ALPHABET.charAt(qr[1].intValue()));
            n = qr[0];
        }
        for (int i = 0; i < bytes.length && bytes[i] == 0; i++) sb.append('1');
        return sb.reverse().toString();
    }

    private static byte[] unbase58(String s) {
        BigInteger n = BigInteger.ZERO;
        for (int i = 0; i < s.length(); i++) n = n.multiply(FIFTY_EIGHT).add(BigInteger.valueOf(ALPHABET.indexOf(s.charAt(i))));
        int leadingZeros = 0;
        while (leadingZeros < s.length() && s.charAt(leadingZeros) == '1') leadingZeros++;
        byte[] mag = n.signum() == 0 ? new byte[0] : n.toByteArray();
        int skip = mag.length > 0 && mag[0] == 0 ? 1 : 0; // BigInteger's sign byte
        byte[] out = new byte[leadingZeros + mag.length - skip];
        System.arraycopy(mag, skip, out, leadingZeros, mag.length - skip);
        Bytes.zero(mag);
        return out;
    }
}
