package keybackup.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Unpadded base64 per protocol.md §3 and the table of protocol.md §13.2. */
class Base64UnpaddedTest {

    @Test
    void encode_specFooBarTable_unpadded() {
        String[][] table = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
        for (String[] row : table) {
            assertEquals(row[1], Base64Unpadded.encode(row[0].getBytes(StandardCharsets.US_ASCII)), row[0]);
        }
    }

    @Test
    void decode_specFooBarTable_roundTrips() throws KeyFormatException {
        String[][] table = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
        for (String[] row : table) {
            assertArrayEquals(row[0].getBytes(StandardCharsets.US_ASCII), Base64Unpadded.decode("f", row[1]), row[1]);
        }
    }

    @Test
    void decode_paddedPartlyPaddedAndUnpadded_sameByte() throws KeyFormatException {
        for (String s : List.of("Zg", "Zg==", "Zg=")) assertArrayEquals(new byte[] {0x66}, Base64Unpadded.decode("f", s), s);
        assertArrayEquals("fo".getBytes(StandardCharsets.US_ASCII), Base64Unpadded.decode("f", "Zm8="));
    }

    @Test
    void decode_nonZeroTrailingBits_accepted() throws KeyFormatException {
        assertArrayEquals(new byte[] {0x66}, Base64Unpadded.decode("f", "Zh"));
    }

    @Test
    void decode_specSeedWithNonZeroTrailingBits_decodesAndReencodesCanonically() throws KeyFormatException {
        byte[] seed = Base64Unpadded.decode("seed", "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1", 32);
        assertEquals("6090c103d5e7af6b15a970fd563ed75549e6159719ae5c3c31dee4316fb75c0d", HexFormat.of().formatHex(seed));
        assertEquals("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0", Base64Unpadded.encode(seed)); // protocol.md §4.5
    }

    @Test
    void decode_invalidInputs_rejectedNamingTheField() {
        // protocol.md §13.2: "Z" (length 1 mod 4), "Zm 8" (whitespace), "Zg==Zg" (padding inside),
        // "-_8" (URL-safe alphabet, rejected by this project: protocol.md §3.2); and a few more.
        List<String> failures = new ArrayList<>();
        for (String s : List.of("Z", "Zm 8", "Zg==Zg", "-_8", "Zm9v-A", "Zm9v_A", "Zg===", "Zm9v\n", " Zg", "Zg\u00e9", "Zm9vY", "=Zg", "Z=g")) {
            try {
                byte[] b = Base64Unpadded.decode("mac", s);
                failures.add("'" + s + "' accepted as " + HexFormat.of().formatHex(b));
            } catch (KeyFormatException e) {
                if (!e.getMessage().startsWith("mac: ")) failures.add("'" + s + "': message does not name the field: " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void decode_nullValue_missingNamingTheField() {
        KeyFormatException e = assertThrows(KeyFormatException.class, () -> Base64Unpadded.decode("iv", null));
        assertEquals("iv: missing", e.getMessage());
    }

    @Test
    void decode_wrongLength_messageNamesFieldAndLengths() {
        KeyFormatException e = assertThrows(KeyFormatException.class, () -> Base64Unpadded.decode("signature", "Zg", 64));
        assertEquals("signature: expected 64 bytes, got 1", e.getMessage());
        // 42 characters = 31 bytes: one short of a public key
        String k31 = Base64Unpadded.encode(new byte[31]);
        KeyFormatException k = assertThrows(KeyFormatException.class, () -> Ed25519PublicKey.parse("signing_public_key", k31));
        assertEquals("signing_public_key: expected 32 bytes, got 31", k.getMessage());
    }

    @Test
    void decode_paddedFixedSizeValues_accepted() throws KeyFormatException {
        // protocol.md §3.3 table: 32 bytes = 43 chars (44 padded), 64 = 86 (88), 16 = 22 (24), 8 = 11 (12)
        for (int n : new int[] {32, 64, 16, 8}) {
            byte[] v = new byte[n];
            for (int i = 0; i < n; i++) v[i] = (byte) (i * 37 + 5);
            String unpadded = Base64Unpadded.encode(v);
            String padded = java.util.Base64.getEncoder().encodeToString(v);
            assertTrue(padded.endsWith("="), "premise: padded form has '='");
            assertArrayEquals(v, Base64Unpadded.decode("x", unpadded, n));
            assertArrayEquals(v, Base64Unpadded.decode("x", padded, n));
        }
    }

    @Test
    void decode_randomValuesOfEveryLengthUpTo300_agreesWithTheJdkDecoder() throws KeyFormatException {
        java.util.Random random = new java.util.Random(20261127);
        for (int n = 0; n <= 300; n++) {
            byte[] v = new byte[n];
            random.nextBytes(v);
            String text = java.util.Base64.getEncoder().withoutPadding().encodeToString(v);
            assertArrayEquals(v, Base64Unpadded.decode("x", text), "length " + n);
            if (text.length() % 4 >= 2) {
                // the same text with its unused low bits set: both decoders ignore them
                char last = text.charAt(text.length() - 1);
                int unused = text.length() % 4 == 2 ? 0x0f : 0x03;
                String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                String noisy = text.substring(0, text.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | unused);
                assertArrayEquals(java.util.Base64.getDecoder().decode(noisy), Base64Unpadded.decode("x", noisy), "noisy length " + n);
                assertArrayEquals(v, Base64Unpadded.decode("x", noisy), "noisy length " + n);
            }
        }
    }

    @Test
    void decode_badCharacter_reportsItsIndex() {
        KeyFormatException e = assertThrows(KeyFormatException.class, () -> Base64Unpadded.decode("ciphertext", "Zm9vYmFy\u00ffZm9"));
        assertEquals("ciphertext: not valid base64 (character at index 8)", e.getMessage());
    }
}
