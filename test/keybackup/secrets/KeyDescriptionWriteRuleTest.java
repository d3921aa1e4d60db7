package keybackup.secrets;

import static keybackup.secrets.DigestVectorsTest.PASSPHRASE_DESCRIPTION;
import static keybackup.secrets.DigestVectorsTest.PASSPHRASE_KEY_HEX;
import static keybackup.secrets.DigestVectorsTest.json;
import static keybackup.secrets.KeyDescriptionTest.reject;
import static keybackup.secrets.KeyDescriptionTest.withPassphraseField;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import keybackup.keys.KeyFormatException;
import keybackup.keys.PassphraseKey;
import org.junit.jupiter.api.Test;

/**
 * The caps on server-chosen passphrase parameters (bounded time, typed errors) and the write rule of
 * {@link KeyDescription#requireWritable}: no key check, a failed check, or fewer than 500000 iterations
 * means no secret is written under the key.
 */
class KeyDescriptionWriteRuleTest {

    private static Json.Obj pbkdf2(String salt, long iterations, long bits) {
        return Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of(salt), "iterations", Json.of(iterations),
                "bits", Json.of(bits));
    }

    // ---- caps, checked before any hashing ----

    @Test
    void parse_emptySalt_isMalformed_notTheJdksIllegalArgumentException() throws Exception {
        // Fuzz finding: an empty salt reached PBEKeySpec, which throws IllegalArgumentException.
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("salt", Json.of(""))));
        KeyFormatException e = assertThrows(KeyFormatException.class,
                () -> PassphraseKey.derive("x".toCharArray(), "", 1, 256));
        assertEquals("passphrase.salt: empty", e.getMessage());
    }

    @Test
    void parse_saltOverTheCap_isMalformed() throws Exception {
        String longest = "s".repeat(PassphraseKey.MAX_SALT_LENGTH);
        assertEquals(longest, KeyDescription.parse(withPassphraseField("salt", Json.of(longest))).passphrase().salt());
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("salt",
                Json.of(longest + "s"))));
        assertThrows(KeyFormatException.class, () -> PassphraseKey.derive("x".toCharArray(), longest + "s", 1, 256));
    }

    @Test
    void parse_iterationsOverTheCap_isMalformed() throws Exception {
        assertEquals(PassphraseKey.MAX_ITERATIONS,
                KeyDescription.parse(withPassphraseField("iterations",
                        Json.of(PassphraseKey.MAX_ITERATIONS))).passphrase().iterations());
        for (long n : new long[] {PassphraseKey.MAX_ITERATIONS + 1L, 6_000_000L, 10_000_000L, 1_000_000_000L}) {
            assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("iterations",
                    Json.of(n))), "iterations " + n);
        }
    }

    @Test
    void parse_bitsMultiplyTheWork_soTheirProductIsCapped() throws Exception {
        Json.Obj d = json(PASSPHRASE_DESCRIPTION);
        // 4096 bits are 8 blocks of 512: 625000 iterations are 5000000 blocks' work, one more iteration is over.
        assertEquals(4096, KeyDescription.parse(d.with("passphrase",
                pbkdf2("salt", 625_000, 4096))).passphrase().bits());
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("passphrase",
                pbkdf2("salt", 625_001, 4096))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("passphrase",
                pbkdf2("salt", 1_000_000, 4096))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("passphrase",
                pbkdf2("salt", 5_000_000, 1024))));
    }

    @Test
    void derive_workOverTheCap_isAKeyFormatException() {
        // Each of these would take many seconds to minutes if it were hashed; the cap refuses it first.
        for (int[] p : new int[][] {{6_000_000, 256}, {Integer.MAX_VALUE, 256}, {1_000_000, 4096}}) {
            KeyFormatException e = assertThrows(KeyFormatException.class,
                    () -> PassphraseKey.derive("x".toCharArray(), "salt", p[0], p[1]));
            assertTrue(e.getMessage().startsWith("passphrase.iterations: out of range: " + p[0]), e.getMessage());
        }
    }

    // ---- the key check ----

    @Test
    void check_matchesMismatchAbsent() throws Exception {
        KeyDescription d = KeyDescription.parse(json(PASSPHRASE_DESCRIPTION));
        byte[] right = Bytes.fromHex(PASSPHRASE_KEY_HEX);
        try (SecretStorageKey k = SecretStorageKey.fromBytes(right); SecretStorageKey other =
                SecretStorageKey.generate()) {
            assertEquals(KeyDescription.Check.MATCHES, d.check(k));
            assertEquals(KeyDescription.Check.MISMATCH, d.check(other));
            KeyDescription noMac = KeyDescription.parse(json(PASSPHRASE_DESCRIPTION).without("mac"));
            assertFalse(noMac.hasKeyCheck());
            assertEquals(KeyDescription.Check.ABSENT, noMac.check(other));
            assertTrue(noMac.checkKey(other), "reading keeps the spec's rule: no check, assume the key is right");
        }
    }

    // ---- the write rule ----

    private static SecretStorageException.Reason refusal(KeyDescription d, KeyDescription.Check c) {
        return assertThrows(SecretStorageException.class, () -> d.requireWritable("K", c)).reason();
    }

    @Test
    void requireWritable_noKeyCheck_isWeakKey() throws Exception {
        KeyDescription d = KeyDescription.parse(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM)));
        assertEquals(SecretStorageException.Reason.WEAK_KEY, refusal(d, KeyDescription.Check.ABSENT));
        SecretStorageException e = assertThrows(SecretStorageException.class,
                () -> d.requireWritable("K", KeyDescription.Check.ABSENT));
        assertTrue(e.getMessage().startsWith("refusing to write secrets under secret storage key K: it has no key "
                + "check (iv/mac)"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void requireWritable_checkNotPassedByThisDevice_isWeakKey() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            KeyDescription d = KeyDescription.parse(KeyDescription.create(k, null, null));
            assertEquals(SecretStorageException.Reason.WEAK_KEY, refusal(d, KeyDescription.Check.MISMATCH));
            assertEquals(Optional.empty(), d.writeWeakness(d.check(k)));
            assertDoesNotThrow(() -> d.requireWritable("K", d.check(k)));
        }
    }

    @Test
    void requireWritable_iterationsBelowTheMinimum_isWeakKey_evenWithAPassingCheck() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            int min = KeyDescription.MIN_ITERATIONS_FOR_WRITING;
            for (int n : new int[] {1, 10, 100_000, min - 1}) {
                KeyDescription d = KeyDescription.parse(KeyDescription.create(k, null,
                        pbkdf2("saltsaltsaltsalt", n, 256)));
                assertEquals(KeyDescription.Check.MATCHES, d.check(k));
                assertEquals(SecretStorageException.Reason.WEAK_KEY, refusal(d, KeyDescription.Check.MATCHES),
                        "iterations " + n);
                assertEquals("its passphrase is stretched with only " + n
                        + " PBKDF2 iterations (at least 500000 are needed to write secrets)",
                        d.writeWeakness(KeyDescription.Check.MATCHES).orElseThrow());
            }
            KeyDescription element = KeyDescription.parse(KeyDescription.create(k, null,
                    pbkdf2("saltsaltsaltsalt", min, 256)));
            assertDoesNotThrow(() -> element.requireWritable("K", KeyDescription.Check.MATCHES));
        }
    }

    @Test
    void requireWritable_unknownPassphraseAlgorithmWithPassingCheck_isAllowed() throws Exception {
        // The check proves the key; a derivation this module does not know cannot be judged, and no server can
        // make one that derives the user's key.
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            Json.Obj created = KeyDescription.create(k, null, null)
                    .with("passphrase", Json.obj("algorithm", Json.of("org.example.argon2"), "salt", Json.of("s"),
                    "iterations", Json.of(1)));
            KeyDescription d = KeyDescription.parse(created);
            assertDoesNotThrow(() -> d.requireWritable("K", d.check(k)));
        }
    }
}
