package keybackup.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import keybackup.backup.Vectors;
import keybackup.internal.Bytes;
import keybackup.json.Json;
import org.junit.jupiter.api.Test;

/** X25519 keys (RFC 7748 §6.1), recovery keys (recovery-key.json, protocol.md §13.4), key-file text. */
class BackupDecryptionKeyTest {
    static final String ALICE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    static final String ALICE_PUB = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    static final String BOB = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    static final String BOB_PUB = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    static final String SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    @Test
    void rfc7748_publicKeysAndSharedSecret() throws Exception {
        try (BackupDecryptionKey a = BackupDecryptionKey.fromBytes(Bytes.fromHex(ALICE)); BackupDecryptionKey b = BackupDecryptionKey.fromBytes(Bytes.fromHex(BOB))) {
            assertEquals(ALICE_PUB, Bytes.hex(a.publicKey().bytes()));
            assertEquals("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo", a.publicKey().toBase64());
            assertEquals(BOB_PUB, Bytes.hex(b.publicKey().bytes()));
            assertEquals(SHARED, Bytes.hex(a.agree(b.publicKey())));
            assertEquals(SHARED, Bytes.hex(b.agree(a.publicKey())));
            assertTrue(a.matches(Curve25519PublicKey.parse("public_key", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo")));
            assertFalse(a.matches(b.publicKey()));
        }
    }

    @Test
    void agree_smallOrderPeer_isKeyFormatException() throws Exception {
        try (BackupDecryptionKey a = BackupDecryptionKey.fromBytes(Bytes.fromHex(ALICE))) {
            for (String hex : new String[] {"0000000000000000000000000000000000000000000000000000000000000000",
                    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
                    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"}) {
                Curve25519PublicKey p = Curve25519PublicKey.fromBytes(Bytes.fromHex(hex));
                KeyFormatException e = assertThrows(KeyFormatException.class, () -> a.agree(p));
                assertTrue(e.getMessage().contains("small-order"), e.getMessage());
            }
        }
    }

    @Test
    void agree_refusalsBetweenGoodAgreements_leaveLaterAnswersRight() throws Exception {
        // Each thread reuses one KeyAgreement: a refused point must not leave it in a state that
        // changes the next answer, for this key or another one.
        Curve25519PublicKey small = Curve25519PublicKey.fromBytes(Bytes.fromHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"));
        try (BackupDecryptionKey a = BackupDecryptionKey.fromBytes(Bytes.fromHex(ALICE)); BackupDecryptionKey b = BackupDecryptionKey.fromBytes(Bytes.fromHex(BOB))) {
            for (int i = 0; i < 3; i++) {
                assertThrows(KeyFormatException.class, () -> a.agree(small));
                assertEquals(SHARED, Bytes.hex(a.agree(b.publicKey())));
                assertThrows(KeyFormatException.class, () -> b.agree(small));
                assertEquals(SHARED, Bytes.hex(b.agree(a.publicKey())));
            }
        }
    }

    @Test
    void curve25519PublicKey_valueSemantics() throws Exception {
        Curve25519PublicKey p = Curve25519PublicKey.fromBytes(Bytes.fromHex(ALICE_PUB));
        assertEquals(p, Curve25519PublicKey.parse("k", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="));
        assertEquals(p.hashCode(), Curve25519PublicKey.parse("k", p.toBase64()).hashCode());
        byte[] copy = p.bytes();
        copy[0] ^= 1;
        assertEquals(ALICE_PUB, Bytes.hex(p.bytes()));
        assertEquals("public_key: expected 32 bytes, got 31", assertThrows(KeyFormatException.class,
                () -> Curve25519PublicKey.parse("public_key", Base64Unpadded.encode(new byte[31]))).getMessage());
        assertThrows(KeyFormatException.class, () -> Curve25519PublicKey.fromBytes(new byte[33]));
    }

    @Test
    void recoveryKeyFile_everyCaseEncodesAndDecodes() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Json.Obj c : Vectors.list(Vectors.recovery(), "cases")) {
            byte[] key = Bytes.fromHex(c.string("key_hex"));
            if (!Bytes.hex(Base64Unpadded.decode("key", c.string("key"))).equals(c.string("key_hex"))) failures.add(c.string("id") + ": key/key_hex");
            if (!RecoveryKey.encode(key).equals(c.string("recovery_key"))) failures.add(c.string("id") + ": encode");
            if (!Bytes.hex(RecoveryKey.decode(c.string("recovery_key"))).equals(c.string("key_hex"))) failures.add(c.string("id") + ": decode");
            try (BackupDecryptionKey k = BackupDecryptionKey.fromRecoveryKey(c.string("recovery_key"))) {
                if (!Base64Unpadded.encode(k.exportBytes()).equals(c.string("key"))) failures.add(c.string("id") + ": fromRecoveryKey");
                if (!k.toRecoveryKey().equals(c.string("recovery_key"))) failures.add(c.string("id") + ": toRecoveryKey");
            }
        }
        assertEquals(List.of(), failures);
    }

    /** Category of each reject case under the order characters → length → prefix → parity (protocol.md §7.1). */
    private static final Map<String, String> CATEGORY = Map.ofEntries(
            Map.entry("invalid/bad-parity", "bad parity"),
            Map.entry("invalid/bad-prefix", "bad prefix"),
            Map.entry("invalid/swapped-prefix", "bad prefix"),
            Map.entry("invalid/key-31-bytes", "bad length"),
            Map.entry("invalid/key-33-bytes", "bad length"),
            Map.entry("invalid/no-parity-byte", "bad length"),
            Map.entry("invalid/char-0", "invalid character"),
            Map.entry("invalid/char-O", "invalid character"),
            Map.entry("invalid/char-I", "invalid character"),
            Map.entry("invalid/char-l", "invalid character"),
            Map.entry("invalid/char-plus", "invalid character"),
            Map.entry("invalid/empty", "bad length"),
            Map.entry("invalid/truncated", "bad length"),
            Map.entry("invalid/lowercased", "bad length"));

    @Test
    void recoveryKeyFile_everyDecodeCase() throws Exception {
        List<String> failures = new ArrayList<>();
        int rejects = 0;
        for (Json.Obj c : Vectors.list(Vectors.recovery(), "decode_cases")) {
            String id = c.string("id");
            String expected = c.string("expected");
            // implementation-defined: this project removes all whitespace and accepts (protocol.md §7.1),
            // key of random-1.
            String key = id.equals("decode/tabs-newline") ? "ThLQzHOcH/ylKqxmgNJgJ0xXp48MPSgqq66yYILaRyY" : c.string("key");
            if (expected.equals("accept") || id.equals("decode/tabs-newline")) {
                try {
                    if (!Base64Unpadded.encode(RecoveryKey.decode(c.string("recovery_key"))).equals(key)) failures.add(id + ": wrong key");
                } catch (KeyFormatException e) {
                    failures.add(id + ": rejected: " + e.getMessage());
                }
                continue;
            }
            rejects++;
            String category = CATEGORY.get(id);
            try {
                RecoveryKey.decode(c.string("recovery_key"));
                failures.add(id + ": accepted");
            } catch (KeyFormatException e) {
                if (category == null || !e.getMessage().startsWith("recovery key: " + category)) failures.add(id + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(CATEGORY.size(), rejects);
    }

    @Test
    void recoveryKey_digestVectors() throws Exception {
        // protocol.md §13.4 (matrix-rust-sdk decryption.rs / secret_storage.rs, js-sdk test data, a derived one).
        assertEquals("EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4d", RecoveryKey.encode(Bytes.fromHex(ALICE)));
        assertEquals(ALICE, Bytes.hex(RecoveryKey.decode("EsTcLW2KPGiFwKEA3As5g5c4BXwkqeeJZJV8Q9fugUMNUE4d")));
        assertEquals("9fbd46bb345171c6f6022c9a25d5681ba54eec6a6c4953f3adc0b96e9d91ada3",
                Bytes.hex(RecoveryKey.decode("EsT           pRvZTnjck8    YrhRAtw XLS84Nr2r9S9LGAWDaExVAPBvLRK   ")));
        assertEquals("EsTJ 43XY kfm5 31zX axQ1 1Qyu ex4G VDkC n8Rr Es8U FyYB 1ffn",
                RecoveryKey.encode(Bytes.fromHex("397aff44a04238741cff9b76b38126073c34bf25599fa9969287f01ccf77559f")));
        String[][] bad = {
            {"EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4e", "bad parity"},
            {"EsTpRvZTnjck8YrhRAtwXLS84Nr2r9S9LGAWDaExVAPBvLRk", "bad parity"},
            {"AATpRvZTnjck8YrhRAtwXLS84Nr2r9S9LGAWDaExVAPBvLRk", "bad prefix"},
            {"AATpRvZTnjck8YrhRAtwXLS84Nr2r9S9", "bad length"},
            {"AATpRvZTnjck8YrhRAtwXLS84Nr0OIl", "invalid character"},
        };
        for (String[] b : bad) {
            KeyFormatException e = assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.fromRecoveryKey(b[0]));
            assertTrue(e.getMessage().startsWith("recovery key: " + b[1]), e.getMessage());
        }
    }

    @Test
    void fromKeyFileText_recoveryKeyOrBase64ByShape() throws Exception {
        String b64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo"; // protocol.md §13.5, = key 77076d0a…
        for (String text : new String[] {b64, b64 + "=\n", "  " + b64 + "\r\n",
                "EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4d\n", "EsTc LW2K PGiF wKEA\n3As5 g5c4 BXwk qeeJ\nZJV8 Q9fu gUMN UE4d"}) {
            try (BackupDecryptionKey k = BackupDecryptionKey.fromKeyFileText(text)) {
                assertEquals(ALICE, Bytes.hex(k.exportBytes()), text);
            }
        }
        assertTrue(assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.fromKeyFileText("\n")).getMessage().startsWith("key file: empty"));
        assertTrue(assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.fromKeyFileText(b64.replace('t', '-')))
                .getMessage().startsWith("key file (base64 key): not valid base64"));
        assertTrue(assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.fromKeyFileText(b64.substring(1)))
                .getMessage().startsWith("recovery key: "));
    }

    @Test
    void secretHygiene_redactedCloseZeroesCopyIndependent() throws Exception {
        BackupDecryptionKey k = BackupDecryptionKey.fromBytes(Bytes.fromHex(ALICE));
        assertFalse(k.toString().contains("dwdt") || k.toString().contains(ALICE) || k.toString().contains("EsTc"));
        byte[] export = k.exportBytes();
        export[0] ^= 1;
        assertEquals(ALICE, Bytes.hex(k.exportBytes()));
        k.close();
        assertThrows(IllegalStateException.class, k::exportBytes); // zeroed, and refused rather than handing out 32 zero bytes
        assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.fromBytes(new byte[31]));
        assertThrows(KeyFormatException.class, () -> BackupDecryptionKey.parse("key", "AAAA"));
        try (BackupDecryptionKey g1 = BackupDecryptionKey.generate(); BackupDecryptionKey g2 = BackupDecryptionKey.generate()) {
            assertNotEquals(g1.publicKey(), g2.publicKey());
        }
    }

    @Test
    void close_thenEveryUse_isIllegalState() throws Exception {
        BackupDecryptionKey a = BackupDecryptionKey.fromBytes(Bytes.fromHex(ALICE));
        Curve25519PublicKey bob = Curve25519PublicKey.fromBytes(Bytes.fromHex(BOB_PUB));
        a.close();
        // before: the zeroed key still answered, and toRecoveryKey() gave a valid-looking key for 32 zero bytes
        assertThrows(IllegalStateException.class, a::toRecoveryKey);
        assertThrows(IllegalStateException.class, a::exportBytes);
        assertThrows(IllegalStateException.class, () -> a.agree(bob));
        assertThrows(IllegalStateException.class, a::publicKey);
        assertThrows(IllegalStateException.class, () -> a.matches(bob));
        a.close(); // a second close is harmless
    }

    @Test
    void ed25519PrivateKey_close_thenSignAndExport_isIllegalState() throws Exception {
        Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(Bytes.fromHex(ALICE));
        k.close();
        assertThrows(IllegalStateException.class, () -> k.sign(new byte[1]));
        assertThrows(IllegalStateException.class, k::exportSeed);
    }
}
