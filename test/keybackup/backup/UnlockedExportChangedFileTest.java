package keybackup.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import keybackup.backup.KeyExportException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unlocked export file ({@link EncryptedKeyExport#unlock}) changed after its keys were derived: between two
 * reads, or between the two passes of one read. Every change is refused, even one that is a well-formed export
 * under the same passphrase, salt and IV (whose MAC is valid on its own).
 */
class UnlockedExportChangedFileTest {
    private static final char[] PASS = "changed file passphrase".toCharArray();
    private static final byte[] SALT = "fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IV = new byte[16];

    @TempDir
    Path tmp;

    private static byte[] plain(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The armoured export of {@code plain} under the fixed passphrase, salt and IV. */
    private static byte[] export(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = EncryptedKeyExport.encryptingStream(out, PASS, 1000, SALT, IV)) {
            enc.write(plain);
        }
        return out.toByteArray();
    }

    private static void assertRefused(EncryptedKeyExport.Unlocked u) {
        KeyExportException e = assertThrows(KeyExportException.class, () -> {
            try (InputStream in = u.open()) {
                in.readAllBytes();
            }
        });
        assertTrue(e.kind() == Kind.WRONG_PASSPHRASE_OR_MODIFIED || e.kind() == Kind.TRUNCATED
                || e.kind() == Kind.BAD_ARMOUR, e.kind() + ": " + e.getMessage());
    }

    /**
     * Between two reads, another export under the same passphrase, salt and IV has a valid MAC of its own: each
     * read is whole and checked, and it is the caller that compares two reads (an upload's second walk sends only
     * copies whose digest the first walk recorded, {@code BestCopies}).
     */
    @Test
    void open_sameSaltAndIvOtherCiphertextWithItsOwnValidMac_betweenReads_readAsItself() throws Exception {
        Path file = Files.write(tmp.resolve("e.txt"), export(plain(5000, 1)));
        byte[] other = export(plain(5000, 2));
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            try (InputStream in = u.open()) {
                assertArrayEquals(plain(5000, 1), in.readAllBytes());
            }
            Files.write(file, other);
            // the same keys read the other file: its own MAC matches, and it is what the second walk sees
            try (InputStream in = u.open()) {
                assertArrayEquals(plain(5000, 2), in.readAllBytes());
            }
        }
    }

    @Test
    void open_sameSaltAndIvOtherCiphertext_betweenThePassesOfOneRead_lastReadThrows() throws Exception {
        Path file = Files.write(tmp.resolve("e.txt"), export(plain(50_000, 1)));
        byte[] other = export(plain(50_000, 2));
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            try (InputStream in = u.open()) { // pass one checked the first file
                Files.write(file, other); // same inode, rewritten in place: pass two reads the other one
                KeyExportException e = assertThrows(KeyExportException.class, in::readAllBytes);
                assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
            }
        }
    }

    @Test
    void open_otherSalt_betweenThePassesOfOneRead_lastReadThrows() throws Exception {
        Path file = Files.write(tmp.resolve("e.txt"), export(plain(50_000, 1)));
        byte[] other = EncryptedKeyExport.encrypt(plain(50_000, 1), PASS, EncryptedKeyExport.MIN_ROUNDS);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            try (InputStream in = u.open()) {
                Files.write(file, other);
                KeyExportException e = assertThrows(KeyExportException.class, in::readAllBytes);
                assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
            }
        }
    }

    @Test
    void open_truncatedAfterUnlock_refused() throws Exception {
        byte[] whole = export(plain(5000, 1));
        Path file = Files.write(tmp.resolve("e.txt"), whole);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            String text = new String(whole, StandardCharsets.US_ASCII);
            int footer = text.indexOf(EncryptedKeyExport.FOOTER);
            // one base64 line fewer, the footer kept: a well-formed armour of a shorter payload
            int lastLine = text.lastIndexOf('\n', footer - 2) + 1;
            int cut = text.lastIndexOf('\n', lastLine - 2) + 1;
            Files.writeString(file, text.substring(0, cut) + text.substring(lastLine), StandardCharsets.US_ASCII);
            assertRefused(u);
            // cut in the middle, no footer
            Files.write(file, Arrays.copyOf(whole, whole.length / 2));
            assertRefused(u);
        }
    }

    @Test
    void open_grownAfterUnlock_refused() throws Exception {
        byte[] whole = export(plain(5000, 1));
        Path file = Files.write(tmp.resolve("e.txt"), whole);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            String text = new String(whole, StandardCharsets.US_ASCII);
            int footer = text.indexOf(EncryptedKeyExport.FOOTER);
            Files.writeString(file, text.substring(0, footer) + "QUFBQUFBQUFBQUFBQUFBQQ==\n" + text.substring(footer),
                    StandardCharsets.US_ASCII);
            assertRefused(u);
            Files.writeString(file, text.substring(0, footer) + "QUFBQQ==\n" + text.substring(footer),
                    StandardCharsets.US_ASCII);
            assertRefused(u);
        }
    }

    @Test
    void open_grownBetweenThePassesOfOneRead_lastReadThrows() throws Exception {
        byte[] whole = export(plain(50_000, 1));
        Path file = Files.write(tmp.resolve("e.txt"), whole);
        String text = new String(whole, StandardCharsets.US_ASCII);
        int footer = text.indexOf(EncryptedKeyExport.FOOTER);
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            try (InputStream in = u.open()) {
                Files.writeString(file, text.substring(0, footer) + "QUFBQUFBQUFBQUFBQUFBQQ==\n"
                        + text.substring(footer), StandardCharsets.US_ASCII);
                assertThrows(KeyExportException.class, in::readAllBytes);
            }
        }
    }

    @Test
    void toString_namesNoKeyOrSalt() throws Exception {
        Path file = Files.write(tmp.resolve("e.txt"), export(plain(10, 1)));
        try (EncryptedKeyExport.Unlocked u = EncryptedKeyExport.unlock(file, PASS)) {
            assertEquals("EncryptedKeyExport.Unlocked[1000 rounds]", u.toString());
        }
    }
}
