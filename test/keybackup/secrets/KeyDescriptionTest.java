package keybackup.secrets;

import static keybackup.secrets.DigestVectorsTest.PASSPHRASE_DESCRIPTION;
import static keybackup.secrets.DigestVectorsTest.json;
import static keybackup.secrets.Vectors.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import keybackup.json.Json;
import org.junit.jupiter.api.Test;

/** Parsing rules of {@link KeyDescription} (protocol.md §8.3–§8.4, §7.2) and {@link KeyDescription#create}. */
class KeyDescriptionTest {

    static SecretStorageException.Reason reject(Json.Obj content) {
        return assertThrows(SecretStorageException.class, () -> KeyDescription.parse(content)).reason();
    }

    static Json.Obj withPassphraseField(String field, Json value) throws Exception {
        Json.Obj d = json(PASSPHRASE_DESCRIPTION);
        Json.Obj p = d.object("passphrase");
        return d.with("passphrase", value == null ? p.without(field) : p.with(field, value));
    }

    @Test
    void parse_keepsJsonAndDefaultsBitsTo256() throws Exception {
        Json.Obj d = json(PASSPHRASE_DESCRIPTION);
        KeyDescription k = KeyDescription.parse(d);
        assertSame(d, k.json());
        assertEquals(SecretStorage.ALGORITHM, k.algorithm());
        assertEquals(256, k.passphrase().bits());
    }

    @Test
    void parse_algorithmMissingOrOther_isRejected() throws Exception {
        Json.Obj d = json(PASSPHRASE_DESCRIPTION);
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.without("algorithm")));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("algorithm", Json.of(1))));
        assertEquals(SecretStorageException.Reason.UNSUPPORTED, reject(d.with("algorithm", Json.of("m.secret_storage.v2"))));
    }

    @Test
    void parse_badIvMacOrName_isMalformed() throws Exception {
        Json.Obj d = json(PASSPHRASE_DESCRIPTION);
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("iv", Json.of(16))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("mac", Json.of("not base64!"))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("name", Json.of(true))));
    }

    @Test
    void parse_badPassphraseObject_isMalformed() throws Exception {
        Json.Obj d = json(PASSPHRASE_DESCRIPTION);
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(d.with("passphrase", Json.of("m.pbkdf2"))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("algorithm", null)));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("salt", null)));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("salt", Json.of(5))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("iterations", null)));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("iterations", Json.of(0))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("iterations", Json.of("10"))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("iterations", Json.of(1L << 40))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("bits", Json.of(128))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("bits", Json.of(260))));
        assertEquals(SecretStorageException.Reason.MALFORMED, reject(withPassphraseField("bits", Json.of(8192))));
    }

    @Test
    void parse_unknownPassphraseAlgorithm_keepsKeyUsableWithoutPassphrase() throws Exception {
        KeyDescription d = KeyDescription.parse(withPassphraseField("algorithm", Json.of("org.example.argon2")));
        assertNull(d.passphrase());
        SecretStorageException e = assertThrows(SecretStorageException.class, () -> SecretStorageKey.fromPassphrase("x".toCharArray(), d));
        assertEquals(SecretStorageException.Reason.UNSUPPORTED, e.reason());
    }

    @Test
    void create_thenParse_checksOnlyItsKey() throws Exception {
        try (SecretStorageKey k = SecretStorageKey.generate(); SecretStorageKey other = SecretStorageKey.generate()) {
            Json.Obj created = KeyDescription.create(k, "m.default", null);
            assertEquals(SecretStorage.ALGORITHM, created.string("algorithm"));
            assertEquals("m.default", created.string("name"));
            assertFalse(created.has("passphrase"));
            assertFalse(created.string("iv").contains("=") || created.string("mac").contains("="), "unpadded");
            assertEquals(0, b64(created.string("iv"))[8] & 0x80, "bit 63 clear");
            KeyDescription d = KeyDescription.parse(created);
            assertTrue(d.checkKey(k));
            assertFalse(d.checkKey(other));
        }
    }

    @Test
    void create_withPassphrase_isParsedBack_andBadPassphraseIsCallerError() throws Exception {
        Json.Obj p = Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of("abc"), "iterations", Json.of(2), "bits", Json.of(256));
        Json.Obj p2 = p.without("salt");
        try (SecretStorageKey k = SecretStorageKey.generate()) {
            Json.Obj created = KeyDescription.create(k, null, p);
            assertFalse(created.has("name"));
            assertEquals(new KeyDescription.Pbkdf2("abc", 2, 256), KeyDescription.parse(created).passphrase());
            assertThrows(IllegalArgumentException.class, () -> KeyDescription.create(k, null, p2));
        }
    }

    @Test
    void checkKey_afterClose_isIllegalState() throws Exception {
        KeyDescription d = KeyDescription.parse(json(PASSPHRASE_DESCRIPTION));
        SecretStorageKey k = SecretStorageKey.generate();
        k.close();
        assertThrows(IllegalStateException.class, () -> d.checkKey(k));
    }
}
