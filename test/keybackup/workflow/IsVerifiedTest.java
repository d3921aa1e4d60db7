package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.SMALL_BATCHES;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.homeserver.SynapseReplacement;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.localstore.ReplacementRule;
import keybackup.trust.KeySource;
import keybackup.workflow.WorkflowFixture.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code is_verified} is the spec's "the uploading device verified the device the key came from": keybackup
 * writes {@code true} only where the library caller says so, because servers rank it first and a wrong
 * {@code true} lets a copy from a later index replace another client's copy from an earlier one.
 */
@Timeout(60)
class IsVerifiedTest {
    private static final String ROOM = "!room0:example.org";

    @TempDir
    Path dir;
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    private List<Json> storedFlags(String version) throws Exception {
        List<Json> flags = new ArrayList<>();
        f.store.streamKeys(version, (room, session, data) -> flags.add(data.get("is_verified")));
        return flags;
    }

    @Test
    void upload_defaultAndExplicitNotVerified_isVerifiedFalseEvenForAuthenticatedSource() throws Exception {
        f = WorkflowFixture.open(Backend.LOCAL, dir);
        String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();

        Upload.run(f.account(), WorkflowFixture.sessions(1, 2, 1),
                Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES));
        Upload.run(f.account(), WorkflowFixture.sessions(1, 2, 2),
                Upload.Options.of(KeySource.OWN).withThreads(1).with(SMALL_BATCHES));

        assertEquals(List.of(Json.of(false), Json.of(false), Json.of(false), Json.of(false)), storedFlags(version));
        assertEquals(4, WorkflowFixture.countOf(f.verdicts(version), "authenticated"), "the authenticated flag is unchanged");
    }

    @Test
    void upload_callerStatesVerifiedSender_isVerifiedTrue() throws Exception {
        f = WorkflowFixture.open(Backend.LOCAL, dir);
        String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();

        Upload.run(f.account(), WorkflowFixture.sessions(1, 2, 1),
                Upload.Options.of(KeySource.UNTRUSTED_FORWARD).with(Uploader.SendingDevice.VERIFIED_BY_THIS_DEVICE)
                        .withThreads(1).with(SMALL_BATCHES));

        assertEquals(List.of(Json.of(true), Json.of(true)), storedFlags(version));
        assertEquals(2, WorkflowFixture.countOf(f.verdicts(version), "signed_not_authenticated flag_false"),
                "is_verified does not raise the authenticated flag either");
    }

    @Test
    void uploader_addWithoutSendingDevice_isVerifiedFalse() throws Exception {
        f = WorkflowFixture.open(Backend.LOCAL, dir);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        List<ExportedSession> s = WorkflowFixture.sessions(1, 2, 3);
        try (Uploader up = new Uploader(f.store, enabled.version(), enabled.backupKey(), null, FieldNames.UNSTABLE, 1, Uploader.Limits.DEFAULT)) {
            up.add(s.get(0).roomId(), s.get(0).data(), KeySource.OLM);
            up.add(s.get(1).roomId(), s.get(1).data(), KeySource.OLM, Uploader.SendingDevice.VERIFIED_BY_THIS_DEVICE);
            up.finish();
        }
        assertEquals(Json.of(false), f.getSessionKey(enabled.version(), ROOM, s.get(0).sessionId()).orElseThrow().get("is_verified"));
        assertEquals(Json.of(true), f.getSessionKey(enabled.version(), ROOM, s.get(1).sessionId()).orElseThrow().get("is_verified"));
    }

    /**
     * Another client (Element) holds a copy of a session from index 0; keybackup uploads the same session
     * from index 5. Whichever arrives first, the server must keep the copy from index 0, under the spec's
     * rule (the main code's, in the local store and the test homeserver) and under Synapse's (written
     * separately for the tests), whether or not Element marked its copy verified.
     */
    @ParameterizedTest(name = "{0} {1}, element first: {2}, element is_verified: {3}")
    @CsvSource({
            "LOCAL, spec, true, false", "LOCAL, spec, false, false", "LOCAL, spec, true, true", "LOCAL, spec, false, true",
            "HOMESERVER, spec, true, false", "HOMESERVER, spec, false, false", "HOMESERVER, spec, true, true", "HOMESERVER, spec, false, true",
            "HOMESERVER, synapse, true, false", "HOMESERVER, synapse, false, false", "HOMESERVER, synapse, true, true",
            "HOMESERVER, synapse, false, true"})
    void upload_laterIndexCopy_otherClientsLowerIndexCopySurvives(Backend backend, String rule, boolean elementFirst, boolean elementVerified)
            throws Exception {
        f = WorkflowFixture.open(backend, dir, ReplacementRule.SPEC);
        if (rule.equals("synapse")) f.server.setRule(SynapseReplacement.RULE);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        SessionData fromZero = WorkflowFixture.sessions(1, 1, 9).get(0).data();
        SessionData fromFive = atIndex(fromZero, 5);
        // Element's copy, as matrix-rust-sdk writes it: received directly (forwarded_count 0).
        Json.Obj elementCopy = Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(elementVerified),
                "session_data", MegolmBackupV1.encrypt(CanonicalJson.encode(fromZero.json()), enabled.backupKey()));
        List<ExportedSession> keybackupCopy = List.of(new ExportedSession(ROOM, fromFive.sessionId(), fromFive));

        if (elementFirst) f.putSessionKey(enabled.version(), ROOM, fromZero.sessionId(), elementCopy);
        Upload.run(f.account(), keybackupCopy, Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES));
        if (!elementFirst) f.putSessionKey(enabled.version(), ROOM, fromZero.sessionId(), elementCopy);

        Json.Obj kept = f.getSessionKey(enabled.version(), ROOM, fromZero.sessionId()).orElseThrow();
        assertEquals(Json.of(0), kept.get("first_message_index"), "the copy that decrypts from message 0 was replaced");
        assertEquals(fromZero.sessionKey(), f.storedKeys(enabled.version()).get(ROOM + "|" + fromZero.sessionId()));
    }

    /** The same session (same Kpub) exported from a later ratchet index. */
    private static SessionData atIndex(SessionData s, int index) throws Exception {
        byte[] export = Base64Unpadded.decode("session_key", s.sessionKey(), 165);
        export[1] = (byte) (index >>> 24);
        export[2] = (byte) (index >>> 16);
        export[3] = (byte) (index >>> 8);
        export[4] = (byte) index;
        return SessionData.from(s.json().with("session_key", Json.of(Base64Unpadded.encode(export))));
    }
}
