package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;

/** The per-entry source of a file entry: the lower of the caller's source and the entry's recorded verdict. */
class KeySourceTest {
    private static final List<String> RECORDED = Arrays.asList(null, "authenticated", "signed_not_authenticated",
            "unauthenticated",
            "rejected", "Authenticated", "authenticated ", "", "trusted");

    private static List<KeySource> allSources() {
        List<KeySource> all = new ArrayList<>(KeySource.NAMEABLE);
        all.add(KeySource.fromRestore(null)); // not Authenticated: backup-unauthenticated
        return all;
    }

    @Test
    void limitedBy_everySourceAndRecordedWord_neverAboveEitherSide() {
        List<String> failures = new ArrayList<>();
        for (KeySource source : allSources()) {
            for (String word : RECORDED) {
                boolean expected = source.authenticated() && (word == null || word.equals("authenticated"));
                KeySource entry = source.limitedBy(word);
                if (entry.authenticated() != expected) {
                    failures.add(source + " limited by " + word + " gave " + entry.authenticated());
                }
                if (entry.authenticated() && !source.authenticated()) failures.add(source + " was raised by " + word);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void limitedBy_keptOrNoVerdict_isTheCallersSourceItself() {
        assertSame(KeySource.OLM, KeySource.OLM.limitedBy(null));
        assertSame(KeySource.OLM, KeySource.OLM.limitedBy("authenticated"));
        assertSame(KeySource.EXPORT, KeySource.EXPORT.limitedBy("authenticated"), "a file's word never raises");
        KeySource lowered = KeySource.TRUSTED_FORWARD.limitedBy("unauthenticated");
        assertFalse(lowered.authenticated());
        assertNull(KeySource.byName(lowered.name()), "the lowered source cannot be named by a caller");
    }

    @Test
    void forEntry_readsTheRecordedVerdictOfTheEntry() throws Exception {
        ExportedSession plain = WorkflowFixture.sessions(1, 1, 1).get(0);
        Json.Obj file = plain.toExportJson();
        ExportedSession recordedAuth = ExportedSession.from(file.with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("authenticated"))));
        ExportedSession recordedUnauth = ExportedSession.from(file.with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("unauthenticated"), "reason", Json.of("signature_missing"))));

        assertTrue(KeySource.OLM.forEntry(plain).authenticated());
        assertTrue(KeySource.OLM.forEntry(recordedAuth).authenticated());
        assertFalse(KeySource.OLM.forEntry(recordedUnauth).authenticated());
        assertFalse(KeySource.EXPORT.forEntry(recordedAuth).authenticated());
        // A library caller's own object cannot raise either.
        assertFalse(KeySource.UNTRUSTED_FORWARD.forEntry(new ExportedSession(plain.roomId(), plain.sessionId(),
                plain.data(), "authenticated"))
                .authenticated());
    }

    @Test
    void sign_callerObjectWithClaims_onlyTheSourceDecidesAndNothingOutsideTheSignatureIsKept() throws Exception {
        ExportedSession e = WorkflowFixture.sessions(1, 1, 2).get(0);
        try (Ed25519PrivateKey other = Ed25519PrivateKey.fromSeed(new byte[32]);
             Ed25519PrivateKey signing = Ed25519PrivateKey.fromSeed(filled((byte) 7))) {
            Json.Obj claims = SignedJson.sign(e.data().json()
                    .with("org.matrix.mscxxxx.authenticated", Json.of(true))
                    .with("authenticated", Json.of(true))
                    .with("unsigned", Json.obj("is_verified", Json.of(true)))
                    .with(ExportedSession.VERDICT_MEMBER, Json.obj("verdict", Json.of("authenticated"))),
                    WorkflowFixture.USER, "ed25519:" + other.publicKey().toBase64(), other);

            Json.Obj signed = SessionSigner.unchecked(WorkflowFixture.USER, signing, FieldNames.UNSTABLE).sign(claims,
                    KeySource.EXPORT);

            assertEquals(Json.of(false), signed.get("org.matrix.mscxxxx.authenticated"));
            assertFalse(signed.has("authenticated") || signed.has("unsigned")
                    || signed.has(ExportedSession.VERDICT_MEMBER), signed.members().keySet().toString());
            assertEquals(1, signed.object("signatures").object(WorkflowFixture.USER).members().size(),
                    "only our signature");
        }
    }

    private static byte[] filled(byte b) {
        byte[] a = new byte[32];
        Arrays.fill(a, b);
        return a;
    }
}
