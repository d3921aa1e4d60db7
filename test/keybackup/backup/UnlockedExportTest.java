package keybackup.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import keybackup.backup.KeyExportException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EncryptedKeyExport#unlock}: an export file read several times (an upload's two walks) with its keys
 * derived once, each read still checking the MAC over the whole file.
 */
class UnlockedExportTest {
    private static final char[] PASS = "unlock passphrase".toCharArray();
    private static final byte[] SALT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IV = new byte[16];

    @TempDir
    Path tmp;

    private Path export(byte[] plain, int rounds) throws IOException {
        Path file = tmp.resolve("export.txt");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = EncryptedKeyExport.encryptingStream(out, PASS, rounds, SALT, IV)) {
            enc.write(plain);
        }
        Files.write(file, out.toByteArray());
        return file;
    }

    private static byte[] readAll(EncryptedKeyExport.Unlocked u) throws IOException {
        try (InputStream in = u.open()) {
            return in.readAllBytes();
        }
    }

    @Test
    void unlock_readTwice_derivesOnceAndGivesThePlaintextEachTime() throws Exception {
        byte[] plain = new byte[200_000];
        new Random(7).nextBytes(plain);
        Path file = export(plain, 1000);
        char[] pass = PASS.clone();
        long before = ExportDerivations.count();
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, pass)) {
            Arrays.fill(pass, '\0'); // not needed once unlocked
            assertArrayEquals(plain, readAll(u));
            assertArrayEquals(plain, readAll(u));
            assertArrayEquals(plain, readAll(u));
        }
        assertEquals(1, ExportDerivations.count() - before, "PBKDF2 runs for three reads of one file");
    }

    @Test
    void decrypt_oneRead_derivesOnce() throws Exception {
        byte[] plain = "[]".getBytes(StandardCharsets.US_ASCII);
        Path file = export(plain, 1000);
        long before = ExportDerivations.count();
        try (InputStream in = EncryptedKeyExport.decrypt(file, PASS)) {
            assertArrayEquals(plain, in.readAllBytes());
        }
        assertEquals(1, ExportDerivations.count() - before);
    }

    @Test
    void open_wrongPassphrase_isRefusedBeforeAnyPlaintext() throws Exception {
        Path file = export(new byte[100], 1000);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, "wrong".toCharArray())) {
            KeyExportException e = assertThrows(KeyExportException.class, u::open);
            assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
        }
    }

    /** The second read checks the MAC over the whole file before it returns anything, as the first did. */
    @Test
    void open_ciphertextChangedAfterTheFirstRead_secondReadIsRefused() throws Exception {
        Path file = export(new byte[4096], 1000);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            readAll(u);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                long at = raf.length() - 200; // a base64 character of the ciphertext
                raf.seek(at);
                int c = raf.read();
                raf.seek(at);
                raf.write(c == 'A' ? 'B' : 'A');
            }
            KeyExportException e = assertThrows(KeyExportException.class, u::open);
            assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
            assertEquals("wrong passphrase, or the file was changed (the MAC does not match)", e.getMessage());
        }
    }

    /** A file replaced by another export (another salt) between the reads is refused, not read with old keys. */
    @Test
    void open_prefixChangedAfterUnlock_isRefused() throws Exception {
        Path file = export(new byte[100], 1000);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            Files.write(file, EncryptedKeyExport.encrypt(new byte[100], PASS, EncryptedKeyExport.MIN_ROUNDS));
            KeyExportException e = assertThrows(KeyExportException.class, u::open);
            assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
            assertEquals("the file changed since it was first read (its salt, IV or rounds differ)", e.getMessage());
        }
    }

    @Test
    void unlock_hostileRoundCount_isRefusedBeforeDerivation() throws Exception {
        Path file = export(new byte[10], 1000);
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int start = text.indexOf('\n') + 1;
        String body = text.substring(start, text.indexOf(EncryptedKeyExport.FOOTER)).replaceAll("\\s", "");
        byte[] p = Base64.getDecoder().decode(body);
        p[33] = (byte) 0x80; // 2^31 + 1000 rounds
        Files.writeString(file, EncryptedKeyExport.HEADER + "\n" + Base64.getEncoder().encodeToString(p) + "\n"
                + EncryptedKeyExport.FOOTER + "\n", StandardCharsets.US_ASCII);
        long before = ExportDerivations.count();
        KeyExportException e = assertThrows(KeyExportException.class, () -> EncryptedKeyExport.unlock(file, PASS));
        assertEquals(Kind.ROUNDS_OUT_OF_RANGE, e.kind());
        assertEquals(0, ExportDerivations.count() - before);
    }

    @Test
    void close_zeroesTheKeys_andLaterOpensThrow() throws Exception {
        Path file = export(new byte[10], 1000);
        EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS);
        u.close();
        assertThrows(IllegalStateException.class, u::open);
        u.close(); // idempotent
    }
}
