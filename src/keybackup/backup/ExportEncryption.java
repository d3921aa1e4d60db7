package keybackup.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * Writing an encrypted key export as a stream: the prefix, then each piece of plaintext encrypted,
 * added to the MAC and armoured as it comes, holding only one line at a time; {@link #close()} writes the
 * MAC and the footer.
 */
final class ExportEncryption extends OutputStream {
    private final ExportArmour.Encoder armour;
    private ExportKeys keys;
    private final ExportCipher cipher;
    private final Mac mac;
    private final byte[] buf = new byte[1 << 14];

    ExportEncryption(OutputStream out, char[] passphrase, ExportPrefix p) throws IOException {
        this(out, new ExportKeys(passphrase, p), p);
    }

    /**
     * Takes over {@code keys}, derived for {@code p}: {@link #close()} zeroes them, and so does a failure here
     * (writing the header and prefix to {@code out}, which is left to the caller to close).
     */
    ExportEncryption(OutputStream out, ExportKeys keys, ExportPrefix p) throws IOException {
        this.keys = keys;
        boolean ok = false;
        try {
            mac = keys.hmac();
            cipher = new ExportCipher(keys.aes, p.iv());
            armour = new ExportArmour.Encoder(out);
            armour.write(p.bytes());
            mac.update(p.bytes());
            ok = true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR or HmacSHA256 is not available", e);
        } finally {
            if (!ok) keys.close();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (keys == null) throw new IOException("key export: stream closed");
        try {
            while (len > 0) {
                int take = Math.min(len, buf.length);
                cipher.apply(b, off, take, buf, 0);
                mac.update(buf, 0, take);
                armour.write(buf, 0, take);
                off += take;
                len -= take;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR failed", e);
        }
    }

    @Override
    public void flush() throws IOException {
        armour.flush();
    }

    @Override
    public void close() throws IOException {
        if (keys == null) return;
        try {
            byte[] tag = mac.doFinal();
            armour.write(tag);
            armour.close();
        } finally {
            keys.close();
            keys = null;
            Arrays.fill(buf, (byte) 0);
        }
    }
}
