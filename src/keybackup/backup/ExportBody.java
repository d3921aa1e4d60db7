package keybackup.backup;

import java.io.IOException;
import java.io.InputStream;
import keybackup.backup.KeyExportException.Kind;

/**
 * The ciphertext part of an encrypted export's payload: everything after the prefix except the last 32
 * bytes, which are held back and become {@link #tag()} at the end.
 */
final class ExportBody {
    private static final int MAC_LENGTH = EncryptedKeyExport.MAC_LENGTH;
    private final InputStream payload;
    private final byte[] held = new byte[MAC_LENGTH];
    private int heldLength;
    private byte[] scratch = new byte[0];
    private boolean ended;

    ExportBody(InputStream payload) {
        this.payload = payload;
    }

    /** Up to {@code len} ciphertext bytes into {@code b}, or -1 at the end. */
    int read(byte[] b, int off, int len) throws IOException {
        if (ended) return -1;
        if (scratch.length < len + MAC_LENGTH) scratch = new byte[len + MAC_LENGTH];
        while (true) {
            System.arraycopy(held, 0, scratch, 0, heldLength);
            int n = payload.read(scratch, heldLength, len);
            if (n < 0) {
                ended = true;
                if (heldLength < MAC_LENGTH) {
                    throw new KeyExportException(Kind.TRUNCATED, "the payload ends before its 32-byte MAC");
                }
                return -1;
            }
            int total = heldLength + n;
            int release = total - MAC_LENGTH;
            if (release <= 0) {
                System.arraycopy(scratch, 0, held, 0, total);
                heldLength = total;
                continue;
            }
            System.arraycopy(scratch, 0, b, off, release);
            System.arraycopy(scratch, release, held, 0, MAC_LENGTH);
            heldLength = MAC_LENGTH;
            return release;
        }
    }

    /** The MAC at the end of the payload, once the body was read to its end. */
    byte[] tag() {
        if (!ended) throw new IllegalStateException("body not read to its end");
        return held.clone();
    }
}
