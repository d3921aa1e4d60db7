package keybackup.trust;

import static keybackup.trust.SignedBackupScenarioTest.backupKey;
import static keybackup.trust.SignedBackupScenarioTest.encrypt;
import static keybackup.trust.SignedBackupScenarioTest.plaintextOf;
import static keybackup.trust.SignedBackupScenarioTest.signingKey;
import static keybackup.trust.SignedBackupScenarioTest.trusted;
import static keybackup.trust.SignedBackupScenarioTest.vcase;
import static keybackup.trust.SignedBackupScenarioTest.vectors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PublicKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The set of signatures already found valid ({@link VerifiedSignatures}) is a speed measure only: verdicts are
 * the same with it, a signature found valid vouches for those exact signed bytes and that signature string
 * only, and only valid checks are kept. The entries are the vectors of {@link SignedBackupScenarioTest}
 * (SessionData signed by python signedjson).
 */
class VerifiedSignaturesTest {
    @BeforeAll
    static void load() throws Exception {
        SignedBackupScenarioTest.load();
    }

    @AfterAll
    static void close() {
        SignedBackupScenarioTest.close();
    }

    private static List<Json.Obj> cases() {
        List<Json.Obj> out = new ArrayList<>();
        for (Json c : ((Json.Arr) vectors.get("cases")).elements()) {
            if ("backup-key-1".equals(((Json.Obj) c).string("key"))) out.add((Json.Obj) c);
        }
        return out;
    }

    private static String verdict(SessionVerifier v, Json.Obj c) {
        SessionVerifier.Result r = v.verify(c.string("room_id"), c.string("session_id"), c.object("key_backup_data"));
        return r.verdict().word() + "/" + r.verdict().reason();
    }

    @Test
    void everyVectorEntry_readTwiceWithTheSet_sameVerdictsAsWithout() {
        AuthDataTrust t = trusted();
        VerifiedSignatures set = new VerifiedSignatures();
        SessionVerifier plain = new SessionVerifier(t, backupKey);
        SessionVerifier remembering = new SessionVerifier(t, backupKey, set);
        List<String> expected = new ArrayList<>();
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (Json.Obj c : cases()) expected.add(verdict(plain, c));
        for (Json.Obj c : cases()) first.add(verdict(remembering, c));
        int kept = set.size();
        for (Json.Obj c : cases()) second.add(verdict(remembering, c));
        assertEquals(expected, first);
        assertEquals(expected, second);
        assertTrue(expected.stream().anyMatch(v -> v.startsWith("authenticated")), "the vectors hold signed entries");
        assertTrue(kept > 0, "valid signatures are kept");
        assertEquals(kept, set.size(), "a second read adds nothing");
    }

    /** The signed entry of a vector case whose verdict is authenticated, as its plaintext. */
    private static Json.Obj authenticatedPlaintext() throws Exception {
        AuthDataTrust t = trusted();
        for (Json.Obj c : cases()) {
            if (verdict(new SessionVerifier(t, backupKey), c).startsWith("authenticated/")) {
                return plaintextOf(c.string("id"));
            }
        }
        throw new AssertionError("no authenticated vector case");
    }

    @Test
    void aSignatureFoundValid_doesNotVouchForOtherSignedBytesOrAnotherSignature() throws Exception {
        AuthDataTrust t = trusted();
        VerifiedSignatures set = new VerifiedSignatures();
        SessionVerifier v = new SessionVerifier(t, backupKey, set);
        Json.Obj plain = authenticatedPlaintext();
        String sessionId = vcase(cases().get(0).string("id")).string("session_id");
        String room = "!r:example.org";
        SessionVerifier.Result good = v.verify(room, sessionIdOf(plain, sessionId), encrypt(plain));
        assertEquals("authenticated", good.verdict().word(), good.verdict().detail());
        assertEquals(1, set.size());

        // The same signature over other signed bytes (the claimed sender key changed).
        Json.Obj otherBytes = plain.with("sender_key", Json.of("A" + plain.string("sender_key").substring(1)));
        SessionVerifier.Result moved = v.verify(room, sessionIdOf(plain, sessionId), encrypt(otherBytes));
        assertEquals(Reason.SIGNATURE_INVALID, moved.verdict().reason(), moved.verdict().detail());

        // The same signed bytes under another (well-formed, wrong) signature.
        Json.Obj sigs = plain.object("signatures");
        String entity = sigs.members().keySet().iterator().next();
        String keyId = sigs.object(entity).members().keySet().iterator().next();
        byte[] wrong = Base64Unpadded.decode("sig", sigs.object(entity).string(keyId));
        wrong[0] ^= 1;
        Json.Obj otherSig = plain.with("signatures", Json.obj(entity, Json.obj(keyId, Json.of(Base64Unpadded.encode(wrong)))));
        SessionVerifier.Result swapped = v.verify(room, sessionIdOf(plain, sessionId), encrypt(otherSig));
        assertEquals(Reason.SIGNATURE_INVALID, swapped.verdict().reason(), swapped.verdict().detail());
        assertEquals(1, set.size(), "an invalid signature is never kept");
    }

    /** The session id the entry must be stored under: the vector's own for the vector's plaintext. */
    private static String sessionIdOf(Json.Obj plain, String fallback) throws Exception {
        for (Json.Obj c : cases()) {
            if (plaintextOf(c.string("id")).equals(plain)) return c.string("session_id");
        }
        return fallback;
    }

    @Test
    void valid_checksAValidTripleOnce_anInvalidOneEveryTime_andKeepsAtMostItsBound() throws Exception {
        Ed25519PublicKey key = signingKey.publicKey();
        VerifiedSignatures set = new VerifiedSignatures(3);
        AtomicInteger checks = new AtomicInteger();
        byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);
        assertTrue(set.valid(key, Json.of("sig-a"), bytes, () -> checks.incrementAndGet() > 0));
        assertTrue(set.valid(key, Json.of("sig-a"), bytes, () -> checks.incrementAndGet() < 0));
        assertEquals(1, checks.get(), "found valid once: not checked again");
        assertFalse(set.valid(key, Json.of("sig-b"), bytes, () -> checks.incrementAndGet() < 0));
        assertFalse(set.valid(key, Json.of("sig-b"), bytes, () -> checks.incrementAndGet() < 0));
        assertEquals(3, checks.get(), "found invalid: checked every time");
        for (int i = 0; i < 10; i++) set.valid(key, Json.of("sig-" + i), bytes, () -> true);
        assertEquals(3, set.size(), "never more than its bound");
        checks.set(0);
        assertTrue(set.valid(key, Json.of("sig-9"), bytes, () -> checks.incrementAndGet() > 0));
        assertEquals(1, checks.get(), "past the bound a signature is checked every time");
    }
}
