package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;

/**
 * One rule for what a written SessionData says about trust ({@link SessionSigner#withoutClaims}): the
 * signed write, the unsigned write and a restore's output all start from the object without its
 * signatures, its {@code unsigned} member, a recorded verdict and every spelling of the flag.
 */
class SessionSignerClaimsTest {
    /** A SessionData carrying every claim a file or a server could put on it. */
    private static Json.Obj claiming() throws Exception {
        Json.Obj o = WorkflowFixture.sessions(1, 1, 11).get(0).data().json()
                .with("signatures", Json.obj("@mallory:example.org", Json.obj("ed25519:X", Json.of("sig"))))
                .with("unsigned", Json.obj("note", Json.of("trust me")))
                .with(ExportedSession.VERDICT_MEMBER, Json.obj("verdict", Json.of("authenticated"), "reason",
                        Json.Null.INSTANCE));
        for (String spelling : FieldNames.spellings(FieldNames.AUTHENTICATED)) o = o.with(spelling, Json.of(true));
        return o;
    }

    @Test
    void withoutClaims_removesSignaturesUnsignedVerdictAndEverySpelling_keepsTheRest() throws Exception {
        Json.Obj o = claiming();
        Json.Obj stripped = SessionSigner.withoutClaims(o);
        List<String> gone = new java.util.ArrayList<>(List.of("signatures", "unsigned",
                ExportedSession.VERDICT_MEMBER));
        gone.addAll(FieldNames.spellings(FieldNames.AUTHENTICATED));
        assertEquals(List.of("authenticated", "org.matrix.mscxxxx.authenticated", "org.matrix.msc4048.authenticated"),
                FieldNames.spellings(FieldNames.AUTHENTICATED), "the spellings read");
        for (String member : gone) assertFalse(stripped.has(member), member);
        for (String member : o.members().keySet()) {
            if (!gone.contains(member)) assertEquals(o.get(member), stripped.get(member), member);
        }
        assertEquals(o.members().size() - gone.size(), stripped.members().size());
    }

    @Test
    void unsignedEntry_isTheObjectWithoutClaims_andTheFlagFalse_inTheWrittenSpelling() throws Exception {
        for (FieldNames names : List.of(FieldNames.UNSTABLE, FieldNames.STABLE)) {
            Json.Obj written = SessionSigner.unsignedEntry(claiming(), names);
            assertEquals(SessionSigner.withoutClaims(claiming()).with(names.authenticated(), Json.of(false)), written);
        }
    }

    @Test
    void sign_signsExactlyTheObjectWithoutClaims_withTheSourcesFlag_loweredByTheVerdict() throws Exception {
        try (Ed25519PrivateKey key = Ed25519PrivateKey.generate()) {
            Json.Obj signed = SessionSigner.unchecked(WorkflowFixture.USER, key, FieldNames.STABLE).sign(claiming(),
                    KeySource.OLM);
            // the recorded verdict says authenticated, and OLM gives true: true, the one spelling written
            Json.Obj expected = SessionSigner.withoutClaims(claiming()).with(FieldNames.STABLE.authenticated(),
                    Json.of(true));
            assertEquals(expected, signed.without("signatures"));
            assertEquals(List.of(WorkflowFixture.USER), List.copyOf(signed.object("signatures").members().keySet()));
        }
    }
}
