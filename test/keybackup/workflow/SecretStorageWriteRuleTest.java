package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.Backend.HOMESERVER;
import static keybackup.workflow.WorkflowFixture.DEVICE;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import keybackup.backup.FieldNames;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.PassphraseKey;
import keybackup.secrets.KeyDescription;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.secrets.SecretStorageKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Secret Storage write rule against a hostile homeserver on loopback (issue: "the server chooses the
 * strength of the Secret Storage key"), and enable's refusal to replace backup secrets it finds. Every
 * refusal is checked to have sent no write at all (no PUT, POST or DELETE reached the server) and to have
 * left the account data as it was.
 */
@Timeout(60)
class SecretStorageWriteRuleTest {
    private static final String PASSPHRASE = "correct horse battery staple";
    private static final String SALT = "dGhpcyBpcyBhIHRlc3Qgc2FsdCBzdHI";
    private static final List<String> WATCHED = List.of(SecretStorage.BACKUP_DECRYPTION_KEY, SecretStorage.BACKUP_SIGNING_KEY,
            SecretStorage.CROSS_SIGNING_MASTER, SecretStorage.DEFAULT_KEY_TYPE, SecretStorage.KEY_TYPE_PREFIX + "served",
            SecretStorage.KEY_TYPE_PREFIX + "fixture");

    @TempDir
    Path dir;
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    private static Json.Obj pbkdf2(int iterations) {
        return Json.obj("algorithm", Json.of("m.pbkdf2"), "salt", Json.of(SALT), "iterations", Json.of(iterations));
    }

    /** Alice on the test homeserver; with {@code masterPublished} false the server publishes no master key. */
    private void open(boolean masterPublished) throws Exception {
        f = WorkflowFixture.open(HOMESERVER, dir);
        if (!masterPublished) f.server.setIdentity(f.alice.keysQueryResponse().without("master_keys"));
    }

    /** The server serves {@code description} as the default key "served". */
    private void serveDefaultKey(Json.Obj description) throws Exception {
        f.store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + "served", description);
        f.store.putAccountData(SecretStorage.DEFAULT_KEY_TYPE, Json.obj("key", Json.of("served")));
    }

    private Account account(UnlockedSecretStorage s) {
        return new Account(f.store, s, new Account.Device(DEVICE, f.deviceKey), null, Map.of());
    }

    private Map<String, Json.Obj> accountData() {
        Map<String, Json.Obj> m = new LinkedHashMap<>();
        for (String type : WATCHED) m.put(type, f.server.storedAccountData(type));
        return m;
    }

    /** Requests sent since {@code from} that change something on the server (everything but GET and the keys query). */
    private List<String> writesSince(int from) {
        return f.server.requests().subList(from, f.server.requestCount()).stream()
                .filter(r -> !r.startsWith("GET ") && !r.startsWith("POST /_matrix/client/v3/keys/query")).toList();
    }

    private static void assertWeakKeyRefusal(WorkflowException e, String why) {
        SecretStorageException cause = assertInstanceOf(SecretStorageException.class, e.getCause(), e.getMessage());
        assertEquals(SecretStorageException.Reason.WEAK_KEY, cause.reason());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertTrue(e.getMessage().startsWith("refusing to write secrets under secret storage key "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was written"), e.getMessage());
    }

    @Test
    void enable_servedDescriptionWithoutCheckAndOneIteration_refusesAndWritesNothing() throws Exception {
        open(false);
        serveDefaultKey(Json.obj("algorithm", Json.of(SecretStorage.ALGORITHM), "passphrase", pbkdf2(1)));
        Map<String, Json.Obj> before = accountData();
        int from = f.server.requestCount();

        UnlockedSecretStorage s = UnlockedSecretStorage.unlockWithPassphrase(f.store, PASSPHRASE.toCharArray());
        assertTrue(s.writeWarning().orElseThrow().contains("no key check"), "reading is allowed, with a warning");
        WorkflowException e = assertThrows(WorkflowException.class, () -> Enable.run(account(s), FieldNames.UNSTABLE));

        assertWeakKeyRefusal(e, "no key check (iv/mac)");
        assertEquals(List.of(), writesSince(from));
        assertEquals(before, accountData());
        assertEquals(List.of(), f.server.liveVersions());
    }

    @Test
    void enable_descriptionWithCheckButTooFewIterations_refusesAndWritesNothing() throws Exception {
        open(false);
        int iterations = 1000; // an old or careless client made it, with a key check
        byte[] k = PassphraseKey.derive(PASSPHRASE.toCharArray(), SALT, iterations, 256);
        try (SecretStorageKey key = SecretStorageKey.fromBytes(k)) {
            serveDefaultKey(KeyDescription.create(key, null, pbkdf2(iterations)));
        }
        Map<String, Json.Obj> before = accountData();
        int from = f.server.requestCount();

        UnlockedSecretStorage s = UnlockedSecretStorage.unlockWithPassphrase(f.store, PASSPHRASE.toCharArray());
        assertTrue(s.writeWarning().orElseThrow().contains("only 1000 PBKDF2 iterations"), s.writeWarning().orElseThrow());
        WorkflowException e = assertThrows(WorkflowException.class, () -> Enable.run(account(s), FieldNames.UNSTABLE));

        assertWeakKeyRefusal(e, "only 1000 PBKDF2 iterations (at least 500000");
        assertEquals(List.of(), writesSince(from));
        assertEquals(before, accountData());
        assertEquals(List.of(), f.server.liveVersions());
    }

    @Test
    void unlock_serverLowersIterationsButKeepsTheCheck_isWrongPassphrase_whileTheRealDescriptionWorks() throws Exception {
        open(false);
        byte[] k = PassphraseKey.derive(PASSPHRASE.toCharArray(), SALT, KeyDescription.MIN_ITERATIONS_FOR_WRITING, 256);
        Json.Obj real;
        try (SecretStorageKey key = SecretStorageKey.fromBytes(k)) {
            real = KeyDescription.create(key, null, pbkdf2(KeyDescription.MIN_ITERATIONS_FOR_WRITING));
        } finally {
            Arrays.fill(k, (byte) 0);
        }
        // The check is a MAC under the derived key: one iteration derives another key, and the check fails.
        serveDefaultKey(real.with("passphrase", pbkdf2(1)));
        int from = f.server.requestCount();
        WorkflowException e = assertThrows(WorkflowException.class,
                () -> UnlockedSecretStorage.unlockWithPassphrase(f.store, PASSPHRASE.toCharArray()));
        assertEquals("secret storage: wrong passphrase", e.getMessage());
        assertEquals(List.of(), writesSince(from));

        // The description as Element writes it (key check, 500000 iterations) unlocks with no warning, and enable works.
        serveDefaultKey(real);
        UnlockedSecretStorage s = UnlockedSecretStorage.unlockWithPassphrase(f.store, PASSPHRASE.toCharArray());
        assertEquals(Optional.empty(), s.writeWarning());
        Enable.Result r = Enable.run(account(s), FieldNames.UNSTABLE);
        try (Ed25519PrivateKey signing = s.backupSigningKey().orElseThrow()) {
            assertEquals(r.signingKey(), signing.publicKey());
        }
    }

    @Test
    void storeMethods_keyCheckStrippedByServer_refuseEveryWrite_restoreStillWorks() throws Exception {
        open(true);
        Json.Obj fixture = f.server.storedAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture");
        f.store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture", fixture.without("iv").without("mac"));
        UnlockedSecretStorage s = UnlockedSecretStorage.unlock(f.store, f.ssKey);
        assertTrue(s.keyBytes(SecretStorage.CROSS_SIGNING_MASTER).isPresent(), "reading works");
        Map<String, Json.Obj> before = accountData();
        int from = f.server.requestCount();

        try (Ed25519PrivateKey k = Ed25519PrivateKey.generate()) {
            for (Executable write : List.<Executable>of(
                    () -> s.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, new byte[32]),
                    () -> s.storeSeed(SecretStorage.CROSS_SIGNING_MASTER, k),
                    () -> s.storeBackupSigningKey(k),
                    s::requireWritable)) {
                SecretStorageException e = assertThrows(SecretStorageException.class, write);
                assertEquals(SecretStorageException.Reason.WEAK_KEY, e.reason());
                assertTrue(e.getMessage().contains("fixture: it has no key check"), e.getMessage());
            }
        }
        assertEquals(List.of(), writesSince(from));
        assertEquals(before, accountData());

        // Putting back ciphertext the server already held encrypts nothing: allowed, so no failure path loses a secret.
        s.restore(SecretStorage.CROSS_SIGNING_MASTER, Optional.of(before.get(SecretStorage.CROSS_SIGNING_MASTER)));
        assertEquals(before, accountData());
    }

    @Test
    void migrate_keyCheckStrippedByServer_refusesBeforeWriting() throws Exception {
        open(true);
        String old = f.unsignedVersion(sessions(1, 3, 1));
        Json.Obj fixture = f.server.storedAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture");
        f.store.putAccountData(SecretStorage.KEY_TYPE_PREFIX + "fixture", fixture.without("mac"));
        UnlockedSecretStorage s = UnlockedSecretStorage.unlock(f.store, f.ssKey);
        Map<String, Json.Obj> before = accountData();
        int from = f.server.requestCount();
        Path checkpoint = dir.resolve("checkpoint.json");

        WorkflowException e = assertThrows(WorkflowException.class, () -> Migrate.run(account(s),
                new Migrate.Options(null, checkpoint, Migrate.Start.NEW, Migrate.OldVersion.DELETE_AFTER_CHECK,
                        Migrate.SigningKey.KEEP_WHEN_HELD, 1, FieldNames.UNSTABLE, WorkflowFixture.SMALL_BATCHES), line -> { }));

        assertTrue(e.getMessage().contains("refusing to write secrets under secret storage key fixture"), e.getMessage());
        assertEquals(List.of(), writesSince(from));
        assertEquals(before, accountData());
        assertEquals(List.of(old), f.server.liveVersions());
        assertFalse(Files.exists(checkpoint));
    }

    // ---- enable and the backup secrets already in Secret Storage ----

    @Test
    void enable_noVersionButBackupKeyInSecretStorage_refusesAndPointsToMigrate() throws Exception {
        open(true);
        try (BackupDecryptionKey old = BackupDecryptionKey.generate()) {
            byte[] raw = old.exportBytes();
            f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            Arrays.fill(raw, (byte) 0);
        }
        Map<String, Json.Obj> before = accountData();
        int from = f.server.requestCount();

        WorkflowException e = assertThrows(WorkflowException.class, () -> Enable.run(f.account(), FieldNames.UNSTABLE));

        assertTrue(e.getMessage().startsWith("Secret Storage already holds m.megolm_backup.v1 but the server reports no backup version"),
                e.getMessage());
        assertTrue(e.getMessage().contains("run migrate --from VERSION"), e.getMessage());
        assertTrue(e.getMessage().contains("--replace-backup-secrets"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(), writesSince(from));
        assertEquals(before, accountData());
        assertEquals(List.of(), f.server.liveVersions());
    }

    @Test
    void enable_noVersionButSigningKeyInSecretStorage_refuses() throws Exception {
        open(true);
        try (Ed25519PrivateKey old = Ed25519PrivateKey.generate()) {
            f.secrets.storeBackupSigningKey(old);
        }
        Map<String, Json.Obj> before = accountData();
        int from = f.server.requestCount();

        WorkflowException e = assertThrows(WorkflowException.class, () -> Enable.run(f.account(), FieldNames.UNSTABLE));

        assertTrue(e.getMessage().startsWith("Secret Storage already holds m.key_backup.signing but"), e.getMessage());
        assertEquals(List.of(), writesSince(from));
        assertEquals(before, accountData());
    }

    @Test
    void enable_secretUnderAnotherKeyOnly_stillRefuses() throws Exception {
        open(true);
        try (SecretStorageKey other = SecretStorageKey.generate()) {
            f.store.putAccountData(SecretStorage.BACKUP_DECRYPTION_KEY,
                    SecretStorage.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, new byte[32], other, "older", null));
        }
        WorkflowException e = assertThrows(WorkflowException.class, () -> Enable.run(f.account(), FieldNames.UNSTABLE));
        assertTrue(e.getMessage().startsWith("Secret Storage already holds m.megolm_backup.v1 but"), e.getMessage());
        assertEquals(List.of(), f.server.liveVersions());
    }

    @Test
    void enable_deletedSecretsWrittenAsEmptyObjects_areNotHeld_andEnableGoesOn() throws Exception {
        open(true);
        f.store.putAccountData(SecretStorage.BACKUP_DECRYPTION_KEY, Json.obj());
        f.store.putAccountData(SecretStorage.BACKUP_SIGNING_KEY, Json.obj("encrypted", Json.obj()));

        Enable.Result r = Enable.run(f.account(), FieldNames.UNSTABLE);

        try (BackupDecryptionKey key = f.backupKey()) {
            assertEquals(r.backupKey(), key.publicKey());
        }
    }

    @Test
    void enable_replaceBackupSecrets_overwritesOnPurpose() throws Exception {
        open(true);
        try (BackupDecryptionKey old = BackupDecryptionKey.generate(); Ed25519PrivateKey oldSigning = Ed25519PrivateKey.generate()) {
            byte[] raw = old.exportBytes();
            f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            Arrays.fill(raw, (byte) 0);
            f.secrets.storeBackupSigningKey(oldSigning);

            Enable.Result r = Enable.run(f.account(), FieldNames.UNSTABLE, true);

            try (BackupDecryptionKey key = f.backupKey(); Ed25519PrivateKey signing = f.secrets.backupSigningKey().orElseThrow()) {
                assertEquals(r.backupKey(), key.publicKey());
                assertEquals(r.signingKey(), signing.publicKey());
                assertFalse(key.publicKey().equals(old.publicKey()));
            }
        }
    }
}
