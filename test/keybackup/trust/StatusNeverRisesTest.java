package keybackup.trust;

import static keybackup.trust.SignedBackupScenarioTest.USER;
import static keybackup.trust.SignedBackupScenarioTest.alice;
import static keybackup.trust.SignedBackupScenarioTest.assertVerdict;
import static keybackup.trust.SignedBackupScenarioTest.authData;
import static keybackup.trust.SignedBackupScenarioTest.encrypt;
import static keybackup.trust.SignedBackupScenarioTest.plaintextOf;
import static keybackup.trust.SignedBackupScenarioTest.signingKey;
import static keybackup.trust.SignedBackupScenarioTest.trust;
import static keybackup.trust.SignedBackupScenarioTest.trusted;
import static keybackup.trust.SignedBackupScenarioTest.trustingMaster;
import static keybackup.trust.SignedBackupScenarioTest.vcase;
import static keybackup.trust.SignedBackupScenarioTest.verify;
import static keybackup.trust.SignedBackupScenarioTest.verifyCase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.SessionData;
import keybackup.cli.CliRun;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.KeyFormatException;
import keybackup.workflow.ExportWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths by which a key's status could still go up: a restore entry handed to the signer as it is (the
 * {@code sign-session} command, {@link SessionData#fromExportEntry}), a backup trusted only on the server's
 * word re-signed as authenticated, and another user's identity standing in for the own one.
 */
class StatusNeverRisesTest {
    static final String CASE = "backup-key-1/python3-olm/0";

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        SignedBackupScenarioTest.load();
    }

    @AfterAll
    static void close() {
        SignedBackupScenarioTest.close();
    }

    private static String signedWord(Json.Obj plain, KeySource source) {
        AuthDataTrust t = trusted();
        Json.Obj signed = SessionSigner.forTrustedBackup(t.usableSigningKey().orElseThrow(), signingKey,
                FieldNames.UNSTABLE).sign(plain, source);
        return verify(t, "!r", vcase(CASE).string("session_id"), encrypt(signed)).verdict().word();
    }

    @Test
    void sign_dataCarryingALowerOrMalformedVerdict_sourceDoesNotRaiseIt() throws Exception {
        Json.Obj plain = plaintextOf(CASE);
        List<Json> lower = List.of(Json.obj("verdict", Json.of("unauthenticated"), "reason",
                Json.of("signature_missing")),
                Json.obj("verdict", Json.of("signed_not_authenticated"), "reason", Json.of("flag_false")),
                Json.obj("verdict", Json.of("Authenticated")), Json.of("authenticated"),
                        Json.obj("word", Json.of("authenticated")),
                Json.Null.INSTANCE);
        for (Json member : lower) {
            assertEquals("signed_not_authenticated", signedWord(plain.with(ExportedSession.VERDICT_MEMBER, member),
                    KeySource.OLM), member.toString());
        }
        Json.Obj recordedAuth = plain.with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("authenticated"), "reason", Json.Null.INSTANCE));
        assertEquals("authenticated", signedWord(recordedAuth, KeySource.OLM), "kept: the caller's claim, never more");
        assertEquals("signed_not_authenticated", signedWord(recordedAuth, KeySource.EXPORT));
        assertEquals("authenticated", signedWord(plain, KeySource.OLM), "no recorded verdict: the source decides");
    }

    @Test
    void fromExportEntry_restoreEntry_keepsItsVerdictForTheSigner() throws Exception {
        Json.Obj entry = plaintextOf(CASE).with("room_id", Json.of("!r:x")).with("session_id",
                Json.of(vcase(CASE).string("session_id")))
                .with(ExportedSession.VERDICT_MEMBER, Json.obj("verdict", Json.of("unauthenticated"), "reason",
                Json.of("backup_not_trusted")));
        SessionData data = SessionData.fromExportEntry(entry);
        assertEquals("signed_not_authenticated", signedWord(data.json(), KeySource.OLM));
        assertThrows(KeyFormatException.class,
                () -> SessionData.fromExportEntry(entry.with(ExportedSession.VERDICT_MEMBER, Json.of(1))));
    }

    @Test
    void signSessionCommand_restoreEntryOnStdin_sourceOlmDoesNotRaiseIt() throws Exception {
        byte[] seed = signingKey.exportSeed();
        Path keyFile = Files.writeString(dir.resolve("signing.key"), Base64Unpadded.encode(seed) + "\n");
        Arrays.fill(seed, (byte) 0);
        Json.Obj entry = plaintextOf(CASE).without("signatures").with("room_id", Json.of("!r:x"))
                .with("session_id", Json.of(vcase(CASE).string("session_id")))
                .with(ExportedSession.VERDICT_MEMBER, Json.obj("verdict", Json.of("unauthenticated"), "reason",
                Json.of("signature_missing")));
        CliRun.Result r = CliRun.run(CanonicalJson.encode(entry), "sign-session", "--user", USER, "--signing-key-file",
                keyFile.toString(), "--source", "olm");
        assertEquals(0, r.code(), r.err());
        Json.Obj out = (Json.Obj) JsonReader.parse(r.out());
        assertEquals(Json.of(false), out.get("org.matrix.mscxxxx.authenticated"), out.toString());
        assertFalse(out.has(ExportedSession.VERDICT_MEMBER));
    }

    /** AuthData signed only by DEVICEB, which is not cross-signed: trusted only if the user names it. */
    private static Json.Obj signedByDeviceB() {
        return SignedJson.sign(authData(FieldNames.UNSTABLE), USER, "ed25519:DEVICEB", alice.deviceKey("DEVICEB"));
    }

    @Test
    void fromRestore_backupTrustedOnlyAsPublished_isNotReSignedAsAuthenticated() {
        AuthDataTrust weak = trust(signedByDeviceB(), new TrustAnchors(USER,
                List.of(new TrustAnchors.DeviceAsPublished("DEVICEB"))));
        assertInstanceOf(AuthDataTrust.Usable.class, weak);
        SessionVerifier.Result r = verifyCase(weak, CASE);
        assertVerdict(r, "authenticated", null); // the audit says so, with the device_as_published label
        assertFalse(KeySource.fromRestore(r.verdict()).authenticated(),
                "the server's word must not become a full signature");

        AuthDataTrust pinned = trust(signedByDeviceB(), new TrustAnchors(USER,
                List.of(new TrustAnchors.PinnedDevice("DEVICEB", alice.deviceKey("DEVICEB").publicKey()))));
        assertTrue(KeySource.fromRestore(verifyCase(pinned, CASE).verdict()).authenticated());
        Json.Obj both = SignedJson.sign(signedByDeviceB(), USER, "ed25519:" + alice.master().publicKey().toBase64(),
                alice.master());
        AuthDataTrust strongAndWeak = trust(both, new TrustAnchors(USER,
                List.of(new TrustAnchors.DeviceAsPublished("DEVICEB"),
                new TrustAnchors.PinnedMasterKey(alice.master().publicKey()))));
        assertTrue(KeySource.fromRestore(verifyCase(strongAndWeak, CASE).verdict()).authenticated());
    }

    /** The restore's output entry for {@code r}, read back as an upload would read it. */
    private static ExportedSession writtenAndReadBack(SessionVerifier.Result r) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ExportWriter w = new ExportWriter(bytes)) {
            assertTrue(w.write(r));
        }
        Json.Arr arr = (Json.Arr) JsonReader.parse(bytes.toByteArray());
        return ExportedSession.from((Json.Obj) arr.elements().get(0));
    }

    @Test
    void restoreFile_backupTrustedOnlyAsPublished_isNotKeptAuthenticatedOnReUpload() throws Exception {
        AuthDataTrust weak = trust(signedByDeviceB(), new TrustAnchors(USER,
                List.of(new TrustAnchors.DeviceAsPublished("DEVICEB"))));
        ExportedSession e = writtenAndReadBack(verifyCase(weak, CASE));
        assertEquals("authenticated (key not compared)", e.recordedVerdict());
        assertFalse(KeySource.OLM.forEntry(e).authenticated(), "the server's word must not come back as a full claim");
        assertEquals("signed_not_authenticated", signedWord(SessionData.fromExportEntry(e.toExportJson()).json(),
                KeySource.OLM));

        AuthDataTrust pinned = trust(signedByDeviceB(), new TrustAnchors(USER,
                List.of(new TrustAnchors.PinnedDevice("DEVICEB", alice.deviceKey("DEVICEB").publicKey()))));
        ExportedSession strong = writtenAndReadBack(verifyCase(pinned, CASE));
        assertEquals("authenticated", strong.recordedVerdict());
        assertTrue(KeySource.OLM.forEntry(strong).authenticated());
        Json.Obj recorded = plaintextOf(CASE).with(ExportedSession.VERDICT_MEMBER,
                Json.obj("verdict", Json.of("authenticated"), ExportedSession.KEY_COMPARED, Json.of(false)));
        assertEquals("signed_not_authenticated", signedWord(recorded, KeySource.OLM),
                "the signer reads the member the same way");
    }

    @Test
    void resolve_anotherUsersIdentity_isRefused() {
        // Bob's /keys/query answer carrying Alice's keys under Bob's name: never read as Alice's identity.
        Json.Obj aliceKeys = alice.keysQueryResponse();
        String bob = "@bob:example.org";
        Json.Obj asBob = Json.obj();
        for (Map.Entry<String, Json> section : aliceKeys.members().entrySet()) {
            asBob = asBob.with(section.getKey(), section.getValue() instanceof Json.Obj o && o.has(USER)
                    ? Json.obj(bob, o.get(USER)) : section.getValue());
        }
        OwnIdentity bobs = OwnIdentity.fromKeysQuery(bob, asBob);
        Json.Obj version =
                SignedBackupScenarioTest.version(SignedBackupScenarioTest.masterSigned(authData(FieldNames.UNSTABLE)));
        assertThrows(IllegalArgumentException.class, () -> TrustResolver.resolve(version, bobs, trustingMaster()));
        assertThrows(IllegalArgumentException.class, () -> TrustResolver.trustedMasterKey(bobs, trustingMaster()));
    }

    @Test
    void restore_trustedOnlyAsPublished_saysSoInItsSummary() throws Exception {
        String store = dir.resolve("store").toString();
        String rk = dir.resolve("rk.txt").toString();
        String dk = dir.resolve("dk.txt").toString();
        List<String> opts = List.of("--user", USER, "--store", store, "--recovery-key-file", rk);
        assertEquals(0, CliRun.run("", "setup", "--user", USER, "--store", store, "--recovery-key-out", rk,
                "--device-id", "PHONE",
                "--device-key-out", dk).code());
        assertEquals(0, CliRun.run("", cmd("enable", opts, "--device-id", "PHONE", "--device-key-file", dk)).code());
        // A pinned master key the server does not publish: no master key is trusted, so only the bare PHONE vouches.
        String otherMaster = Base64Unpadded.encode(new byte[32]);
        CliRun.Result r = CliRun.run("", cmd("restore", opts, "--trusted-master-key", otherMaster, "--verified-device",
                "PHONE",
                "--out", dir.resolve("restored.json").toString()));
        assertEquals(0, r.code(), r.err());
        String summary = r.outText().lines().findFirst().orElseThrow();
        assertTrue(summary.contains("device_as_published"), summary);
    }

    private static String[] cmd(String name, List<String> opts, String... more) {
        List<String> all = new ArrayList<>();
        all.add(name);
        all.addAll(opts);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
