package keybackup.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import keybackup.backup.EncryptedKeyExport;

/**
 * {@code upload --keys -}: standard input (or a pipe named by a path, {@code <(command)}: it too can be read
 * only once) copied once to a temporary file, so that the upload reads it
 * twice in bounded memory, as it reads a named file (the first walk chooses the best copy of each session
 * and checks every entry, the second sends; a stream cannot be walked twice).
 *
 * <p>No plaintext key reaches the disk. An encrypted export is copied as it came: its own passphrase
 * protects it, and its MAC is checked on every read, before any key is used. A plain export is written in
 * the same encrypted-export format under a random one-time passphrase (256 bits) that exists only in this
 * process's memory and is wiped on {@link #close()}: the copy is unreadable to anyone else, and read back
 * it is MAC-checked like any encrypted export, so a copy changed on disk is refused, not used.
 *
 * <p>The file is created owner-only in {@code java.io.tmpdir}, removed on {@link #close()}, and, if the JVM
 * is stopped (Ctrl-C), by its exit; a killed process leaves ciphertext whose key died with it. It takes
 * about the size of the input (4/3 of it for a plain one, base64).
 */
final class StdinSpool implements AutoCloseable {
    /** PBKDF2 rounds of the one-time passphrase: the writer's fewest; a random 256-bit one needs no stretching. */
    private static final int ROUNDS = EncryptedKeyExport.MIN_ROUNDS;

    private static final String PREFIX = "keybackup-stdin-";

    private final Path file;
    /**
     * The one-time passphrase of a plain input, wiped once {@link #unlock} derived the keys; null when the
     * input was an encrypted export already.
     */
    private final char[] oneTime;
    /** The copy with its keys derived by {@link #unlock}; null before. */
    private EncryptedKeyExport.Unlocked unlocked;

    private StdinSpool(Path file, char[] oneTime) {
        this.file = file;
        this.oneTime = oneTime;
    }

    /**
     * Copies {@code start} (the bytes already read) and the rest of {@code in} to a new temporary file;
     * a plain input ({@code encrypted} false) is encrypted on the way.
     */
    static StdinSpool copy(byte[] start, InputStream in, boolean encrypted) throws IOException {
        return copy(null, start, in, encrypted);
    }

    /** As {@link #copy(byte[], InputStream, boolean)}, in {@code dir} (null: {@code java.io.tmpdir}); for tests. */
    static StdinSpool copy(Path dir, byte[] start, InputStream in, boolean encrypted) throws IOException {
        Path file = TempFiles.createOwnerOnly(dir, PREFIX);
        file.toFile().deleteOnExit(); // Ctrl-C before close(): the JVM's exit removes it
        char[] oneTime = encrypted ? null : oneTimePassphrase();
        StdinSpool spool = new StdinSpool(file, oneTime);
        boolean ok = false;
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             OutputStream out = encrypted ? raw : EncryptedKeyExport.encryptingStream(raw, oneTime, ROUNDS)) {
            out.write(start);
            in.transferTo(out);
            ok = true;
        } finally {
            if (!ok) spool.close();
        }
        return spool;
    }

    /** Whether the input was a plain export (then an error reading the copy means the copy was changed). */
    boolean wasPlain() {
        return oneTime != null;
    }

    /**
     * Derives the copy's keys, once for every {@link #open()}, and wipes the one-time passphrase: neither
     * passphrase is needed after this. Call it once, right after {@link #copy}.
     *
     * @param exportPassphrase the export's passphrase for an encrypted input (the caller wipes it); ignored for
     *     a plain one
     * @throws keybackup.backup.KeyExportException if the copy does not start as a well-formed export
     */
    void unlock(char[] exportPassphrase) throws IOException {
        if (unlocked != null) throw new IllegalStateException("stdin copy: already unlocked");
        try {
            unlocked = EncryptedKeyExport.unlock(file, oneTime != null ? oneTime : exportPassphrase);
        } finally {
            if (oneTime != null) Arrays.fill(oneTime, '\0');
        }
    }

    /**
     * The plaintext of the input, read from the copy in bounded memory: its MAC is checked over the whole
     * copy first, and again at its end ({@link EncryptedKeyExport.Unlocked#open()}), with the keys
     * {@link #unlock} derived.
     */
    InputStream open() throws IOException {
        if (unlocked == null) throw new IllegalStateException("stdin copy: not unlocked");
        return unlocked.open();
    }

    /** Removes the copy, zeroes its keys and wipes the one-time passphrase. */
    @Override
    public void close() throws IOException {
        if (unlocked != null) unlocked.close();
        if (oneTime != null) Arrays.fill(oneTime, '\0');
        Files.deleteIfExists(file);
    }

    /** 32 random bytes as base64 characters (ASCII: PBKDF2's UTF-8 of them is exact); the bytes are wiped. */
    private static char[] oneTimePassphrase() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        byte[] text = Base64.getEncoder().encode(secret);
        char[] pass = new char[text.length];
        for (int i = 0; i < text.length; i++) pass[i] = (char) text[i];
        Arrays.fill(secret, (byte) 0);
        Arrays.fill(text, (byte) 0);
        return pass;
    }
}
