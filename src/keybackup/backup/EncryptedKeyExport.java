package keybackup.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import keybackup.backup.KeyExportException.Kind;

/**
 * The passphrase-encrypted key export that Element's "Export E2E room keys", matrix-js-sdk and
 * matrix-rust-sdk read and write (Matrix spec, "Key exports"; protocol.md §12): the armoured file
 * {@code -----BEGIN MEGOLM SESSION DATA-----} around the base64 of
 * <pre>
 *   0x01 ‖ salt (16) ‖ IV (16) ‖ rounds (4, big-endian) ‖ AES-256-CTR(K, IV, plaintext)
 *        ‖ HMAC-SHA-256(K', all before)
 *   K ‖ K' = PBKDF2-HMAC-SHA-512(UTF-8 passphrase, salt, rounds, 64 bytes)
 * </pre>
 * The plaintext is the JSON key-export array ({@link ExportedSession}); this class does not parse it.
 * It is the public face of the format; the parts, in the order of the file, are {@code ExportArmour}
 * (header, base64 lines, footer), {@code ExportPrefix} (version, salt, IV, rounds), {@code ExportKeys}
 * (PBKDF2), {@code ExportCipher} (AES-CTR as Element counts), {@code ExportBody} (ciphertext and MAC
 * apart), and the two streams, {@code ExportDecryption} (two passes) and {@code ExportEncryption}.
 *
 * <p>Security properties. The MAC is checked, in constant time, over the whole file before any
 * plaintext is returned: {@link #decrypt(Path, char[])} reads the file twice, first to check the MAC,
 * then to decrypt, and checks the MAC again at the end of the second pass; a file changed between the
 * passes makes the last {@code read} throw, so a caller must not act on the plaintext before the stream
 * reached its end. A caller that reads a file more than once (an upload walks it twice) calls
 * {@link #unlock} and derives the keys once; every read still makes both passes. The round count read
 * from a file is capped at {@link #MAX_ROUNDS} (a hostile file could ask for 2^32−1 rounds, hours of
 * work) and is checked before any key derivation. The passphrase is a {@code char[]} that the caller
 * wipes; derived key bytes are zeroed after use (best effort: JCA key objects keep their own copies).
 * The format has no passphrase check of its own: a wrong passphrase is reported as
 * {@link Kind#WRONG_PASSPHRASE_OR_MODIFIED}.
 *
 * <p>Memory. {@link #decrypt(Path, char[])} and {@link #encryptingStream} use a fixed amount of memory
 * whatever the size of the export; the {@code byte[]} methods hold the whole input and output.
 */
public final class EncryptedKeyExport {
    private EncryptedKeyExport() {}

    /** The armour's first line, {@code -----BEGIN MEGOLM SESSION DATA-----}; blank space may precede it. */
    public static final String HEADER = ExportArmour.HEADER;
    /** The armour's last line, {@code -----END MEGOLM SESSION DATA-----}; nothing but blank space may follow. */
    public static final String FOOTER = ExportArmour.FOOTER;
    /** The only export format version the spec defines. */
    public static final int VERSION = 0x01;
    /** Bytes of PBKDF2 salt after the version byte. */
    public static final int SALT_LENGTH = 16;
    /** Bytes of AES-CTR initial counter block after the salt. */
    public static final int IV_LENGTH = 16;
    /** Bytes of HMAC-SHA-256 tag at the end of the decoded file. */
    public static final int MAC_LENGTH = 32;
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

    // ---- detection ----

    /**
     * Whether {@code start}, the first bytes of a file (at least 64 of them if the file is that long),
     * begins with the export header after blank space. Use it to tell the encrypted file from the
     * plain JSON array, which starts with {@code [}. Nothing is decoded or checked beyond the header.
     *
     * @param start a buffer holding the file's first bytes
     * @param length how many bytes of {@code start} are filled
     * @return true when the filled bytes begin with {@link #HEADER} after blank space
     * @throws IndexOutOfBoundsException if {@code length} is negative or beyond {@code start}'s end
     */
    public static boolean looksEncrypted(byte[] start, int length) {
        Objects.checkFromIndexSize(0, length, start.length);
        return ExportArmour.startsWithHeader(start, length);
    }

    // ---- reading ----

    /**
     * Opens an encrypted export file for reading in bounded memory. This first reads the whole file
     * to check the armour, the version, the rounds and the MAC (so a wrong passphrase fails here), then
     * returns a stream of the plaintext that reads the file a second time. That stream's last
     * {@code read} throws {@link KeyExportException} if the file changed in between: act on the
     * plaintext only once the stream has reached its end.
     *
     * @param file the armoured export; it is opened twice, so it must be a regular file, not a pipe
     * @param passphrase wiped by the caller when this returns and the stream is closed
     * @return the plaintext (the JSON key-export array, not parsed here); the caller closes it
     * @throws KeyExportException if the file is not a well-formed export ({@link KeyExportException#kind()}
     *     says which rule failed) or the MAC does not match (wrong passphrase or a modified file)
     * @throws IOException if the file cannot be opened or read
     */
    public static InputStream decrypt(Path file, char[] passphrase) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(passphrase, "passphrase");
        return ExportDecryption.open(() -> Files.newInputStream(file), passphrase);
    }

    /**
     * Derives the keys of an encrypted export file once, for reading it any number of times: an upload reads
     * its file once per pass, and PBKDF2 (about half a second at Element's {@link #DEFAULT_ROUNDS}) then runs
     * once, not once per read. This reads only the file's prefix (armour header, version, salt, IV, rounds);
     * the passphrase is not needed after this returns and may be wiped at once. A wrong passphrase is found
     * by the first {@link Unlocked#open()}, which checks the MAC.
     *
     * @param file the armoured export; it is opened again by every {@link Unlocked#open()}, so it must be a
     *     regular file, not a pipe
     * @param passphrase wiped by the caller (as soon as this returns, if it likes)
     * @return the export with its keys derived; the caller closes it, which zeroes them
     * @throws KeyExportException if the file does not start as a well-formed export (bad armour, another
     *     version, too short, rounds out of range: {@link KeyExportException#kind()} says which)
     * @throws IOException if the file cannot be opened or read
     */
    public static Unlocked unlock(Path file, char[] passphrase) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(passphrase, "passphrase");
        ExportDecryption.Reopen source = () -> Files.newInputStream(file);
        ExportPrefix p = ExportDecryption.prefix(source);
        return new Unlocked(source, p, new ExportKeys(passphrase, p));
    }

    /**
     * An encrypted export file whose keys are derived ({@link #unlock}), read as often as needed. Each
     * {@link #open()} is a full {@link #decrypt(Path, char[])} but for PBKDF2: it checks the MAC over the
     * whole file before returning any plaintext, checks it again at the end of the stream, and refuses a file
     * whose salt, IV or rounds are no longer those {@link #unlock} read. The keys live here only, until
     * {@link #close()} zeroes them (best effort: JCA key objects keep their own copies); they never appear in
     * {@link #toString()}.
     */
    public static final class Unlocked implements AutoCloseable {
        private final ExportDecryption.Reopen source;
        private final ExportPrefix prefix;
        private ExportKeys keys;

        private Unlocked(ExportDecryption.Reopen source, ExportPrefix prefix, ExportKeys keys) {
            this.source = source;
            this.prefix = prefix;
            this.keys = keys;
        }

        /**
         * Reads the file again: checks its MAC over the whole file, then returns a stream of the plaintext that
         * reads it once more, as {@link #decrypt(Path, char[])} does. The stream's last {@code read} throws
         * {@link KeyExportException} if the file changed in between: act on the plaintext only once the
         * stream has reached its end. Closing the stream leaves the keys here.
         *
         * @return the plaintext (the JSON key-export array, not parsed here); the caller closes it
         * @throws KeyExportException if the file is not a well-formed export, the MAC does not match (wrong
         *     passphrase or a modified file), or its prefix changed since {@link #unlock}
         * @throws IOException if the file cannot be opened or read
         * @throws IllegalStateException if this was closed
         */
        public synchronized InputStream open() throws IOException {
            if (keys == null) throw new IllegalStateException("encrypted key export: closed");
            return ExportDecryption.open(source, prefix, keys);
        }

        /** Zeroes the keys; streams already open go on, later {@link #open()} calls throw. Idempotent. */
        @Override
        public synchronized void close() {
            if (keys != null) keys.close();
            keys = null;
        }

        @Override
        public String toString() {
            return "EncryptedKeyExport.Unlocked[" + prefix.rounds() + " rounds" + (keys == null ? ", closed]" : "]");
        }
    }

    /**
     * Decrypts a whole export held in memory; the MAC is checked before anything is decrypted.
     *
     * @param file the armoured export's bytes; not changed
     * @param passphrase the passphrase, wiped by the caller when this returns
     * @return the plaintext (the JSON key-export array, not parsed here)
     * @throws KeyExportException if the bytes are not a well-formed export ({@link KeyExportException#kind()}
     *     says which rule failed) or the MAC does not match (wrong passphrase or modified bytes)
     */
    public static byte[] decrypt(byte[] file, char[] passphrase) throws KeyExportException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(passphrase, "passphrase");
        try {
            try (InputStream in = ExportDecryption.open(() -> new ByteArrayInputStream(file), passphrase)) {
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
     * @param rounds PBKDF2 rounds, {@link #MIN_ROUNDS} to {@link #MAX_ROUNDS}; Element uses
     *               {@link #DEFAULT_ROUNDS}
     * @param out where the armoured export goes; the returned stream owns it and closes it
     * @param passphrase not empty; wiped by the caller when this returns
     * @return the encrypting stream; the caller must close it to complete the file
     * @throws IOException if writing the header and prefix to {@code out} fails
     * @throws IllegalArgumentException if {@code rounds} is out of range or the passphrase is empty
     */
    public static OutputStream encryptingStream(OutputStream out, char[] passphrase, int rounds) throws IOException {
        if (rounds < MIN_ROUNDS || rounds > MAX_ROUNDS) {
            throw new IllegalArgumentException(
                    "rounds: " + rounds + " out of range (" + MIN_ROUNDS + " to " + MAX_ROUNDS + ")");
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
    static OutputStream encryptingStream(OutputStream out, char[] passphrase, int rounds, byte[] salt, byte[] iv)
            throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(passphrase, "passphrase");
        if (passphrase.length == 0) throw new IllegalArgumentException("passphrase: empty");
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            throw new IllegalArgumentException("rounds: " + rounds + " out of range");
        }
        if (salt.length != SALT_LENGTH || iv.length != IV_LENGTH) {
            throw new IllegalArgumentException("salt and IV must be 16 bytes");
        }
        return new ExportEncryption(out, passphrase, ExportPrefix.of(salt, iv, rounds));
    }

    /**
     * Encrypts a whole plaintext held in memory into an armoured export (Element's layout), with a fresh
     * salt and IV as {@link #encryptingStream(OutputStream, char[], int)} makes them.
     *
     * @param plaintext the bytes to encrypt, normally the JSON key-export array; not checked or changed
     * @param passphrase not empty; wiped by the caller when this returns
     * @param rounds PBKDF2 rounds, {@link #MIN_ROUNDS} to {@link #MAX_ROUNDS}
     * @return the whole armoured file
     * @throws IllegalArgumentException if {@code rounds} is out of range or the passphrase is empty
     */
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
