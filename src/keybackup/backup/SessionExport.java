package keybackup.backup;

import java.util.Arrays;
import keybackup.internal.Bytes;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.KeyFormatException;

/**
 * The Megolm session export in {@code session_key} (libolm {@code docs/megolm.md}; protocol.md §6.3):
 * 165 bytes = version {@code 0x01} ‖ ratchet index (4 bytes, big-endian) ‖ ratchet R(i,0..3) (128
 * bytes) ‖ the session's Ed25519 public key Kpub (32 bytes). The session ID is the unpadded base64 of
 * Kpub, so it is computed here rather than trusted from the cleartext around the session.
 *
 * <p>Only the public facts (first index, session ID) are kept; the secret ratchet bytes are zeroed
 * after parsing (best effort: the base64 string they came from stays in the caller's JSON).
 */
public final class SessionExport {
    /** Length in bytes of a version 0x01 session export. */
    public static final int LENGTH = 165;
    /** The only export version read: the first byte of the export. */
    public static final int VERSION = 0x01;
    private static final int KPUB_OFFSET = 133;

    private final long firstIndex;
    private final String sessionId;

    private SessionExport(long firstIndex, String sessionId) {
        this.firstIndex = firstIndex;
        this.sessionId = sessionId;
    }

    /**
     * Parses the base64 {@code session_key}; only version 0x01 exports of exactly 165 bytes. The decoded
     * bytes, ratchet included, are zeroed before returning.
     *
     * @param b64 the {@code session_key} string, unpadded or padded base64
     * @return the export's public facts
     * @throws KeyFormatException if {@code b64} is null, not base64, empty, of another version than 0x01 or
     *     not {@value #LENGTH} bytes long
     */
    public static SessionExport parse(String b64) throws KeyFormatException {
        byte[] raw = Base64Unpadded.decode("session_key", b64);
        try {
            if (raw.length == 0) throw new KeyFormatException("session_key: empty");
            // Version first: a 229-byte version 0x02 (MSC1219 "sharing" format) gets the clearer message.
            if ((raw[0] & 0xff) != VERSION) {
                throw new KeyFormatException("session_key: unsupported session export version " + (raw[0] & 0xff) + " (expected 1)");
            }
            if (raw.length != LENGTH) throw new KeyFormatException("session_key: expected 165 bytes, got " + raw.length);
            long index = (raw[1] & 0xffL) << 24 | (raw[2] & 0xffL) << 16 | (raw[3] & 0xffL) << 8 | (raw[4] & 0xffL);
            String id = Base64Unpadded.encode(Arrays.copyOfRange(raw, KPUB_OFFSET, LENGTH));
            return new SessionExport(index, id);
        } finally {
            Bytes.zero(raw);
        }
    }

    /**
     * Reads the ratchet index of the export.
     *
     * @return bytes 1–4, big-endian and unsigned: the first message index the export can decrypt
     */
    public long firstIndex() {
        return firstIndex;
    }

    /**
     * Gives the Megolm session ID.
     *
     * @return the canonical unpadded base64 of Kpub (bytes 133..165)
     */
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String toString() {
        return "SessionExport[session_id=" + sessionId + ", first_index=" + firstIndex + "]";
    }
}
