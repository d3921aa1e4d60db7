package keybackup.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import keybackup.backup.KeyExportException.Kind;
import keybackup.internal.Bytes;
import keybackup.internal.Jca;

/**
 * The passphrase-encrypted key export that Element's "Export E2E room keys", matrix-js-sdk and
 * matrix-rust-sdk read and write (Matrix spec, "Key exports"; protocol.md §12): the armoured file
 * {@code -----BEGIN MEGOLM SESSION DATA-----} around the base64 of
 * <pre>
 *   0x01 ‖ salt (16) ‖ IV (16) ‖ rounds (4, big-endian) ‖ AES-256-CTR(K, IV, plaintext) ‖ HMAC-SHA-256(K', all before)
 *   K ‖ K' = PBKDF2-HMAC-SHA-512(UTF-8 passphrase, salt, rounds, 64 bytes)
 * </pre>
 * The plaintext is the JSON key-export array ({@link ExportedSession}); this class does not parse it.
 *
 * <p>Security properties. The MAC is checked, in constant time, over the whole file before any
 * plaintext is returned: {@link #decrypt(Path, char[])} reads the file twice, first to check the MAC,
 * then to decrypt, and checks the MAC again at the end of the second pass; a file changed between the
 * passes makes the last {@code read} throw, so a caller must not act on the plaintext before the stream
 * reached its end. The round count read from a file is capped at {@link #MAX_ROUNDS} (a hostile file
 * could ask for 2^32−1 rounds, hours of work) and is checked before any key derivation. The passphrase
 * is a {@code char[]} that the caller wipes; derived key bytes are zeroed after use (best effort: JCA
 * key objects keep their own copies). The format has no passphrase check of its own: a wrong passphrase
 * is reported as {@link Kind#WRONG_PASSPHRASE_OR_MODIFIED}.
 *
 * <p>Memory. {@link #decrypt(Path, char[])} and {@link #encryptingStream} use a fixed amount of memory
 * whatever the size of the export; the {@code byte[]} methods hold the whole input and output.
 */
public final class EncryptedKeyExport {
    private EncryptedKeyExport() {}

    public static final String HEADER = ExportArmour.HEADER;
    public static final String FOOTER = ExportArmour.FOOTER;
    /** The only export format version the spec defines. */
    public static final int VERSION = 0x01;
    public static final int SALT_LENGTH = 16;
    public static final int IV_LENGTH = 16;
    public static final int MAC_LENGTH = 32;
    /** version ‖ salt ‖ IV ‖ rounds. */
    static final int PREFIX_LENGTH = 1 + SALT_LENGTH + IV_LENGTH + 4;
    /** The rounds Element writes (matrix-react-sdk {@code encryptMegolmKeyFile}, {@code kdf_rounds} default). */
    public static final int DEFAULT_ROUNDS = 500_000;
    /** The fewest rounds this library writes: the spec's "N should be at least 100,000". */
    public static final int MIN_ROUNDS = 100_000;
    /**
     * The most rounds accepted, read or written: ten times Element's default, several seconds of PBKDF2 on
     * a desktop. Files from Element and the Rust SDK's callers use far fewer; a file asking for more is
     * refused before any key derivation, as a denial of service.
     */
    public static final int MAX_ROUNDS = 5_000_000;

    /** The header fields of the payload, read before anything is derived. */
    private record Prefix(byte[] bytes, byte[] salt, byte[] iv, int rounds) {}

    /** The two keys of one file; {@link #close()} zeroes them. */
    private static final class Keys implements AutoCloseable {
        final byte[] aes;
        final byte[] mac;

        Keys(char[] passphrase, Prefix p) {
            byte[] both = derive(passphrase, p.salt(), p.rounds());
            aes = Arrays.copyOfRange(both, 0, 32);
            mac = Arrays.copyOfRange(both, 32, 64);
            Bytes.zero(both);
        }

        Mac hmac() throws GeneralSecurityException {
            Mac m = Jca.mac("HmacSHA256");
            m.init(new SecretKeySpec(mac, "HmacSHA256"));
            return m;
        }

        @Override
        public void close() {
            Bytes.zero(aes, mac);
        }
    }

    /**
     * PBKDF2-HMAC-SHA-512 to 64 bytes. The JDK encodes the {@code char[]} passphrase as UTF-8, as Element
     * ({@code TextEncoder}) and the Rust SDK ({@code as_bytes}) do; its key spec is cleared after use.
     * The rounds were range-checked by the caller.
     */
    private static byte[] derive(char[] passphrase, byte[] salt, int rounds) {
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, rounds, 512); // copies the passphrase
        try {
            return Jca.secretKeyFactory("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }

    // ---- detection ----

    /**
     * Whether {@code start}, the first bytes of a file (at least 64 of them if the file is that long),
     * begins with the export header after blank space. Use it to tell the encrypted file from the
     * plain JSON array, which starts with {@code [}.
     */
    public static boolean looksEncrypted(byte[] start, int length) {
        Objects.checkFromIndexSize(0, length, start.length);
        return ExportArmour.startsWithHeader(start, length);
    }

    // ---- reading ----

    /** Reads and checks the 37-byte prefix: version first, then the round count. */
    private static Prefix readPrefix(InputStream payload) throws IOException {
        byte[] b = payload.readNBytes(PREFIX_LENGTH);
        if (b.length >= 1 && (b[0] & 0xff) != VERSION) {
            throw new KeyExportException(Kind.UNSUPPORTED_VERSION, "unsupported key export version " + (b[0] & 0xff) + " (expected 1)");
        }
        if (b.length < PREFIX_LENGTH) {
            throw new KeyExportException(Kind.TRUNCATED, "the payload is " + b.length + " bytes, shorter than its "
                    + (PREFIX_LENGTH + MAC_LENGTH) + "-byte minimum");
        }
        long rounds = (b[33] & 0xffL) << 24 | (b[34] & 0xff) << 16 | (b[35] & 0xff) << 8 | (b[36] & 0xff);
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            throw new KeyExportException(Kind.ROUNDS_OUT_OF_RANGE, "PBKDF2 rounds " + rounds + " out of range (1 to " + MAX_ROUNDS + ")");
        }
        return new Prefix(b, Arrays.copyOfRange(b, 1, 17), Arrays.copyOfRange(b, 17, 33), (int) rounds);
    }

    /**
     * The ciphertext part of the payload: everything after the prefix except the last 32 bytes, which
     * are held back and become {@link #tag()} at the end.
     */
    private static final class Body {
        private final InputStream payload;
        private final byte[] held = new byte[MAC_LENGTH];
        private int heldLength;
        private byte[] scratch = new byte[0];
        private boolean ended;

        Body(InputStream payload) {
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

        byte[] tag() {
            if (!ended) throw new IllegalStateException("body not read to its end");
            return held.clone();
        }
    }

    /** Source of the same armoured bytes, opened once per pass. */
    @FunctionalInterface
    private interface Reopen {
        InputStream open() throws IOException;
    }

    /** What pass one found: the prefix, the MAC and the derived keys, which pass two takes over. */
    private record Verified(Prefix prefix, byte[] tag, Keys keys) {}

    /**
     * Pass one: checks the armour, the prefix and the MAC over the whole file, reading it in
     * fixed-size pieces. The keys are derived once, here, and handed to pass two.
     */
    private static Verified verify(Reopen source, char[] passphrase) throws IOException {
        try (InputStream payload = new ExportArmour.Decoder(source.open())) {
            Prefix p = readPrefix(payload);
            Keys k = new Keys(passphrase, p);
            boolean ok = false;
            try {
                Mac mac = k.hmac();
                mac.update(p.bytes());
                Body body = new Body(payload);
                byte[] buf = new byte[1 << 16];
                for (int n; (n = body.read(buf, 0, buf.length)) >= 0; ) mac.update(buf, 0, n);
                byte[] tag = body.tag();
                if (!MessageDigest.isEqual(mac.doFinal(), tag)) {
                    throw new KeyExportException(Kind.WRONG_PASSPHRASE_OR_MODIFIED, "wrong passphrase, or the file was changed (the MAC does not match)");
                }
                ok = true;
                return new Verified(p, tag, k);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            } finally {
                if (!ok) k.close();
            }
        }
    }

    /** Pass two: decrypts, recomputing the MAC; the end of the stream is reported only if it matches again. */
    private static final class Decrypting extends InputStream {
        private final InputStream payload;
        private final Body body;
        private final byte[] expectedTag;
        private Keys keys;
        private ExportCipher cipher;
        private Mac mac;
        private boolean finished;

        /** Takes over {@code first.keys()}: closing this stream zeroes them. */
        Decrypting(Reopen source, Verified first) throws IOException {
            this.expectedTag = first.tag();
            keys = first.keys();
            InputStream in = null;
            try {
                in = new ExportArmour.Decoder(source.open());
                Prefix p = readPrefix(in);
                if (!Arrays.equals(p.bytes(), first.prefix().bytes())) throw changed();
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
            body = new Body(in);
        }

        private static KeyExportException changed() {
            return new KeyExportException(Kind.WRONG_PASSPHRASE_OR_MODIFIED, "the file changed while it was read (the MAC no longer matches)");
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
                    boolean same = MessageDigest.isEqual(mac.doFinal(), body.tag()) && MessageDigest.isEqual(body.tag(), expectedTag);
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
            if (keys != null) keys.close();
            keys = null;
            if (payload != null) payload.close();
        }
    }

    /**
     * Opens an encrypted export file for reading in bounded memory. This first reads the whole file
     * to check the armour, the version, the rounds and the MAC (so a wrong passphrase fails here), then
     * returns a stream of the plaintext that reads the file a second time. That stream's last
     * {@code read} throws {@link KeyExportException} if the file changed in between: act on the
     * plaintext only once the stream has reached its end.
     *
     * @param passphrase wiped by the caller when this returns and the stream is closed
     */
    public static InputStream decrypt(Path file, char[] passphrase) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(passphrase, "passphrase");
        Reopen source = () -> Files.newInputStream(file);
        return new Decrypting(source, verify(source, passphrase));
    }

    /** Decrypts a whole export held in memory; the MAC is checked before anything is decrypted. */
    public static byte[] decrypt(byte[] file, char[] passphrase) throws KeyExportException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(passphrase, "passphrase");
        Reopen source = () -> new ByteArrayInputStream(file);
        try {
            try (InputStream in = new Decrypting(source, verify(source, passphrase))) {
                return in.readAllBytes();
            }
        } catch (KeyExportException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array failed", e); // ByteArrayInputStream does not throw
        }
    }

    // ---- writing ----

    /**
     * Returns a stream that encrypts what is written to it into {@code out} as an armoured export, in
     * Element's layout, holding only one line at a time. {@code close()} writes the MAC and the footer and
     * closes {@code out}; a stream not closed leaves an incomplete file, so write to a temporary file and
     * move it into place once closed. The salt and IV are fresh from {@link SecureRandom}; IV bit 63 is
     * cleared (spec "Key exports", step 3).
     *
     * @param rounds PBKDF2 rounds, {@link #MIN_ROUNDS} to {@link #MAX_ROUNDS}; Element uses {@link #DEFAULT_ROUNDS}
     * @param passphrase not empty; wiped by the caller when this returns
     */
    public static OutputStream encryptingStream(OutputStream out, char[] passphrase, int rounds) throws IOException {
        if (rounds < MIN_ROUNDS || rounds > MAX_ROUNDS) {
            throw new IllegalArgumentException("rounds: " + rounds + " out of range (" + MIN_ROUNDS + " to " + MAX_ROUNDS + ")");
        }
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[SALT_LENGTH];
        byte[] iv = new byte[IV_LENGTH];
        random.nextBytes(salt);
        random.nextBytes(iv);
        iv[8] &= 0x7f; // bit 63: the low 64 counter bits cannot wrap, so every AES-CTR flavour agrees
        return encryptingStream(out, passphrase, rounds, salt, iv);
    }

    /** The writer with a given salt and IV, and any round count from 1: for tests against fixed vectors. */
    static OutputStream encryptingStream(OutputStream out, char[] passphrase, int rounds, byte[] salt, byte[] iv) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(passphrase, "passphrase");
        if (passphrase.length == 0) throw new IllegalArgumentException("passphrase: empty");
        if (rounds < 1 || rounds > MAX_ROUNDS) throw new IllegalArgumentException("rounds: " + rounds + " out of range");
        if (salt.length != SALT_LENGTH || iv.length != IV_LENGTH) throw new IllegalArgumentException("salt and IV must be 16 bytes");
        byte[] prefix = new byte[PREFIX_LENGTH];
        prefix[0] = VERSION;
        System.arraycopy(salt, 0, prefix, 1, SALT_LENGTH);
        System.arraycopy(iv, 0, prefix, 17, IV_LENGTH);
        prefix[33] = (byte) (rounds >>> 24);
        prefix[34] = (byte) (rounds >>> 16);
        prefix[35] = (byte) (rounds >>> 8);
        prefix[36] = (byte) rounds;
        Prefix p = new Prefix(prefix, salt.clone(), iv.clone(), rounds);
        return new Encrypting(out, passphrase, p);
    }

    private static final class Encrypting extends OutputStream {
        private final ExportArmour.Encoder armour;
        private Keys keys;
        private final ExportCipher cipher;
        private final Mac mac;
        private final byte[] buf = new byte[1 << 14];

        Encrypting(OutputStream out, char[] passphrase, Prefix p) throws IOException {
            keys = new Keys(passphrase, p);
            try {
                mac = keys.hmac();
                cipher = new ExportCipher(keys.aes, p.iv());
            } catch (GeneralSecurityException e) {
                keys.close();
                throw new IllegalStateException("AES/CTR or HmacSHA256 is not available", e);
            }
            armour = new ExportArmour.Encoder(out);
            armour.write(p.bytes());
            mac.update(p.bytes());
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

    /** Encrypts a whole plaintext held in memory into an armoured export (Element's layout). */
    public static byte[] encrypt(byte[] plaintext, char[] passphrase, int rounds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plaintext.length * 4 / 3 + 256);
        try (OutputStream enc = encryptingStream(out, passphrase, rounds)) {
            enc.write(plaintext);
        } catch (IOException e) {
            throw new IllegalStateException("writing to a byte array failed", e);
        }
        return out.toByteArray();
    }
}
