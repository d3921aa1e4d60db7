package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.SessionData;
import keybackup.backup.SessionExport;
import keybackup.cli.NewIdentity;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import keybackup.trust.SessionVerdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example, step for step, so the documented API is the real one. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void readmeExample_enableUploadRestore_givesAuthenticatedVerdicts() throws Exception {
        String recoveryKeyText;
        Ed25519PrivateKey phoneKey;
        // What a homeserver account already has: an identity and Secret Storage (the README's `setup`).
        LocalStore setupStore = LocalStore.open(dir.resolve("keybackup-store"), "@alice:example.org");
        try (NewIdentity alice = new NewIdentity("@alice:example.org"); SecretStorageKey ss = SecretStorageKey.generate()) {
            phoneKey = Ed25519PrivateKey.fromSeed(alice.addDevice("PHONE", true).exportSeed());
            setupStore.publishIdentity(alice.keysQueryResponse());
            UnlockedSecretStorage.create(setupStore, ss, "default").storeSeed(SecretStorage.CROSS_SIGNING_MASTER, alice.master());
            recoveryKeyText = ss.toRecoveryKey();
        }
        List<ExportedSession> sessions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (Ed25519PrivateKey k = Ed25519PrivateKey.generate(); BackupDecryptionKey sender = BackupDecryptionKey.generate()) {
                String export = SessionExport.encode(0, new byte[128], k.publicKey().bytes());
                SessionData data = SessionData.from(Json.obj("algorithm", Json.of("m.megolm.v1.aes-sha2"),
                        "sender_key", Json.of(sender.publicKey().toBase64()), "sender_claimed_keys", Json.obj(),
                        "forwarding_curve25519_key_chain", Json.arr(List.of()), "session_key", Json.of(export)));
                sessions.add(new ExportedSession("!room:example.org", data.sessionId(), data));
            }
        }

        // The README example.
        var store = LocalStore.open(dir.resolve("keybackup-store"), "@alice:example.org");
        var secrets = UnlockedSecretStorage.unlock(store, SecretStorageKey.fromRecoveryKey(recoveryKeyText));
        var account = new Account(store, secrets, new Account.Device("PHONE", phoneKey), null, Map.of());

        Enable.Result enabled = Enable.run(account, FieldNames.UNSTABLE);
        Upload.run(account, sessions, Upload.Options.of(KeySource.OLM));

        Json.Obj info = account.currentVersion();
        AuthDataTrust trust = account.trust(info);
        List<SessionVerdict> verdicts = new ArrayList<>();
        try (var key = Restore.keyFromSecretStorage(account)) {
            BackupAudit audit = Restore.run(account, trust, key, Restore.Options.DEFAULT,
                    result -> verdicts.add(result.verdict()));
            assertEquals(3, audit.total());
            assertEquals(3, audit.authenticated());
        }
        assertEquals(enabled.version(), info.string("version"));
        assertEquals(3, verdicts.stream().filter(v -> v instanceof SessionVerdict.Authenticated).count());
        assertEquals(true, Files.isDirectory(dir.resolve("keybackup-store")));
    }
}
