package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.DEVICE;
import static keybackup.workflow.WorkflowFixture.SMALL_BATCHES;
import static keybackup.workflow.WorkflowFixture.USER;
import static keybackup.workflow.WorkflowFixture.countOf;
import static keybackup.workflow.WorkflowFixture.expectedKeys;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import keybackup.backup.AuthData;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.KeyBackupData;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.backup.SessionExport;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.ReplacementRule;
import keybackup.secrets.SecretStorage;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.workflow.WorkflowFixture.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Enable, Upload and Restore against the local store and the test homeserver (behind the real HTTP client). */
@Timeout(60)
class EnableUploadRestoreTest {
    @TempDir
    Path dir;
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    private static Json.Obj entry(boolean verified, long firstIndex, Json.Obj sessionData) {
        return new KeyBackupData(firstIndex, 0, verified, sessionData).toJson();
    }

    /** What someone holding only the backup public key can write: an unsigned entry claiming authenticated. */
    private static Json.Obj forged(SessionData data, Curve25519PublicKey backupKey, boolean verified, long firstIndex) {
        Json.Obj claim = data.json().with("org.matrix.mscxxxx.authenticated", Json.of(true));
        return entry(verified, firstIndex, MegolmBackupV1.encrypt(CanonicalJson.encode(claim), backupKey));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void enable_freshAccount_storesBothSecretsAndCreatesMasterSignedVersion(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);

        Enable.Result r = Enable.run(f.account(), FieldNames.UNSTABLE);

        assertTrue(r.signedByMaster());
        assertTrue(r.signedByDevice());
        try (BackupDecryptionKey key = f.backupKey(); Ed25519PrivateKey signing = f.secrets.backupSigningKey().orElseThrow()) {
            assertEquals(r.backupKey(), key.publicKey());
            assertEquals(r.signingKey(), signing.publicKey());
        }
        Json.Obj info = f.store.currentVersion().orElseThrow();
        assertEquals(r.version(), info.string("version"));
        Json.Obj authData = info.object("auth_data");
        assertEquals(r.backupKey().toBase64(), authData.string("public_key"));
        assertEquals(r.signingKey().toBase64(), authData.string("org.matrix.mscxxxx.signing_public_key"));
        String masterKeyId = "ed25519:" + f.alice.master().publicKey().toBase64();
        assertTrue(SignedJson.verifyValue(authData.without("signatures"), authData.object("signatures").object(USER).get(masterKeyId),
                f.alice.master().publicKey()).valid(), "signed by the master key");
        // A reader that trusts only the master key (no device, no Secret Storage) trusts it via the master key.
        Account reader = new Account(f.store, null, null, f.alice.master().publicKey(), Map.of());
        assertTrue(reader.trust(info).usableSigningKey().isPresent());
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void upload_untrustedBackupWithoutMatchingKey_isRefused(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        try (BackupDecryptionKey attackers = BackupDecryptionKey.generate()) {
            String v = f.store.createVersion(MegolmBackupV1.ALGORITHM, Json.obj("public_key", Json.of(attackers.publicKey().toBase64())));

            WorkflowException e = assertThrows(WorkflowException.class,
                    () -> Upload.run(f.account(), sessions(1, 3, 1),
                            Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES)));

            assertTrue(e.getMessage().startsWith("refusing to upload"), e.getMessage());
            assertEquals(0, f.count(v));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void upload_signingKeyInSecretsMatchesTrustedAuthData_signsEntries(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        List<ExportedSession> s = sessions(2, 6, 1);

        Upload.Result r = Upload.run(f.account(), s, Upload.Options.of(KeySource.OLM).with(SMALL_BATCHES));

        assertTrue(r.signed());
        assertEquals(12, r.sessions());
        assertEquals(3, r.batches());
        assertEquals(12, r.serverCount());
        assertEquals(expectedKeys(s), f.storedKeys(enabled.version()));
        assertEquals(12, countOf(f.verdicts(enabled.version()), "authenticated"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void upload_signingKeyInSecretsIsNotTheVersions_uploadsUnsigned(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            f.secrets.storeBackupSigningKey(other);
        }

        Upload.Result r = Upload.run(f.account(), sessions(1, 4, 1),
                Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES));

        assertFalse(r.signed());
        assertTrue(r.note().contains("not this version's"), r.note());
        Map<String, String> verdicts = f.verdicts(enabled.version());
        assertEquals(4, verdicts.size());
        assertEquals(4, countOf(verdicts, "unauthenticated signature_missing"));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void upload_untrustedAuthDataButBackupKeyInSecrets_uploadsUnsigned(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        try (BackupDecryptionKey key = BackupDecryptionKey.generate(); Ed25519PrivateKey signing = Ed25519PrivateKey.generate()) {
            byte[] raw = key.exportBytes();
            f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            f.secrets.storeBackupSigningKey(signing);
            // names a signing key, but nobody signed the AuthData: the signing key must not be used
            String v = f.store.createVersion(MegolmBackupV1.ALGORITHM,
                    AuthData.create(key.publicKey().toBase64(), signing.publicKey(), FieldNames.UNSTABLE).json());

            Upload.Result r = Upload.run(f.account(), sessions(1, 3, 1),
                    Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES));

            assertFalse(r.signed());
            assertEquals(3, f.count(v));
            assertEquals(3, countOf(f.verdicts(v), "unauthenticated backup_not_trusted"));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void restore_everyVerdict_exportHasNoRejectedEntriesAndNoSignatures(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        String v = enabled.version();
        List<ExportedSession> olm = sessions(1, 3, 1);
        List<ExportedSession> exported = sessions(1, 2, 2);
        Upload.run(f.account(), olm, Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES));
        Upload.run(f.account(), exported, Upload.Options.of(KeySource.EXPORT).withThreads(1).with(SMALL_BATCHES));
        List<ExportedSession> extra = sessions(1, 2, 3);
        f.putSessionKey(v, "!room0:example.org", extra.get(0).sessionId(), forged(extra.get(0).data(), enabled.backupKey(), true, 0));
        // a valid entry moved under another session id, and one that does not decrypt
        f.putSessionKey(v, "!room0:example.org", extra.get(1).sessionId(), f.getSessionKey(v, "!room0:example.org",
                olm.get(0).sessionId()).orElseThrow());
        f.putSessionKey(v, "!room0:example.org", "garbage", entry(false, 0,
                Json.obj("ephemeral", Json.of("AAAA"), "ciphertext", Json.of("AAAA"), "mac", Json.of("AAAA"))));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Account account = f.account();
        Json.Obj info = account.currentVersion();
        BackupAudit audit;
        try (BackupDecryptionKey key = f.backupKey(); ExportWriter writer = new ExportWriter(out)) {
            audit = Restore.run(account, account.trust(info), key, Restore.Options.DEFAULT, writer::write);
        }

        assertEquals(8, audit.total());
        assertEquals(3, audit.authenticated());
        assertEquals(2, audit.signedNotAuthenticated());
        assertEquals(1, audit.unauthenticated());
        assertEquals(2, audit.rejected());
        assertEquals(1, audit.unsignedInSignedBackup());
        Map<String, String> written = new HashMap<>();
        for (Json e : ((Json.Arr) JsonReader.parse(out.toByteArray())).elements()) {
            Json.Obj o = (Json.Obj) e;
            for (String member : List.of("signatures", "authenticated", "org.matrix.mscxxxx.authenticated", "org.matrix.msc4048.authenticated")) {
                assertFalse(o.has(member), member + " must not be exported");
            }
            Json.Obj verdict = o.object(ExportWriter.VERDICT_MEMBER);
            assertNotNull(verdict);
            written.put(o.string("session_id"), verdict.string("verdict") + (verdict.string("reason") == null ? "" : " " + verdict.string("reason")));
            assertEquals(o.string("session_id"), SessionData.from(o.without("room_id").without("session_id").without(ExportWriter.VERDICT_MEMBER)).sessionId());
        }
        assertEquals(6, written.size(), "rejected entries are not written: " + written.keySet());
        for (ExportedSession s : olm) assertEquals("authenticated", written.get(s.sessionId()));
        for (ExportedSession s : exported) assertEquals("signed_not_authenticated flag_false", written.get(s.sessionId()));
        assertEquals("unauthenticated signature_missing", written.get(extra.get(0).sessionId()));
    }

    @ParameterizedTest
    @CsvSource({"LOCAL, SPEC", "LOCAL, SYNAPSE", "HOMESERVER, SPEC", "HOMESERVER, SYNAPSE"})
    void restore_attackerCopyWithLowerIndex_replacesSignedEntryOnlyUnderSynapseRuleAndIsNeverAuthenticated(Backend backend,
            ReplacementRule rule) throws Exception {
        f = WorkflowFixture.open(backend, dir, rule);
        Enable.Result enabled = Enable.run(f.account(), FieldNames.UNSTABLE);
        // A signed, authenticated session exported at index 5, whose sender this device verified (is_verified true) ...
        SessionData atFive = atIndex(sessions(1, 1, 1).get(0).data(), 5);
        Upload.run(f.account(), List.of(new ExportedSession("!room0:example.org", atFive.sessionId(), atFive)),
                Upload.Options.of(KeySource.OLM).with(Uploader.SendingDevice.VERIFIED_BY_THIS_DEVICE).withThreads(1)
                        .with(SMALL_BATCHES));
        String key = "!room0:example.org|" + atFive.sessionId();
        assertEquals("authenticated", f.verdicts(enabled.version()).get(key));
        // ... and an attacker's unverified copy at index 0 with the same public session key (made from public data).
        SessionData fake = atIndex(sessions(1, 1, 7).get(0).data(), 0, atFive.export().sessionId());
        f.putSessionKey(enabled.version(), "!room0:example.org", atFive.sessionId(), forged(fake, enabled.backupKey(), false, 0));

        String verdict = f.verdicts(enabled.version()).get(key);

        if (rule == ReplacementRule.SPEC) {
            assertEquals("authenticated", verdict, "the spec keeps the verified copy");
            assertEquals(atFive.sessionKey(), f.storedKeys(enabled.version()).get(key));
        } else {
            assertEquals("unauthenticated signature_missing", verdict, "Synapse lets the lower index win");
            assertEquals(fake.sessionKey(), f.storedKeys(enabled.version()).get(key));
        }
    }

    @ParameterizedTest
    @CsvSource({"LOCAL, small-order", "LOCAL, malformed", "HOMESERVER, small-order", "HOMESERVER, malformed"})
    void uploadAndRestore_badAuthDataPublicKey_clearWorkflowError(Backend backend, String kind) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        String publicKey = kind.equals("small-order") ? Base64Unpadded.encode(new byte[32]) : "not*base64";
        // trusted (signed by this device), so nothing but the key itself can stop the upload
        Json.Obj authData = SignedJson.sign(Json.obj("public_key", Json.of(publicKey)), USER, "ed25519:" + DEVICE, f.deviceKey);
        String v = f.store.createVersion(MegolmBackupV1.ALGORITHM, authData);

        WorkflowException up = assertThrows(WorkflowException.class,
                () -> Upload.run(f.account(), sessions(1, 2, 1),
                        Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES)));
        assertTrue(up.getMessage().startsWith("auth_data.public_key"), up.getMessage());
        assertEquals(0, f.count(v));

        try (BackupDecryptionKey key = BackupDecryptionKey.generate()) {
            Json.Obj info = f.store.version(v);
            WorkflowException restore = assertThrows(WorkflowException.class,
                    () -> Restore.run(f.account(), f.account().trust(info), key,
                            Restore.Options.DEFAULT.withThreads(1), null));
            assertTrue(restore.getMessage().contains("auth_data.public_key"), restore.getMessage());
        }
    }

    /** The same session with its export index set to {@code index} (and optionally another session public key). */
    private static SessionData atIndex(SessionData s, int index, String... sessionId) throws Exception {
        byte[] export = Base64Unpadded.decode("session_key", s.sessionKey(), SessionExport.LENGTH);
        byte[] kpub = sessionId.length > 0 ? Base64Unpadded.decode("session_id", sessionId[0], 32)
                : Arrays.copyOfRange(export, 133, SessionExport.LENGTH);
        String key = SessionExport.encode(index, Arrays.copyOfRange(export, 5, 133), kpub);
        return SessionData.from(s.json().with("session_key", Json.of(key)));
    }
}
