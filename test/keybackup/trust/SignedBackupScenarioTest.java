package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import keybackup.workflow.NewIdentity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verdict contract (protocol.md §10.7) over backups built from the vector keys of
 * test/vectors/backup/backup-encryption.json: backup key "backup-key-1", the backup signing key
 * (seed m0W0IF1x…) and SessionData signed by python signedjson for @alice:example.org. The AuthData is
 * signed by a master key made here; the expected verdicts are the contract's, never this code's output.
 */
class SignedBackupScenarioTest {
    static final String USER = "@alice:example.org";
    static Json.Obj vectors;
    static BackupDecryptionKey backupKey;
    static Ed25519PrivateKey signingKey;
    static NewIdentity alice;

    @BeforeAll
    static void load() throws Exception {
        vectors = (Json.Obj) JsonReader.parse(Files.readAllBytes(Path.of("test/vectors/backup/backup-encryption.json")));
        Json.Obj k = (Json.Obj) ((Json.Arr) vectors.get("keys")).elements().get(0);
        assertEquals("backup-key-1", k.string("name"));
        backupKey = BackupDecryptionKey.parse("private_key", k.string("private_key"));
        signingKey = Ed25519PrivateKey.parseSeed("seed", vectors.object("backup_signing_key").string("seed"));
        alice = new NewIdentity(USER);
        alice.addDevice("DEVICEA", true);
        alice.addDevice("DEVICEB", false);
    }

    @AfterAll
    static void close() {
        backupKey.close();
        signingKey.close();
        alice.close();
    }

    /** A vector case by id. */
    static Json.Obj vcase(String id) {
        for (Json c : ((Json.Arr) vectors.get("cases")).elements()) {
            if (id.equals(((Json.Obj) c).string("id"))) return (Json.Obj) c;
        }
        throw new AssertionError("no case " + id);
    }

    static Json.Obj authData(FieldNames names) {
        return Json.obj("public_key", Json.of(backupKey.publicKey().toBase64()),
                names.signingPublicKey(), Json.of(signingKey.publicKey().toBase64()));
    }

    static Json.Obj version(Json.Obj authData) {
        return Json.obj("algorithm", Json.of(MegolmBackupV1.ALGORITHM), "auth_data", authData, "version", Json.of("1"));
    }

    static Json.Obj masterSigned(Json.Obj authData) {
        return SignedJson.sign(authData, USER, "ed25519:" + alice.master().publicKey().toBase64(), alice.master());
    }

    static TrustAnchors trustingMaster() {
        return TrustAnchors.withoutDevice(USER, alice.master().publicKey(), Map.of());
    }

    static AuthDataTrust trust(Json.Obj authData, TrustAnchors anchors) {
        return TrustResolver.resolve(version(authData), OwnIdentity.fromKeysQuery(USER, alice.keysQueryResponse()), anchors);
    }

    static AuthDataTrust trusted() {
        return trust(masterSigned(authData(FieldNames.UNSTABLE)), trustingMaster());
    }

    static SessionVerifier.Result verify(AuthDataTrust t, String roomId, String sessionId, Json.Obj kbd) {
        return new SessionVerifier(t, backupKey).verify(roomId, sessionId, kbd);
    }

    /** The vector's own encrypted KeyBackupData, verified where it was stored. */
    static SessionVerifier.Result verifyCase(AuthDataTrust t, String id) {
        Json.Obj c = vcase(id);
        return verify(t, c.string("room_id"), c.string("session_id"), c.object("key_backup_data"));
    }

    /** Encrypts a plaintext object to backup-key-1 as anyone knowing the public key could. */
    static Json.Obj encrypt(Json.Obj plaintext) {
        Curve25519PublicKey pub = backupKey.publicKey();
        return Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0), "is_verified", Json.of(false),
                "session_data", MegolmBackupV1.encrypt(CanonicalJson.encode(plaintext), pub));
    }

    static Json.Obj plaintextOf(String id) throws Exception {
        return (Json.Obj) JsonReader.parse(vcase(id).string("plaintext"));
    }

    static void assertVerdict(SessionVerifier.Result r, String word, Reason reason) {
        assertEquals(word, r.verdict().word(), r.verdict().detail());
        assertEquals(reason, r.verdict().reason(), r.verdict().detail());
    }

    @Test
    void vectorEntries_trustedBackup_verdictsFollowTheirFlags() {
        AuthDataTrust t = trusted();
        List<String> failures = new ArrayList<>();
        for (Json c : ((Json.Arr) vectors.get("cases")).elements()) {
            Json.Obj cs = (Json.Obj) c;
            if (!"backup-key-1".equals(cs.string("key"))) continue;
            String kind = cs.string("session_data_kind");
            String expected = kind.startsWith("legacy") ? "unauthenticated" : kind.contains("authenticated=true") ? "authenticated" : "signed_not_authenticated";
            SessionVerifier.Result r = verifyCase(t, cs.string("id"));
            if (!expected.equals(r.verdict().word())) failures.add(cs.string("id") + ": " + r.verdict().word() + " " + r.verdict().detail());
            if (kind.startsWith("legacy") && r.verdict().reason() != Reason.SIGNATURE_MISSING) failures.add(cs.string("id") + ": reason " + r.verdict().reason());
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void authenticatedEntry_untrustedAuthData_backupNotTrusted() {
        AuthDataTrust t = trust(masterSigned(authData(FieldNames.UNSTABLE)), TrustAnchors.withoutDevice(USER, null, Map.of()));
        SessionVerifier.Result r = verifyCase(t, "backup-key-1/python3-olm/0");
        assertVerdict(r, "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
        assertTrue(r.claimedAuthenticated()); // the plaintext claims it; nothing vouches for the claim
    }

    @Test
    void vectorIllustrativeAuthData_signedByBackupSigningKeyOnly_notTrusted() {
        Json.Obj k = (Json.Obj) ((Json.Arr) vectors.get("keys")).elements().get(0);
        AuthDataTrust t = trust(k.object("auth_data"), trustingMaster());
        assertEquals(AuthDataTrust.SignatureStatus.UNKNOWN_KEY, t.signatures().get(0).status());
        assertVerdict(verifyCase(t, "backup-key-1/python3-olm/0"), "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
    }

    @Test
    void authDataWithoutSigningKey_noSigningKey() {
        Json.Obj ad = masterSigned(Json.obj("public_key", Json.of(backupKey.publicKey().toBase64())));
        assertVerdict(verifyCase(trust(ad, trustingMaster()), "backup-key-1/python3-olm/0"), "unauthenticated", Reason.NO_SIGNING_KEY);
    }

    @Test
    void attackerKnowingOnlyThePublicKey_unsignedClaim_signatureMissingAndFlagged() throws Exception {
        AuthDataTrust t = trusted();
        Json.Obj forged = plaintextOf("backup-key-1/python3-olm/0").without("signatures");
        String sessionId = vcase("backup-key-1/python3-olm/0").string("session_id");
        SessionVerifier.Result r = verify(t, "!roomA:example.org", sessionId, encrypt(forged));
        assertVerdict(r, "unauthenticated", Reason.SIGNATURE_MISSING);
        assertTrue(r.claimedAuthenticated());
        BackupAudit audit = new BackupAudit(USER, t);
        audit.add(r);
        assertEquals(1, audit.unsignedInSignedBackup());
    }

    @Test
    void attackerSignsWithOwnKeyUnderTheTrustedKeyId_signatureInvalid() throws Exception {
        try (Ed25519PrivateKey attacker = Ed25519PrivateKey.generate()) {
            Json.Obj plain = plaintextOf("backup-key-1/python3-olm/0").without("signatures");
            Json.Obj forged = SignedJson.sign(plain, USER, "ed25519:" + signingKey.publicKey().toBase64(), attacker);
            SessionVerifier.Result r = verify(trusted(), "!roomA:example.org", vcase("backup-key-1/python3-olm/0").string("session_id"), encrypt(forged));
            assertVerdict(r, "unauthenticated", Reason.SIGNATURE_INVALID);
        }
    }

    @Test
    void signatureUnderKeyIdNamingAnotherKey_signatureMissing() throws Exception {
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            Json.Obj plain = plaintextOf("backup-key-1/python3-olm/0").without("signatures");
            Json.Obj signed = SignedJson.sign(plain, USER, "ed25519:" + other.publicKey().toBase64(), other);
            SessionVerifier.Result r = verify(trusted(), "!roomA:example.org", vcase("backup-key-1/python3-olm/0").string("session_id"), encrypt(signed));
            assertVerdict(r, "unauthenticated", Reason.SIGNATURE_MISSING);
        }
    }

    @Test
    void signatureUnderAnotherEntityWithTheRightKeyId_isFound() throws Exception {
        Json.Obj plain = plaintextOf("backup-key-1/python3-olm/0").without("signatures");
        Json.Obj signed = SignedJson.sign(plain, "@someone:else", "ed25519:" + signingKey.publicKey().toBase64(), signingKey);
        SessionVerifier.Result r = verify(trusted(), "!r", vcase("backup-key-1/python3-olm/0").string("session_id"), encrypt(signed));
        assertVerdict(r, "authenticated", null);
    }

    @Test
    void signedEntryMovedUnderAnotherSessionId_sessionIdMismatch() {
        Json.Obj c = vcase("backup-key-1/python3-olm/0");
        String otherId = vcase("backup-key-1/python3-olm/1").string("session_id");
        SessionVerifier.Result r = verify(trusted(), c.string("room_id"), otherId, c.object("key_backup_data"));
        assertVerdict(r, "rejected", Reason.SESSION_ID_MISMATCH);
        assertNull(r.sessionData());
    }

    @Test
    void signedEntryWithMacRemoved_forgivenByTheSignature() {
        Json.Obj c = vcase("backup-key-1/python3-olm/0");
        Json.Obj kbd = c.object("key_backup_data");
        Json.Obj noMac = kbd.with("session_data", kbd.object("session_data").without("mac"));
        assertVerdict(verify(trusted(), c.string("room_id"), c.string("session_id"), noMac), "authenticated", null);
        Json.Obj wrongMac = kbd.with("session_data", kbd.object("session_data").with("mac", Json.of("AAAAAAAAAAA")));
        assertVerdict(verify(trusted(), c.string("room_id"), c.string("session_id"), wrongMac), "authenticated", null);
    }

    @Test
    void macRemoved_unsignedEntryOrUntrustedBackup_rejected() {
        Json.Obj c = vcase("backup-key-1/matrix-sdk-crypto-wasm/0"); // legacy, unsigned
        Json.Obj kbd = c.object("key_backup_data");
        Json.Obj noMac = kbd.with("session_data", kbd.object("session_data").without("mac"));
        assertVerdict(verify(trusted(), c.string("room_id"), c.string("session_id"), noMac), "rejected", Reason.DECRYPTION_FAILED);
        Json.Obj signedCase = vcase("backup-key-1/python3-olm/0");
        Json.Obj kbd2 = signedCase.object("key_backup_data");
        Json.Obj noMac2 = kbd2.with("session_data", kbd2.object("session_data").without("mac"));
        AuthDataTrust untrusted = trust(masterSigned(authData(FieldNames.UNSTABLE)), TrustAnchors.withoutDevice(USER, null, Map.of()));
        assertVerdict(verify(untrusted, signedCase.string("room_id"), signedCase.string("session_id"), noMac2), "rejected", Reason.DECRYPTION_FAILED);
    }

    @Test
    void tamperedCiphertext_rejectedNotCrash() {
        Json.Obj c = vcase("backup-key-1/python3-olm/0");
        Json.Obj kbd = c.object("key_backup_data");
        String ct = kbd.object("session_data").string("ciphertext");
        char flipped = ct.charAt(ct.length() - 5) == 'A' ? 'B' : 'A';
        String bad = ct.substring(0, ct.length() - 5) + flipped + ct.substring(ct.length() - 4);
        Json.Obj tampered = kbd.with("session_data", kbd.object("session_data").with("ciphertext", Json.of(bad)));
        assertVerdict(verify(trusted(), c.string("room_id"), c.string("session_id"), tampered), "rejected", Reason.DECRYPTION_FAILED);
        assertVerdict(verify(trusted(), "!r", "s", Json.obj("session_data", Json.of(5))), "rejected", Reason.DECRYPTION_FAILED);
    }

    @Test
    void flagAsString_flagFalse_flagAbsent_signedNotAuthenticated() throws Exception {
        Json.Obj base = plaintextOf("backup-key-1/python3-olm/0").without("signatures").without("org.matrix.mscxxxx.authenticated");
        String sid = vcase("backup-key-1/python3-olm/0").string("session_id");
        String keyId = "ed25519:" + signingKey.publicKey().toBase64();
        for (Json.Obj plain : List.of(base.with("org.matrix.mscxxxx.authenticated", Json.of("true")),
                base.with("authenticated", Json.of(false)), base, base.with("authenticated", Json.of(1)))) {
            SessionVerifier.Result r = verify(trusted(), "!r", sid, encrypt(SignedJson.sign(plain, USER, keyId, signingKey)));
            assertVerdict(r, "signed_not_authenticated", Reason.FLAG_FALSE);
            assertFalse(r.claimedAuthenticated());
        }
    }

    @Test
    void flagSpellingsDisagree_flagConflict_agree_authenticated() throws Exception {
        Json.Obj base = plaintextOf("backup-key-1/python3-olm/0").without("signatures");
        String sid = vcase("backup-key-1/python3-olm/0").string("session_id");
        String keyId = "ed25519:" + signingKey.publicKey().toBase64();
        Json.Obj conflict = base.with("authenticated", Json.of(false));
        assertVerdict(verify(trusted(), "!r", sid, encrypt(SignedJson.sign(conflict, USER, keyId, signingKey))), "signed_not_authenticated", Reason.FLAG_CONFLICT);
        Json.Obj agree = base.with("authenticated", Json.of(true)).with("org.matrix.msc4048.authenticated", Json.of(true));
        assertVerdict(verify(trusted(), "!r", sid, encrypt(SignedJson.sign(agree, USER, keyId, signingKey))), "authenticated", null);
    }

    @Test
    void flagFlippedAfterSigning_signatureInvalid() throws Exception {
        Json.Obj signed = plaintextOf("backup-key-1/python3-olm/1"); // signed with authenticated=false
        Json.Obj flipped = signed.with("org.matrix.mscxxxx.authenticated", Json.of(true));
        SessionVerifier.Result r = verify(trusted(), "!r", vcase("backup-key-1/python3-olm/1").string("session_id"), encrypt(flipped));
        assertVerdict(r, "unauthenticated", Reason.SIGNATURE_INVALID);
    }

    @Test
    void authDataSignedOnlyByUnverifiedDevice_backupNotTrusted() {
        Json.Obj ad = SignedJson.sign(authData(FieldNames.UNSTABLE), USER, "ed25519:DEVICEB", alice.deviceKey("DEVICEB"));
        assertVerdict(verifyCase(trust(ad, trustingMaster()), "backup-key-1/python3-olm/0"), "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
        // The cross-signed device counts once the master key is trusted.
        Json.Obj adA = SignedJson.sign(authData(FieldNames.UNSTABLE), USER, "ed25519:DEVICEA", alice.deviceKey("DEVICEA"));
        assertVerdict(verifyCase(trust(adA, trustingMaster()), "backup-key-1/python3-olm/0"), "authenticated", null);
        assertVerdict(verifyCase(trust(adA, TrustAnchors.withoutDevice(USER, null, Map.of())), "backup-key-1/python3-olm/0"),
                "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
    }

    @Test
    void authDataSignedByAnotherUser_backupNotTrusted() {
        try (NewIdentity mallory = new NewIdentity("@mallory:example.org")) {
            Json.Obj ad = SignedJson.sign(authData(FieldNames.UNSTABLE), "@mallory:example.org",
                    "ed25519:" + mallory.master().publicKey().toBase64(), mallory.master());
            assertVerdict(verifyCase(trust(ad, trustingMaster()), "backup-key-1/python3-olm/0"), "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
        }
    }

    @Test
    void authDataSignedByUntrustedMaster_backupNotTrusted() {
        Ed25519PublicKey someoneElse = alice.selfSigning().publicKey();
        AuthDataTrust t = trust(masterSigned(authData(FieldNames.UNSTABLE)), TrustAnchors.withoutDevice(USER, someoneElse, Map.of()));
        assertVerdict(verifyCase(t, "backup-key-1/python3-olm/0"), "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
    }

    @Test
    void signingKeySwappedInUnsignedAuthData_backupNotTrusted() {
        try (Ed25519PrivateKey attacker = Ed25519PrivateKey.generate()) {
            Json.Obj ad = Json.obj("public_key", Json.of(backupKey.publicKey().toBase64()),
                    "org.matrix.mscxxxx.signing_public_key", Json.of(attacker.publicKey().toBase64()));
            AuthDataTrust t = trust(ad, trustingMaster());
            assertVerdict(verifyCase(t, "backup-key-1/python3-olm/0"), "unauthenticated", Reason.BACKUP_NOT_TRUSTED);
        }
    }

    @Test
    void stableAndUnstableSigningKeysConflict_noSigningKey() {
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            Json.Obj ad = masterSigned(authData(FieldNames.UNSTABLE).with("signing_public_key", Json.of(other.publicKey().toBase64())));
            assertVerdict(verifyCase(trust(ad, trustingMaster()), "backup-key-1/python3-olm/0"), "unauthenticated", Reason.NO_SIGNING_KEY);
        }
    }

    @Test
    void stableNames_writtenAndRead() throws Exception {
        AuthDataTrust t = trust(masterSigned(authData(FieldNames.STABLE)), trustingMaster());
        Json.Obj plain = plaintextOf("backup-key-1/python3-olm/0");
        Json.Obj resigned = SessionSigner.forTrustedBackup(t.usableSigningKey().orElseThrow(), signingKey, FieldNames.STABLE).sign(plain, KeySource.OLM);
        assertEquals(Json.Bool.TRUE, resigned.get("authenticated"));
        assertFalse(resigned.has("org.matrix.mscxxxx.authenticated"));
        assertVerdict(verify(t, "!r", vcase("backup-key-1/python3-olm/0").string("session_id"), encrypt(resigned)), "authenticated", null);
    }

    @Test
    void paddedSigningKeyInAuthData_writerSignsUnderTheKeyIdAsWritten() throws Exception {
        Json.Obj ad = masterSigned(Json.obj("public_key", Json.of(backupKey.publicKey().toBase64()),
                "org.matrix.mscxxxx.signing_public_key", Json.of(signingKey.publicKey().toBase64() + "=")));
        AuthDataTrust t = trust(ad, trustingMaster());
        TrustedBackupKey k = t.usableSigningKey().orElseThrow();
        assertEquals("ed25519:" + signingKey.publicKey().toBase64() + "=", k.keyId());
        Json.Obj signed = SessionSigner.forTrustedBackup(k, signingKey, FieldNames.UNSTABLE).sign(plaintextOf("backup-key-1/python3-olm/0"), KeySource.OLM);
        assertVerdict(verify(t, "!r", vcase("backup-key-1/python3-olm/0").string("session_id"), encrypt(signed)), "authenticated", null);
    }

    @Test
    void keySources_decideTheFlag_only() throws Exception {
        AuthDataTrust t = trusted();
        SessionSigner signer = SessionSigner.forTrustedBackup(t.usableSigningKey().orElseThrow(), signingKey, FieldNames.UNSTABLE);
        Json.Obj plain = plaintextOf("backup-key-1/python3-olm/0");
        String sid = vcase("backup-key-1/python3-olm/0").string("session_id");
        for (KeySource s : KeySource.NAMEABLE) {
            SessionVerifier.Result r = verify(t, "!r", sid, encrypt(signer.sign(plain, s)));
            assertEquals(s.authenticated() ? "authenticated" : "signed_not_authenticated", r.verdict().word(), s.name());
        }
        assertEquals(List.of("olm", "trusted-forward", "own"), KeySource.NAMEABLE.stream().filter(KeySource::authenticated).map(KeySource::name).toList());
        assertNull(KeySource.byName("backup-authenticated"));
        SessionVerifier.Result auth = verifyCase(t, "backup-key-1/python3-olm/0");
        assertTrue(KeySource.fromRestore(auth.verdict()).authenticated());
        assertFalse(KeySource.fromRestore(verifyCase(t, "backup-key-1/python3-olm/1").verdict()).authenticated());
    }

    @Test
    void signerRefusesAKeyOtherThanTheTrustedOne() throws Exception {
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            TrustedBackupKey k = trusted().usableSigningKey().orElseThrow();
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SessionSigner.forTrustedBackup(k, other, FieldNames.UNSTABLE));
        }
    }

    @Test
    void auditJson_hasTheDocumentedShape() {
        AuthDataTrust t = trusted();
        BackupAudit audit = new BackupAudit(USER, t);
        audit.add(verifyCase(t, "backup-key-1/python3-olm/0"));
        audit.add(verifyCase(t, "backup-key-1/matrix-sdk-crypto-wasm/0"));
        Json.Obj j = audit.toJson();
        assertEquals(Set.of("user_id", "version", "backup", "sessions", "summary"), j.members().keySet());
        assertEquals(Set.of("outcome", "trusted", "trusted_via", "signing_public_key", "signing_key_usable", "reason", "signatures"),
                j.object("backup").members().keySet());
        assertEquals("usable", j.object("backup").string("outcome"));
        assertEquals(Json.obj("total", Json.of(2), "authenticated", Json.of(1), "signed_not_authenticated", Json.of(0),
                "unauthenticated", Json.of(1), "rejected", Json.of(0), "unsigned_in_signed_backup", Json.of(1)), j.object("summary"));
        Json.Obj first = (Json.Obj) ((Json.Arr) j.get("sessions")).elements().get(0);
        assertEquals(Set.of("room_id", "session_id", "verdict", "reason", "claimed_authenticated"), first.members().keySet());
        assertEquals(Json.obj("kind", Json.of("master_key"), "key_id", Json.of("ed25519:" + alice.master().publicKey().toBase64()),
                        "key_compared", Json.of(true)),
                ((Json.Arr) j.object("backup").get("trusted_via")).elements().get(0));
    }
}
