package keybackup.trust;

import static keybackup.trust.SignedBackupScenarioTest.backupKey;
import static keybackup.trust.SignedBackupScenarioTest.encrypt;
import static keybackup.trust.SignedBackupScenarioTest.plaintextOf;
import static keybackup.trust.SignedBackupScenarioTest.signingKey;
import static keybackup.trust.SignedBackupScenarioTest.trusted;
import static keybackup.trust.SignedBackupScenarioTest.vectors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import keybackup.json.Json;
import keybackup.keys.Ed25519PublicKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a hostile server or sender could serve on the second read of a migration, once the first read has
 * filled the set of valid signatures: every variant of a signed entry gets the verdict a verifier without the
 * set gives it. Also the set's own table: digests that a naive concatenation would confuse, growth past its
 * first table, and several threads sharing it.
 */
class VerifiedSignaturesHostileTest {
    private static final String ROOM = "!r:example.org";

    @BeforeAll
    static void load() throws Exception {
        SignedBackupScenarioTest.load();
    }

    @AfterAll
    static void close() {
        SignedBackupScenarioTest.close();
    }

    /** A vector plaintext whose verdict is authenticated, and the session id it belongs to. */
    private static Map.Entry<String, Json.Obj> signedCase() throws Exception {
        AuthDataTrust t = trusted();
        for (Json c : ((Json.Arr) vectors.get("cases")).elements()) {
            Json.Obj o = (Json.Obj) c;
            if (!"backup-key-1".equals(o.string("key"))) continue;
            SessionVerifier.Result r = new SessionVerifier(t, backupKey)
                    .verify(o.string("room_id"), o.string("session_id"), o.object("key_backup_data"));
            if (r.verdict() instanceof SessionVerdict.Authenticated) {
                return Map.entry(o.string("session_id"), plaintextOf(o.string("id")));
            }
        }
        throw new AssertionError("no authenticated vector case");
    }

    private static String verdict(SessionVerifier.Result r) {
        return r.verdict().word() + "/" + r.verdict().reason() + "/" + (r.sessionData() != null);
    }

    private static Json.Obj withMac(Json.Obj kbd, Json mac) {
        Json.Obj sd = kbd.object("session_data");
        return kbd.with("session_data", mac == null ? sd.without("mac") : sd.with("mac", mac));
    }

    private static Json.Obj withSignatures(Json.Obj plain, Json sigs) {
        return plain.with("signatures", sigs);
    }

    @Test
    void hostileVariantsOfASignedEntry_afterTheFirstReadKeptIt_sameVerdictsAsWithoutTheSet() throws Exception {
        Map.Entry<String, Json.Obj> sc = signedCase();
        String sessionId = sc.getKey();
        Json.Obj plain = sc.getValue();
        Json.Obj sigs = plain.object("signatures");
        String entity = sigs.members().keySet().iterator().next();
        String keyId = sigs.object(entity).members().keySet().iterator().next();
        String sig = sigs.object(entity).string(keyId);
        assertEquals(86, sig.length(), "an unpadded 64-byte signature");
        // the last character carries 4 bits and 2 unused ones: flip an unused bit (same 64 bytes, other text)
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char last = sig.charAt(85);
        String otherTrailingBits = sig.substring(0, 85) + alphabet.charAt(alphabet.indexOf(last) ^ 1);
        Json.Obj changedBytes = plain.with("sender_key", Json.of("A" + plain.string("sender_key").substring(1)));

        Map<String, Json.Obj> variants = new LinkedHashMap<>();
        Json.Obj good = encrypt(plain);
        variants.put("as first read", good);
        variants.put("mac removed", withMac(good, null));
        variants.put("mac wrong", withMac(good, Json.of("AAAAAAAAAAA")));
        variants.put("other signed bytes, mac wrong", withMac(encrypt(changedBytes), Json.of("AAAAAAAAAAA")));
        variants.put("other signed bytes, mac removed", withMac(encrypt(changedBytes), null));
        variants.put("other signed bytes", encrypt(changedBytes));
        variants.put("padded signature", encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.of(sig + "=="))))));
        variants.put("padded signature, mac removed", withMac(encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.of(sig + "=="))))), null));
        variants.put("other trailing bits", encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.of(otherTrailingBits))))));
        variants.put("signature cut short", encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.of(sig.substring(0, 84)))))));
        variants.put("signature a number", encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.of(7))))));
        variants.put("signature an array", encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.arr(List.of(Json.of(sig))))))));
        variants.put("signature an object, mac wrong", withMac(encrypt(withSignatures(plain,
                Json.obj(entity, Json.obj(keyId, Json.obj("s", Json.of(sig)))))), Json.of("AAAAAAAAAAA")));
        variants.put("under another entity only", encrypt(withSignatures(plain,
                Json.obj("@mallory:example.org", Json.obj(keyId, Json.of(sig))))));
        variants.put("own entity wrong, another entity right", encrypt(withSignatures(plain,
                Json.obj("@mallory:example.org", Json.obj(keyId, Json.of(sig)),
                        entity, Json.obj(keyId, Json.of(otherTrailingBits.substring(0, 84) + "AA"))))));
        variants.put("another entity wrong first, then another right", encrypt(withSignatures(plain,
                Json.obj("@a:example.org", Json.obj(keyId, Json.of(sig.substring(0, 84) + "AA")),
                        "@b:example.org", Json.obj(keyId, Json.of(sig))))));
        variants.put("an unsigned member added", encrypt(plain.with("unsigned", Json.obj("x", Json.of(1)))));
        variants.put("signatures not an object", encrypt(withSignatures(plain, Json.of(sig))));

        AuthDataTrust t = trusted();
        VerifiedSignatures set = new VerifiedSignatures();
        SessionVerifier first = new SessionVerifier(t, backupKey, set);
        assertEquals("authenticated", first.verify(ROOM, sessionId, good).verdict().word());
        assertEquals(1, set.size());
        SessionVerifier without = new SessionVerifier(t, backupKey);
        SessionVerifier with = new SessionVerifier(t, backupKey, set);
        List<String> differing = new ArrayList<>();
        String authenticated = verdict(without.verify(ROOM, sessionId, good));
        int distinct = 0;
        for (Map.Entry<String, Json.Obj> v : variants.entrySet()) {
            String expected = verdict(without.verify(ROOM, sessionId, v.getValue()));
            String got = verdict(with.verify(ROOM, sessionId, v.getValue()));
            String again = verdict(with.verify(ROOM, sessionId, v.getValue()));
            if (!expected.equals(got) || !expected.equals(again)) {
                differing.add(v.getKey() + ": " + expected + " without, " + got + " / " + again + " with");
            }
            if (!expected.equals(authenticated)) distinct++;
        }
        assertEquals(List.of(), differing);
        assertTrue(distinct >= 5, "the variants are not all authenticated: " + distinct);
        // the same entry under a backup with no usable key: no signature is checked, the set is not consulted
        AuthDataTrust untrusted = SignedBackupScenarioTest.trust(
                SignedBackupScenarioTest.authData(keybackup.backup.FieldNames.UNSTABLE),
                SignedBackupScenarioTest.trustingMaster());
        assertFalse(untrusted instanceof AuthDataTrust.Usable);
        assertEquals(verdict(new SessionVerifier(untrusted, backupKey).verify(ROOM, sessionId, withMac(good, null))),
                verdict(new SessionVerifier(untrusted, backupKey, set).verify(ROOM, sessionId, withMac(good, null))));
    }

    @Test
    void digest_separatesTheSignatureFromTheSignedBytes_andKeys() throws Exception {
        Ed25519PublicKey key = signingKey.publicKey();
        byte[] other = key.bytes();
        other[0] ^= 1;
        Ed25519PublicKey otherKey = Ed25519PublicKey.fromBytes(other);
        VerifiedSignatures set = new VerifiedSignatures();
        AtomicInteger checks = new AtomicInteger();
        assertTrue(set.valid(key, Json.of("ab"), "cd".getBytes(StandardCharsets.UTF_8), () -> true));
        // the same concatenation "abcd", split elsewhere
        assertFalse(set.valid(key, Json.of("a"), "bcd".getBytes(StandardCharsets.UTF_8),
                () -> checks.incrementAndGet() < 0));
        assertFalse(set.valid(key, Json.of("abc"), "d".getBytes(StandardCharsets.UTF_8),
                () -> checks.incrementAndGet() < 0));
        assertFalse(set.valid(key, Json.of(""), "abcd".getBytes(StandardCharsets.UTF_8),
                () -> checks.incrementAndGet() < 0));
        // the same signature and bytes under another key
        assertFalse(set.valid(otherKey, Json.of("ab"), "cd".getBytes(StandardCharsets.UTF_8),
                () -> checks.incrementAndGet() < 0));
        // a padded text of the same signature is another string: checked, not taken from the set
        assertFalse(set.valid(key, Json.of("ab=="), "cd".getBytes(StandardCharsets.UTF_8),
                () -> checks.incrementAndGet() < 0));
        assertEquals(5, checks.get(), "every look-alike was checked");
        assertEquals(1, set.size());
    }

    @Test
    void table_growsPastItsFirstSize_findsEveryKeptDigest_andNoOther() {
        Ed25519PublicKey key = signingKey.publicKey();
        VerifiedSignatures set = new VerifiedSignatures();
        int n = 20_000; // the first table holds 2048 at half load: several doublings
        byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < n; i++) assertTrue(set.valid(key, Json.of("kept-" + i), bytes, () -> true));
        assertEquals(n, set.size());
        AtomicInteger checks = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            assertTrue(set.valid(key, Json.of("kept-" + i), bytes, () -> checks.incrementAndGet() < 0));
        }
        assertEquals(0, checks.get(), "every kept digest is found after the table grew");
        for (int i = 0; i < n; i++) {
            assertFalse(set.valid(key, Json.of("other-" + i), bytes, () -> checks.incrementAndGet() < 0));
        }
        assertEquals(n, checks.get(), "no digest that was not kept is found");
        assertEquals(n, set.size());
    }

    @Test
    void severalThreads_addAndLookUpAtOnce_noneLostNoneDoubled() throws Exception {
        Ed25519PublicKey key = signingKey.publicKey();
        VerifiedSignatures set = new VerifiedSignatures();
        int threads = 4;
        int n = 6000; // each thread adds the same 6000, in its own order, while the table grows
        byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger invalidFound = new AtomicInteger();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t * 1500;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < n; i++) {
                        int k = (i + offset) % n;
                        set.valid(key, Json.of("s-" + k), bytes, () -> true);
                        if (set.valid(key, Json.of("bad-" + k), bytes, () -> false)) invalidFound.incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, invalidFound.get());
        assertEquals(n, set.size(), "each digest kept exactly once");
        AtomicInteger checks = new AtomicInteger();
        for (int k = 0; k < n; k++) {
            assertTrue(set.valid(key, Json.of("s-" + k), bytes, () -> checks.incrementAndGet() < 0));
        }
        assertEquals(0, checks.get());
    }

    @Test
    void aCallerHoldingTheSetsMonitor_doesNotStopTheVerifiersUsingIt() throws Exception {
        VerifiedSignatures set = new VerifiedSignatures();
        Map.Entry<String, Json.Obj> sc = signedCase();
        SessionVerifier v = new SessionVerifier(trusted(), backupKey, set);
        Json.Obj entry = encrypt(sc.getValue());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            synchronized (set) { // a library caller's own lock on the object it was given
                Future<String> r = pool.submit(() -> v.verify(ROOM, sc.getKey(), entry).verdict().word());
                assertEquals("authenticated", r.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, set.size());
    }
}
