package keybackup.backup;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import keybackup.backup.KeyExportException.Kind;

/**
 * Reading an encrypted key export in two passes over the same bytes, in bounded memory. Pass one
 * ({@link #verify}) checks the armour, the prefix and the MAC over the whole file, so nothing is
 * decrypted from a file whose MAC fails. Pass two ({@link Decrypting}) decrypts, recomputing the MAC, and
 * reports the end of the stream only if it matches again: a file changed between the passes makes the
 * last {@code read} throw.
 *
 * <p>The keys are derived once per export: {@link #open(Reopen, char[])} derives them for one read, and
 * {@link EncryptedKeyExport.Unlocked} keeps them for every read of the same file, each read still making
 * both passes.
 */
final class ExportDecryption {
    private ExportDecryption() {}

    /** Source of the same armoured bytes, opened once per pass. */
    @FunctionalInterface
    interface Reopen {
        InputStream open() throws IOException;
    }

    /**
     * The plaintext stream of {@code source}: the keys derived, pass one now, pass two as the stream is
     * read. The stream owns the keys: closing it, or a failure here, zeroes them.
     */
    static InputStream open(Reopen source, char[] passphrase) throws IOException {
        ExportKeys keys = null;
        try {
            ExportPrefix p;
            byte[] tag;
            try (InputStream payload = new ExportArmour.Decoder(source.open())) {
                p = ExportPrefix.read(payload);
                keys = new ExportKeys(passphrase, p);
                tag = verify(payload, p, keys);
            }
            InputStream plain = new Decrypting(source, p, tag, keys, true);
            keys = null; // the stream owns them now
            return plain;
        } finally {
            if (keys != null) keys.close();
        }
    }

    /** The prefix of {@code source}, checked (version, length, rounds); nothing after it is read. */
    static ExportPrefix prefix(Reopen source) throws IOException {
        try (InputStream payload = new ExportArmour.Decoder(source.open())) {
            return ExportPrefix.read(payload);
        }
    }

    /**
     * A new read of {@code source} with keys derived earlier for {@code expected}: both passes, as
     * {@link #open(Reopen, char[])} makes them. The stream borrows the keys: closing it leaves them to their
     * owner. A file whose prefix is no longer {@code expected} was changed, and is refused.
     */
    static InputStream open(Reopen source, ExportPrefix expected, ExportKeys keys) throws IOException {
        byte[] tag;
        try (InputStream payload = new ExportArmour.Decoder(source.open())) {
            ExportPrefix p = ExportPrefix.read(payload);
            if (!Arrays.equals(p.bytes(), expected.bytes())) {
                throw new KeyExportException(Kind.WRONG_PASSPHRASE_OR_MODIFIED,
                        "the file changed since it was first read (its salt, IV or rounds differ)");
            }
            tag = verify(payload, p, keys);
        }
        return new Decrypting(source, expected, tag, keys, false);
    }

    /**
     * Pass one, after the prefix {@code p}: checks the armour and the MAC over the rest of the file, reading
     * it in fixed-size pieces, and returns the file's MAC.
     */
    private static byte[] verify(InputStream payload, ExportPrefix p, ExportKeys k) throws IOException {
        try {
            Mac mac = k.hmac();
            mac.update(p.bytes());
            ExportBody body = new ExportBody(payload);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = body.read(buf, 0, buf.length)) >= 0; ) mac.update(buf, 0, n);
            byte[] tag = body.tag();
            if (!MessageDigest.isEqual(mac.doFinal(), tag)) {
                throw new KeyExportException(Kind.WRONG_PASSPHRASE_OR_MODIFIED,
                        "wrong passphrase, or the file was changed (the MAC does not match)");
            }
            return tag;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Pass two: decrypts, recomputing the MAC; the end of the stream is reported only if it matches again. */
    private static final class Decrypting extends InputStream {
        private final InputStream payload;
        private final ExportBody body;
        private final byte[] expectedTag;
        /** Whether closing this stream zeroes {@link #keys} (else they are borrowed). */
        private final boolean ownsKeys;
        private ExportKeys keys;
        private ExportCipher cipher;
        private Mac mac;
        private boolean finished;

        /** Reads {@code source} again; pass one found {@code first} and {@code tag} there. */
        Decrypting(Reopen source, ExportPrefix first, byte[] tag, ExportKeys keys, boolean ownsKeys)
                throws IOException {
            this.expectedTag = tag;
            this.keys = keys;
            this.ownsKeys = ownsKeys;
            InputStream in = null;
            try {
                in = new ExportArmour.Decoder(source.open());
                ExportPrefix p = ExportPrefix.read(in);
                if (!Arrays.equals(p.bytes(), first.bytes())) throw changed();
                mac = keys.hmac();
                mac.update(p.bytes());
                cipher = new ExportCipher(keys.aes, p.iv());
            } catch (GeneralSecurityException e) {
                if (in != null) in.close();
                close();
                throw new IllegalStateException("AES/CTR or HmacSHA256 is not available", e);
            } catch (IOException | RuntimeException e) {
                if (in != null) in.close();
                close();
                throw e;
            }
            payload = in;
            body = new ExportBody(in);
        }

        private static KeyExportException changed() {
            return new KeyExportException(Kind.WRONG_PASSPHRASE_OR_MODIFIED,
                    "the file changed while it was read (the MAC no longer matches)");
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n;
            do {
                n = read(one, 0, 1);
            } while (n == 0);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (finished) return -1;
            if (keys == null) throw new IOException("key export: stream closed");
            if (len == 0) return 0;
            int n = body.read(b, off, len);
            try {
                if (n < 0) {
                    boolean same = MessageDigest.isEqual(mac.doFinal(), body.tag())
                            && MessageDigest.isEqual(body.tag(), expectedTag);
                    close();
                    if (!same) throw changed();
                    finished = true;
                    return -1;
                }
                mac.update(b, off, n);
                cipher.apply(b, off, n, b, off);
                return n;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/CTR failed", e);
            }
        }

        @Override
        public void close() throws IOException {
            if (keys != null && ownsKeys) keys.close();
            keys = null;
            if (payload != null) payload.close();
        }
    }
}
