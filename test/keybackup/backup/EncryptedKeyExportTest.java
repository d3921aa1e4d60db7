package keybackup.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import keybackup.TestVectors;
import keybackup.backup.KeyExportException.Kind;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptedKeyExportTest {
    private static final Path DIR = Path.of("test/vectors/key-export");
    private static final char[] PASS = "test passphrase".toCharArray();
    private static final byte[] SALT = "saltsaltsaltsalt".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IV = new byte[16];

    @TempDir
    Path tmp;

    private static List<Json.Obj> cases() throws Exception {
        List<Json.Obj> out = TestVectors.list(TestVectors.load("key-export/vectors.json"), "cases");
        assertEquals(8, out.size());
        return out;
    }

    /** Every vector decrypts, from memory and streamed from its file, to what vectors.json says. */
    @Test
    void decrypt_elementAndRustSdkVectors_giveTheirPlaintext() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Json.Obj c : cases()) {
            String name = c.string("file");
            char[] pass = c.string("passphrase").toCharArray();
            try {
                byte[] file = Files.readAllBytes(DIR.resolve(name));
                assertTrue(EncryptedKeyExport.looksEncrypted(file, file.length), name);
                byte[] fromMemory = EncryptedKeyExport.decrypt(file, pass);
                byte[] streamed;
                try (InputStream in = EncryptedKeyExport.decrypt(DIR.resolve(name), pass)) {
                    streamed = in.readAllBytes();
                }
                if (!Arrays.equals(fromMemory, streamed)) failures.add(name + ": streamed plaintext differs");
                if ("text".equals(c.string("expect"))) {
                    String got = new String(fromMemory, StandardCharsets.UTF_8);
                    if (!got.equals(c.string("plaintext"))) failures.add(name + ": got " + got);
                } else {
                    // The key-export JSON of Element and the Rust SDK: each entry passes our session-ID check.
                    List<Json> entries = ((Json.Arr) JsonReader.parse(fromMemory)).elements();
                    long want = ((Json.Int) c.get("sessions")).value();
                    if (entries.size() != want) failures.add(name + ": " + entries.size() + " sessions");
                    for (Json e : entries) ExportedSession.from((Json.Obj) e);
                }
            } catch (Exception e) {
                failures.add(name + ": " + e);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void decrypt_allOnesIv_wrapsTheLow64CounterBitsAsElementDoes() throws Exception {
        // React-sdk vector 4: a 128-bit counter (the JDK's plain AES/CTR) gets only the first block right.
        byte[] file = Files.readAllBytes(DIR.resolve("react-sdk-4-long-password.txt"));
        byte[] plain = EncryptedKeyExport.decrypt(file, "password".repeat(32).toCharArray());
        assertEquals("alphanumerically".repeat(4), new String(plain, StandardCharsets.UTF_8));
    }

    @Test
    void write_fixedSaltAndIv_givesReactSdkVectorPayload() throws Exception {
        // Vector 2: salt "moresaltmoresalt", IV ff*8 ‖ 00*8, 1000 rounds.
        byte[] vector = Files.readAllBytes(DIR.resolve("react-sdk-2-hello.txt"));
        byte[] salt = "moresaltmoresalt".getBytes(StandardCharsets.US_ASCII);
        byte[] iv = new byte[16];
        Arrays.fill(iv, 0, 8, (byte) 0xff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = EncryptedKeyExport.encryptingStream(out, "betterpassword".toCharArray(), 1000, salt,
                iv)) {
            enc.write("Hello, World".getBytes(StandardCharsets.UTF_8));
        }
        assertArrayEquals(payload(vector), payload(out.toByteArray()));
    }

    @Test
    void write_layout_isElementsLinesOf96() throws Exception {
        byte[] plain = new byte[1000];
        String text = new String(write(plain, 10), StandardCharsets.US_ASCII);
        assertTrue(text.startsWith(EncryptedKeyExport.HEADER + "\n"));
        assertTrue(text.endsWith("\n" + EncryptedKeyExport.FOOTER + "\n"));
        String[] lines = text.split("\n");
        int payload = 1000 + 37 + 32;
        for (int i = 1; i < lines.length - 2; i++) assertEquals(96, lines[i].length(), "line " + i);
        assertEquals(Base64.getEncoder().encodeToString(new byte[payload % 72]).length(),
                lines[lines.length - 2].length());
        assertEquals((payload + 71) / 72 + 2, lines.length);
    }

    @Test
    void encrypt_publicApi_roundTripsAndClearsIvBit63() throws Exception {
        byte[] plain = "[{\"room_id\":\"!r:example.org\"}]".getBytes(StandardCharsets.UTF_8);
        byte[] file = EncryptedKeyExport.encrypt(plain, PASS, EncryptedKeyExport.MIN_ROUNDS);
        byte[] p = payload(file);
        assertEquals(EncryptedKeyExport.MIN_ROUNDS,
                (p[33] & 0xff) << 24 | (p[34] & 0xff) << 16 | (p[35] & 0xff) << 8 | (p[36] & 0xff));
        assertEquals(0, p[17 + 8] & 0x80, "IV bit 63");
        assertArrayEquals(plain, EncryptedKeyExport.decrypt(file, PASS));
    }

    @Test
    void encrypt_tooFewOrTooManyRounds_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> EncryptedKeyExport.encrypt(new byte[1], PASS,
                EncryptedKeyExport.MIN_ROUNDS - 1));
        assertThrows(IllegalArgumentException.class, () -> EncryptedKeyExport.encrypt(new byte[1], PASS,
                EncryptedKeyExport.MAX_ROUNDS + 1));
    }

    @Test
    void stream_largeExport_roundTripsThroughAFile() throws Exception {
        byte[] plain = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(plain);
        Path file = tmp.resolve("big.txt");
        try (OutputStream enc = EncryptedKeyExport.encryptingStream(Files.newOutputStream(file), PASS, 10, SALT, IV)) {
            for (int off = 0; off < plain.length; off += 5000) enc.write(plain, off,
                    Math.min(5000, plain.length - off));
        }
        try (InputStream in = EncryptedKeyExport.decrypt(file, PASS)) {
            assertArrayEquals(plain, in.readAllBytes());
        }
    }

    @Test
    void decrypt_wrongPassphrase_failsBeforeAnyPlaintext() throws Exception {
        Path file = tmp.resolve("x.txt");
        Files.write(file, write(new byte[100], 10));
        KeyExportException e = assertThrows(KeyExportException.class,
                () -> EncryptedKeyExport.decrypt(file, "wrong".toCharArray()));
        assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
    }

    @Test
    void decrypt_oneCiphertextBitFlipped_isMacMismatch() throws Exception {
        byte[] p = payload(write(new byte[100], 10));
        p[50] ^= 1;
        assertKind(Kind.WRONG_PASSPHRASE_OR_MODIFIED, armour(p));
    }

    @Test
    void decrypt_fileChangedBetweenThePasses_lastReadThrows() throws Exception {
        byte[] plain = new byte[512 * 1024];
        Path file = tmp.resolve("changing.txt");
        Files.write(file, write(plain, 10));
        InputStream in = EncryptedKeyExport.decrypt(file, PASS); // pass one saw a good file
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long at = raf.length() - 200; // a base64 character of the last ciphertext line
            raf.seek(at);
            int c = raf.read();
            raf.seek(at);
            raf.write(c == 'A' ? 'B' : 'A');
        }
        KeyExportException e = assertThrows(KeyExportException.class, in::readAllBytes);
        assertEquals(Kind.WRONG_PASSPHRASE_OR_MODIFIED, e.kind());
        in.close();
    }

    @Test
    void decrypt_unknownVersionByte_isUnsupportedVersion() throws Exception {
        byte[] p = payload(write(new byte[10], 10));
        p[0] = 2;
        assertKind(Kind.UNSUPPORTED_VERSION, armour(p));
    }

    @Test
    void decrypt_hostileRoundCount_isRefusedBeforeDerivation() throws Exception {
        byte[] p = payload(write(new byte[10], 10));
        p[33] = (byte) 0x80; // 2^31 + 10 rounds
        assertKind(Kind.ROUNDS_OUT_OF_RANGE, armour(p));
        p[33] = 0;
        p[36] = 0; // zero rounds
        assertKind(Kind.ROUNDS_OUT_OF_RANGE, armour(p));
        setRounds(p, EncryptedKeyExport.MAX_ROUNDS + 1);
        assertKind(Kind.ROUNDS_OUT_OF_RANGE, armour(p));
    }

    @Test
    void decrypt_truncated_isTruncated() throws Exception {
        byte[] file = write(new byte[100], 10);
        String text = new String(file, StandardCharsets.US_ASCII);
        // no footer
        assertKind(Kind.TRUNCATED, text.substring(0, text.indexOf("-----END")).getBytes(StandardCharsets.US_ASCII));
        // footer kept, payload shorter than version + salt + IV + rounds + MAC (react-sdk's "too short" case)
        byte[] p = payload(file);
        assertKind(Kind.TRUNCATED, armour(Arrays.copyOf(p, 37 + 31)));
        assertKind(Kind.TRUNCATED, armour(Arrays.copyOf(p, 20)));
        assertKind(Kind.TRUNCATED, "".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void decrypt_badArmour_isBadArmour() throws Exception {
        String good = new String(write(new byte[30], 10), StandardCharsets.US_ASCII);
        assertKind(Kind.BAD_ARMOUR, "[{\"room_id\":\"!r\"}]".getBytes(StandardCharsets.US_ASCII));
        assertKind(Kind.BAD_ARMOUR, ("junk\n" + good).getBytes(StandardCharsets.US_ASCII));
        assertKind(Kind.BAD_ARMOUR, (good + "trailing text\n").getBytes(StandardCharsets.US_ASCII));
        assertKind(Kind.BAD_ARMOUR, good.replaceFirst("\nA", "\n*").getBytes(StandardCharsets.US_ASCII));
        assertKind(Kind.BAD_ARMOUR, good.replaceFirst("\nA", "\n=").getBytes(StandardCharsets.US_ASCII));
        assertKind(Kind.BAD_ARMOUR, good.replace("-----BEGIN MEGOLM SESSION DATA-----",
                "-----BEGIN MEGOLM SESSION DATA----- x").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void decrypt_lenientLayouts_areRead() throws Exception {
        byte[] plain = "lenient".getBytes(StandardCharsets.UTF_8);
        byte[] p = payload(write(plain, 10));
        String b64 = Base64.getEncoder().withoutPadding().encodeToString(p);
        String[] variants = {
            "\uFEFF\r\n  " + EncryptedKeyExport.HEADER + "  \r\n" + b64 + "\r\n" + EncryptedKeyExport.FOOTER
                    + "\r\n\r\n",
            EncryptedKeyExport.HEADER + "\n" + b64.substring(0, 10) + "\n \t" + b64.substring(10) + "\n"
                    + EncryptedKeyExport.FOOTER,
        };
        for (String v : variants) assertArrayEquals(plain,
                EncryptedKeyExport.decrypt(v.getBytes(StandardCharsets.UTF_8), PASS));
    }

    @Test
    void looksEncrypted_tellsArmourFromJson() {
        byte[] armoured = ("\n " + EncryptedKeyExport.HEADER + "\nAQ").getBytes(StandardCharsets.US_ASCII);
        byte[] json = "[{\"room_id\":\"!r\"}]".getBytes(StandardCharsets.US_ASCII);
        assertTrue(EncryptedKeyExport.looksEncrypted(armoured, armoured.length));
        assertFalse(EncryptedKeyExport.looksEncrypted(json, json.length));
        assertFalse(EncryptedKeyExport.looksEncrypted(armoured, 10));
    }

    /** Writing the header fails (a full disk, a closed pipe): the derived keys are zeroed all the same. */
    @Test
    void encryption_headerWriteFails_zeroesTheKeys() {
        ExportPrefix p = ExportPrefix.of(SALT, IV, 10);
        ExportKeys keys = new ExportKeys(PASS, p);
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("no space left on device");
            }
        };
        assertThrows(IOException.class, () -> new ExportEncryption(full, keys, p));
        assertArrayEquals(new byte[32], keys.aes, "the AES key is zeroed");
    }

    // ---- helpers ----

    private static byte[] write(byte[] plain, int rounds) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream enc = EncryptedKeyExport.encryptingStream(out, PASS, rounds, SALT, IV)) {
            enc.write(plain);
        }
        return out.toByteArray();
    }

    /** The decoded payload of an armoured file (test-side decoding, independent of the reader). */
    private static byte[] payload(byte[] file) {
        String text = new String(file, StandardCharsets.US_ASCII);
        int start = text.indexOf('\n', text.indexOf(EncryptedKeyExport.HEADER)) + 1;
        String body = text.substring(start, text.indexOf(EncryptedKeyExport.FOOTER)).replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static byte[] armour(byte[] payload) {
        String b64 = Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(payload);
        return (EncryptedKeyExport.HEADER + "\n" + b64 + "\n" + EncryptedKeyExport.FOOTER
                + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void setRounds(byte[] p, int rounds) {
        p[33] = (byte) (rounds >>> 24);
        p[34] = (byte) (rounds >>> 16);
        p[35] = (byte) (rounds >>> 8);
        p[36] = (byte) rounds;
    }

    private static void assertKind(Kind kind, byte[] file) {
        KeyExportException e = assertThrows(KeyExportException.class, () -> EncryptedKeyExport.decrypt(file, PASS));
        assertEquals(kind, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one-line message");
    }
}
