package keybackup.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import keybackup.internal.Bytes;
import org.junit.jupiter.api.Test;

/** RFC 8032 §7.1 test vectors (TEST 1, 2, 3 and SHA(abc)) and fail-closed verification. */
class Ed25519Test {
    // {seed, public key, message, signature}, hex, from RFC 8032 section 7.1.
    static final String[][] RFC8032 = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
        {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
         "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
    };

    @Test
    void rfc8032_vectors_deriveSignAndVerify() throws Exception {
        for (String[] v : RFC8032) {
            try (Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(Bytes.fromHex(v[0]))) {
                assertEquals(v[1], Bytes.hex(k.publicKey().bytes()));
                assertArrayEquals(Bytes.fromHex(v[3]), k.sign(Bytes.fromHex(v[2])));
                assertTrue(k.publicKey().verify(Bytes.fromHex(v[2]), Bytes.fromHex(v[3])));
            }
        }
    }

    @Test
    void verify_tamperedMessageOrSignature_isFalse() throws Exception {
        String[] v = RFC8032[1];
        Ed25519PublicKey pub = Ed25519PublicKey.fromBytes(Bytes.fromHex(v[1]));
        byte[] sig = Bytes.fromHex(v[3]);
        assertFalse(pub.verify(Bytes.fromHex("73"), sig));
        sig[5] ^= 1;
        assertFalse(pub.verify(Bytes.fromHex(v[2]), sig));
    }

    @Test
    void verify_sNotReduced_isFalseNotException() throws Exception {
        String[] v = RFC8032[0];
        Ed25519PublicKey pub = Ed25519PublicKey.fromBytes(Bytes.fromHex(v[1]));
        byte[] sig = Bytes.fromHex(v[3]);
        sig[63] = (byte) 0xff; // s >= L: the JDK throws SignatureException, which must read as "invalid"
        assertFalse(pub.verify(new byte[0], sig));
        assertFalse(pub.verify(new byte[0], new byte[63]));
        assertFalse(pub.verify(new byte[0], null));
    }

    @Test
    void verify_undecodablePublicKey_isFalse() throws Exception {
        byte[] bad = new byte[32];
        Arrays.fill(bad, (byte) 0xff); // y >= p: not a valid point encoding
        Ed25519PublicKey pub = Ed25519PublicKey.fromBytes(bad);
        assertFalse(pub.verify(new byte[0], Bytes.fromHex(RFC8032[0][3])));
    }

    @Test
    void seed_wrongLength_isRejected() {
        assertThrows(KeyFormatException.class, () -> Ed25519PrivateKey.fromSeed(new byte[31]));
        assertThrows(KeyFormatException.class, () -> Ed25519PublicKey.fromBytes(new byte[33]));
    }

    @Test
    void toString_redactsSeed() throws Exception {
        try (Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(Bytes.fromHex(RFC8032[0][0]))) {
            assertFalse(k.toString().contains(RFC8032[0][0]));
            assertFalse(k.toString().contains(Base64Unpadded.encode(Bytes.fromHex(RFC8032[0][0]))));
            assertTrue(k.toString().contains("redacted"));
        }
    }

    @Test
    void verify_interleavedKeysAndFailures_eachAnswerIsForTheKeyAsked() throws Exception {
        // Each key object reuses one verifier per thread; switching keys, a thrown provider error
        // (s >= L) and equal keys in different objects must not change an answer.
        Ed25519PublicKey[] pubs = new Ed25519PublicKey[RFC8032.length];
        for (int i = 0; i < pubs.length; i++) pubs[i] = Ed25519PublicKey.fromBytes(Bytes.fromHex(RFC8032[i][1]));
        byte[] unreduced = Bytes.fromHex(RFC8032[0][3]);
        unreduced[63] = (byte) 0xff;
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < pubs.length; k++) {
                for (int m = 0; m < RFC8032.length; m++) {
                    boolean expected = k == m;
                    assertEquals(expected, pubs[k].verify(Bytes.fromHex(RFC8032[m][2]), Bytes.fromHex(RFC8032[m][3])),
                            "key " + k + " message " + m);
                    assertEquals(expected, pubs[k].verify(Bytes.fromHex(RFC8032[m][2]), Bytes.fromHex(RFC8032[m][3])),
                            "again: key " + k + " message " + m);
                }
                // throws inside: 64 bytes were given
                assertFalse(pubs[k].verify(Bytes.fromHex(RFC8032[3][2]), unreduced));
                assertEquals(k == 3, pubs[k].verify(Bytes.fromHex(RFC8032[3][2]), Bytes.fromHex(RFC8032[3][3])));
                assertTrue(pubs[k].verify(Bytes.fromHex(RFC8032[k][2]), Bytes.fromHex(RFC8032[k][3])));
                Ed25519PublicKey same = Ed25519PublicKey.fromBytes(Bytes.fromHex(RFC8032[k][1]));
                assertTrue(same.verify(Bytes.fromHex(RFC8032[k][2]), Bytes.fromHex(RFC8032[k][3])));
            }
        }
    }

    @Test
    void verify_afterAThrowingVerification_earlierBytesAreNotPrefixed() throws Exception {
        // A provider that throws (s >= L) may keep the bytes it was fed. If that verifier were reused,
        // the next check would cover prefix ‖ message, and a signature over prefix ‖ suffix would verify
        // against "suffix" alone.
        try (Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(Bytes.fromHex(RFC8032[0][0]))) {
            Ed25519PublicKey pub = k.publicKey();
            byte[] prefix = "{\"room_id\":\"!a\",".getBytes(StandardCharsets.UTF_8);
            byte[] suffix = "\"session_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            byte[] whole = Bytes.concat(prefix, suffix);
            byte[] sigOfWhole = k.sign(whole);
            byte[] unreduced = sigOfWhole.clone();
            unreduced[63] = (byte) 0xff;
            assertTrue(pub.verify(whole, sigOfWhole)); // the verifier exists and is initialised
            assertFalse(pub.verify(prefix, unreduced)); // throws inside the provider after taking "prefix"
            assertFalse(pub.verify(suffix, sigOfWhole));
            assertTrue(pub.verify(whole, sigOfWhole));
        }
    }

    @Test
    void verify_sameKeyOnManyThreads_allAnswersRight() throws Exception {
        Ed25519PublicKey pub = Ed25519PublicKey.fromBytes(Bytes.fromHex(RFC8032[2][1]));
        byte[] message = Bytes.fromHex(RFC8032[2][2]);
        byte[] good = Bytes.fromHex(RFC8032[2][3]);
        byte[] bad = good.clone();
        bad[10] ^= 4;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> wrong = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                wrong.add(pool.submit(() -> {
                    int errors = 0;
                    for (int i = 0; i < 50; i++) {
                        if (!pub.verify(message, good)) errors++;
                        if (pub.verify(message, bad)) errors++;
                    }
                    return errors;
                }));
            }
            for (Future<Integer> f : wrong) assertEquals(0, f.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
