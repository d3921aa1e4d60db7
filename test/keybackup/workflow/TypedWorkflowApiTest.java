package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.SMALL_BATCHES;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.KeySource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workflow API says whose fault a failure was: the store's ({@link StoreException}), the workflow's
 * ({@link WorkflowException}), or the caller's own callback, which comes out as it was thrown, never
 * labelled as a store error. The version a restore reads is the one its trust was resolved from, and an
 * upload that cannot sign says why in a type, or refuses when asked to.
 */
class TypedWorkflowApiTest {
    @TempDir
    Path dir;

    // ---- restore: the sink's failure is the caller's ----

    @Test
    void restore_sinkThrowsUnchecked_comesOutAsItself_oneAndTwoThreads() throws Exception {
        try (WorkflowFixture f = backupWith(WorkflowFixture.Backend.LOCAL, 12);
             BackupDecryptionKey key = f.backupKey()) {
            AuthDataTrust trust = f.account().trust(f.account().currentVersion());
            for (int threads : new int[] {1, 2}) {
                IllegalStateException bug = new IllegalStateException("a bug in the caller's sink");
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Restore.run(f.account(),
                        trust, key,
                        Restore.Options.DEFAULT.withThreads(threads), r -> {
                            throw bug;
                        }));
                assertSame(bug, e, threads + " threads");
            }
        }
    }

    @Test
    void restore_sinkThrowsChecked_comesOutTypedAsItself() throws Exception {
        try (WorkflowFixture f = backupWith(WorkflowFixture.Backend.LOCAL, 12);
             BackupDecryptionKey key = f.backupKey()) {
            AuthDataTrust trust = f.account().trust(f.account().currentVersion());
            IOException full = new IOException("no space left on device");
            int[] calls = {0};
            IOException e = assertThrows(IOException.class, () -> {
                try {
                    Restore.run(f.account(), trust, key, Restore.Options.DEFAULT, r -> {
                        if (++calls[0] == 5) throw full;
                    });
                } catch (StoreException notTheStore) {
                    throw new AssertionError("labelled a store error", notTheStore);
                }
            });
            assertSame(full, e);
        }
    }

    @Test
    void restore_overHttp_sinkThrowsUncheckedIo_isNotTakenForANetworkFailure() throws Exception {
        try (WorkflowFixture f = backupWith(WorkflowFixture.Backend.HOMESERVER, 12);
             BackupDecryptionKey key = f.backupKey()) {
            AuthDataTrust trust = f.account().trust(f.account().currentVersion());
            int before = f.server.requestCount();
            UncheckedIOException bug = new UncheckedIOException(new IOException("the caller's file"));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Restore.run(f.account(), trust, key,
                    Restore.Options.DEFAULT, r -> {
                        throw bug;
                    }));
            assertSame(bug, e);
            long reads = f.server.requests().subList(before, f.server.requestCount()).stream()
                    .filter(r -> r.startsWith("GET") && r.contains("/room_keys/keys")).count();
            assertEquals(1, reads, "not retried as a dropped connection: " + f.server.requests());
        }
    }

    // ---- restore: the version is the trust's ----

    @Test
    void restore_readsTheVersionItsTrustWasResolvedFrom_notTheCurrentOne() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            String old = f.unsignedVersion(sessions(1, 4, 2));
            try (BackupDecryptionKey oldKey = f.backupKey()) {
                f.unsignedVersion(sessions(1, 2, 3)); // a newer current version, with another backup key
                Json.Obj oldInfo = f.store.version(old);
                AuthDataTrust oldTrust = f.account().trust(oldInfo);
                assertEquals(old, oldTrust.versionInfo().string("version"));
                assertTrue(!old.equals(f.account().currentVersion().string("version")));
                BackupAudit audit = Restore.run(f.account(), oldTrust, oldKey, Restore.Options.DEFAULT, null);
                assertEquals(4, audit.total());
            }
        }
    }

    // ---- upload: the walk's failure is the caller's ----

    @Test
    void upload_walkThrowsUncheckedInPassTwo_comesOutAsItself() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<ExportedSession> s = sessions(1, 6, 1);
            int[] walks = {0};
            IllegalStateException bug = new IllegalStateException("a bug in the caller's walk");
            Upload.Selection<RuntimeException> sel = Upload.select(v -> {
                walks[0]++;
                for (int i = 0; i < s.size(); i++) {
                    if (walks[0] == 2 && i == 3) throw bug;
                    v.visit(s.get(i));
                }
            });
            assertSame(bug, assertThrows(IllegalStateException.class,
                    () -> Upload.run(f.account(), sel,
                            Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES))));
        }
    }

    @Test
    void upload_walkThrowsChecked_comesOutTyped() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<ExportedSession> s = sessions(1, 3, 1);
            IOException unreadable = new IOException("the file cannot be read");
            int[] walks = {0};
            Upload.Sessions<IOException> walk = v -> {
                if (++walks[0] == 2) throw unreadable;
                for (ExportedSession x : s) v.visit(x);
            };
            Upload.Selection<IOException> sel = Upload.select(walk);
            IOException e = assertThrows(IOException.class, () -> {
                try {
                    Upload.run(f.account(), sel, Upload.Options.of(KeySource.OLM));
                } catch (StoreException | WorkflowException notOurs) {
                    throw new AssertionError("labelled as the upload's", notOurs);
                }
            });
            assertSame(unreadable, e);
        }
    }

    @Test
    void upload_walkThrowsSecretStorageExceptionInPassTwo_comesOutAsItselfNotAsTheUploads() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<ExportedSession> s = sessions(1, 3, 1);
            int[] walks = {0};
            SecretStorageException[] thrown = {null};
            // a walk that needs Secret Storage itself (say, for the export's passphrase) and fails there
            Upload.Sessions<SecretStorageException> walk = v -> {
                if (++walks[0] == 2) {
                    try {
                        SecretStorageKey.fromRecoveryKey("not a recovery key");
                    } catch (SecretStorageException e) {
                        thrown[0] = e;
                        throw e;
                    }
                }
                for (ExportedSession x : s) v.visit(x);
            };
            Upload.Selection<SecretStorageException> sel = Upload.select(walk);
            SecretStorageException e = assertThrows(SecretStorageException.class, () -> {
                try {
                    Upload.run(f.account(), sel, Upload.Options.of(KeySource.OLM));
                } catch (StoreException | WorkflowException notOurs) {
                    throw new AssertionError("labelled as the upload's", notOurs);
                }
            });
            assertSame(thrown[0], e);
        }
    }

    @Test
    void upload_storeFailsInPassTwo_isAStoreException_whateverTheWalkDoesWithTheStop() throws Exception {
        for (boolean swallow : new boolean[] {true, false}) {
            Path d = dir.resolve(swallow ? "swallow" : "convert");
            try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, d)) {
                Enable.run(f.account(), FieldNames.UNSTABLE);
                List<ExportedSession> s = sessions(2, 10, 5);
                f.server.crashAfterKeyPuts(1); // the second request and every later one fail
                Upload.Sessions<IOException> walk = v -> {
                    for (ExportedSession x : s) {
                        try {
                            v.visit(x);
                        } catch (RuntimeException e) {
                            if (!swallow) throw new IOException("the walk's own words for " + e);
                        }
                    }
                };
                Upload.Selection<IOException> sel = Upload.select(walk);
                assertThrows(StoreException.class,
                        () -> Upload.run(f.account(), sel,
                                Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES)),
                        swallow ? "swallowed" : "converted");
            }
        }
    }

    @Test
    void upload_walkGivesOtherSessionsInPassTwo_andSwallowsTheStop_stillAWorkflowError() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<ExportedSession> first = sessions(1, 3, 1);
            List<ExportedSession> second = sessions(1, 3, 2);
            int[] walks = {0};
            Upload.Selection<RuntimeException> sel = Upload.select(v -> {
                for (ExportedSession x : ++walks[0] == 1 ? first : second) {
                    try {
                        v.visit(x);
                    } catch (RuntimeException swallowed) {
                        // a careless walk
                    }
                }
            });
            WorkflowException e = assertThrows(WorkflowException.class, () -> Upload.run(f.account(), sel,
                    Upload.Options.of(KeySource.OLM)));
            assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
        }
    }

    // ---- upload: unsigned entries, typed ----

    @Test
    void upload_noSigningKeyInSecretStorage_refuse_throwsTypedAndSendsNothing() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
            Account locked = new Account(f.store, null, new Account.Device(WorkflowFixture.DEVICE, f.deviceKey), null,
                    Map.of());
            Upload.UnsignedRefusedException e = assertThrows(Upload.UnsignedRefusedException.class,
                    () -> Upload.run(locked,
                    sessions(1, 3, 1), Upload.Options.of(KeySource.OLM).with(Upload.UnsignedUploads.REFUSE)));
            assertEquals(Upload.UnsignedReason.NO_KEY_IN_SECRET_STORAGE, e.unsigned().reason());
            assertEquals("refusing to upload unsigned entries to version " + version
                    + ": Secret Storage holds no backup signing key",
                    e.getMessage());
            assertEquals(0, f.count(version), "nothing sent");

            // ALLOW, the default
            Upload.Result r = Upload.run(locked, sessions(1, 3, 1), Upload.Options.of(KeySource.OLM));
            assertEquals(Upload.UnsignedReason.NO_KEY_IN_SECRET_STORAGE, r.unsigned().reason());
            assertEquals("entries uploaded unsigned: Secret Storage holds no backup signing key", r.note());
            assertTrue(!r.signed());
            assertEquals(3, f.count(version));
        }
    }

    @Test
    void upload_signingKeyNotThisVersions_andNoUsableKey_areTheirOwnReasons() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            Upload.Result signed = Upload.run(f.account(), sessions(1, 2, 1), Upload.Options.of(KeySource.OLM));
            assertNull(signed.unsigned());
            assertTrue(signed.signed());

            try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
                f.secrets.storeSeed(SecretStorage.BACKUP_SIGNING_KEY, other); // a stale or foreign signing key
            }
            Upload.Result stale = Upload.run(f.account(), sessions(1, 2, 1), Upload.Options.of(KeySource.OLM));
            assertEquals(Upload.UnsignedReason.NOT_THIS_VERSIONS_KEY, stale.unsigned().reason());
            assertEquals("entries uploaded unsigned: the signing key in Secret Storage is not this version's",
                    stale.note());

            f.unsignedVersion(List.of()); // the current version now names no signing key in its AuthData
            Upload.Result none = Upload.run(f.account(), sessions(1, 2, 1), Upload.Options.of(KeySource.OLM));
            assertEquals(Upload.UnsignedReason.NO_USABLE_SIGNING_KEY, none.unsigned().reason());
            WorkflowException refused = assertThrows(WorkflowException.class, () -> Upload.run(f.account(),
                    sessions(1, 2, 1), Upload.Options.of(KeySource.OLM).with(Upload.UnsignedUploads.REFUSE)));
            assertEquals(Upload.UnsignedRefusedException.class, refused.getClass());
        }
    }

    // ---- helpers ----

    /** A signed backup holding {@code n} sessions. */
    private WorkflowFixture backupWith(WorkflowFixture.Backend backend, int n) throws Exception {
        WorkflowFixture f = WorkflowFixture.open(backend, dir);
        try {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            Upload.run(f.account(), sessions(2, n / 2, 9), Upload.Options.of(KeySource.OLM).with(SMALL_BATCHES));
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

}
