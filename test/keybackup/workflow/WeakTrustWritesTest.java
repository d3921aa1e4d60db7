package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.USER;
import static keybackup.workflow.WorkflowFixture.countOf;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import keybackup.backup.AuthData;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.trust.TrustAnchors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup trusted only through a device named by id (its key taken as the server publishes it) rests on
 * the server's word: it must not come out of a migration as fully authenticated (the new version is signed
 * by the master key and this device, and a reader of it would no longer see the weaker label), and it is
 * not a backup key to encrypt the user's keys to unless Secret Storage holds that key.
 */
@Timeout(60)
class WeakTrustWritesTest {
    @TempDir
    Path dir;

    @Test
    void migrate_oldVersionTrustedOnlyAsPublished_entriesNotAuthenticatedInTheNewVersion() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir);
             BackupDecryptionKey key = BackupDecryptionKey.generate(); Ed25519PrivateKey signing = Ed25519PrivateKey.generate()) {
            // A device the server publishes but nobody cross-signed or compared: OTHER.
            Ed25519PrivateKey other = f.alice.addDevice("OTHER", false);
            ((LocalStore) f.store).publishIdentity(f.alice.keysQueryResponse());
            byte[] raw = key.exportBytes();
            f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            Arrays.fill(raw, (byte) 0);
            // The old version: signed by OTHER only; its entries signed as authenticated by its signing key.
            Json.Obj ad = SignedJson.sign(AuthData.create(key.publicKey().toBase64(), signing.publicKey(), FieldNames.UNSTABLE).json(),
                    USER, "ed25519:OTHER", other);
            String old = f.store.createVersion(MegolmBackupV1.ALGORITHM, ad);
            List<ExportedSession> sessions = sessions(2, 3, 7);
            try (Uploader up = new Uploader(f.store, old, key.publicKey(), SessionSigner.unchecked(USER, signing, FieldNames.UNSTABLE),
                    FieldNames.UNSTABLE, 2, Uploader.Limits.DEFAULT)) {
                for (ExportedSession s : sessions) up.add(s.roomId(), s.data(), KeySource.OLM);
                up.finish();
            }
            Account naming = new Account(f.store, f.secrets, new Account.Device(WorkflowFixture.DEVICE, f.deviceKey),
                    List.of(new TrustAnchors.DeviceAsPublished("OTHER")));
            AuthDataTrust oldTrust = naming.trust(f.store.version(old));
            assertEquals(List.of(AuthDataTrust.Via.DEVICE_AS_PUBLISHED),
                    assertInstanceOf(AuthDataTrust.Usable.class, oldTrust).trustedVia().stream().map(v -> v.kind()).toList());

            List<String> log = new ArrayList<>();
            Migrate.Result r = Migrate.run(naming, new Migrate.Options(null, dir.resolve("cp.json"), Migrate.Start.NEW, Migrate.OldVersion.KEEP,
                    Migrate.SigningKey.KEEP_WHEN_HELD, 2, FieldNames.UNSTABLE,
                    Uploader.Limits.DEFAULT), log::add);
            assertTrue(r.verified(), String.valueOf(r.note()));
            Map<String, String> verdicts = f.verdicts(r.newVersion()); // read with the strong anchors only
            assertEquals(sessions.size(), verdicts.size());
            assertEquals(0, countOf(verdicts, "authenticated"), verdicts.toString());
            assertEquals(sessions.size(), countOf(verdicts, "signed_not_authenticated flag_false"), verdicts.toString());
        }
    }

    @Test
    void upload_versionTrustedOnlyAsPublished_backupKeyNotInSecretStorage_refusedNothingWritten() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir);
             BackupDecryptionKey serversKey = BackupDecryptionKey.generate(); Ed25519PrivateKey signing = Ed25519PrivateKey.generate()) {
            // The server publishes device OTHER with a key of its choosing and a version whose backup key it holds.
            Ed25519PrivateKey other = f.alice.addDevice("OTHER", false);
            ((LocalStore) f.store).publishIdentity(f.alice.keysQueryResponse());
            Json.Obj ad = SignedJson.sign(AuthData.create(serversKey.publicKey().toBase64(), signing.publicKey(), FieldNames.UNSTABLE).json(),
                    USER, "ed25519:OTHER", other);
            String version = f.store.createVersion(MegolmBackupV1.ALGORITHM, ad);
            List<ExportedSession> sessions = sessions(1, 2, 3);
            Account naming = new Account(f.store, f.secrets, new Account.Device(WorkflowFixture.DEVICE, f.deviceKey),
                    List.of(new TrustAnchors.DeviceAsPublished("OTHER")));
            WorkflowException e = org.junit.jupiter.api.Assertions.assertThrows(WorkflowException.class,
                    () -> Upload.run(naming, sessions, Upload.Options.of(KeySource.OLM)));
            assertTrue(e.getMessage().contains("device_as_published"), e.getMessage());
            assertEquals(0, f.count(version));
            // Control: the same device pinned with the key the user compared is a writer's trust.
            Account pinned = new Account(f.store, f.secrets, new Account.Device(WorkflowFixture.DEVICE, f.deviceKey),
                    List.of(new TrustAnchors.PinnedDevice("OTHER", other.publicKey())));
            assertEquals(2, Upload.run(pinned, sessions, Upload.Options.of(KeySource.OLM)).sessions());
        }
    }
}
