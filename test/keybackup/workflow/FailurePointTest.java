package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.Backend.HOMESERVER;
import static keybackup.workflow.WorkflowFixture.SMALL_BATCHES;
import static keybackup.workflow.WorkflowFixture.expectedKeys;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import keybackup.backup.AuthData;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "No failure path loses a secret": a full {@code enable} and a full {@code migrate --delete-old} are run
 * once to count their requests; then, for every request i of the run, a new account meets a failure at
 * request i, and after it (the fault lifted) Secret Storage must hold the backup key of the version that is
 * current and, if that version's AuthData names a signing key, that signing key. Then a retry (enable
 * again, or migrate --resume from another directory) must complete, and a migration must end with every
 * key in the new version and the old one deleted.
 *
 * <p>The failures: request i refused (400, not retried); request i failing until the client gives up
 * (500 on every attempt); request i carried out but its answer lost, then 500 until the client gives up;
 * and a crash at request i (every request from i on fails, so no undo can reach the server either).
 */
@Timeout(600)
class FailurePointTest {
    @TempDir
    Path dir;

    private enum Failure {
        REFUSED(1, 400, false), EXHAUSTED(8, 500, false), LOST_ANSWER(8, 500, true), CRASH(Integer.MAX_VALUE, 500, false);

        final int count;
        final int status;
        final boolean lostReply;

        Failure(int count, int status, boolean lostReply) {
            this.count = count;
            this.status = status;
            this.lostReply = lostReply;
        }
    }

    /** Secret Storage holds the keys the current version names (nothing to hold when there is no backup). */
    static String secretsProblem(WorkflowFixture f) throws Exception {
        Optional<Json.Obj> current = f.store.currentVersion();
        if (current.isEmpty()) return null;
        String v = current.get().string("version");
        Json.Obj ad = current.get().object("auth_data");
        Optional<byte[]> raw = f.secrets.keyBytes(SecretStorage.BACKUP_DECRYPTION_KEY);
        if (raw.isEmpty()) return "version " + v + ": no backup key in Secret Storage";
        try (BackupDecryptionKey k = BackupDecryptionKey.fromBytes(raw.get())) {
            if (!k.matches(Curve25519PublicKey.parse("public_key", ad.string("public_key")))) return "version " + v + ": the backup key in Secret Storage is another";
        }
        if (AuthData.of(ad).signingKey() instanceof AuthData.SigningKeyField.Present p) {
            Optional<Ed25519PrivateKey> s = f.secrets.backupSigningKey();
            if (s.isEmpty()) return "version " + v + ": no signing key in Secret Storage";
            try (Ed25519PrivateKey k = s.get()) {
                if (!k.publicKey().equals(p.key())) return "version " + v + ": the signing key in Secret Storage is another";
            }
        }
        return null;
    }

    // ---- migrate ----

    private Migrate.Options options(Path checkpoint, boolean resume, Migrate.SigningKey signingKey) {
        return new Migrate.Options(null, checkpoint, resume ? Migrate.Start.RESUME : Migrate.Start.NEW, Migrate.OldVersion.DELETE_AFTER_CHECK,
                signingKey, 2, FieldNames.UNSTABLE, SMALL_BATCHES);
    }

    private interface Setup {
        String oldVersion(WorkflowFixture f) throws Exception;
    }

    /**
     * Which failures to try at a request. A read changes nothing on the server, so a crash at a read leaves
     * the state a crash at the next write leaves, and its answer cannot be lost in a way that matters: a
     * read is only made to fail.
     */
    private interface Modes {
        List<Failure> at(String request);
    }

    private static final Modes READS_FAIL = r -> r.startsWith("GET ") ? List.of(Failure.EXHAUSTED) : List.of(Failure.values());
    private static final Modes WRITES_LOST_OR_CRASH = r -> r.startsWith("GET ") ? List.of() : List.of(Failure.LOST_ANSWER, Failure.CRASH);

    /** An unsigned old version: the new signing key is written before the new version exists. */
    private static String unsignedOld(WorkflowFixture f) throws Exception {
        return f.unsignedVersion(sessions(2, 3, 1)); // 6 keys: two batches
    }

    /**
     * A signed old version whose signing key is in Secret Storage but whose AuthData no trusted signer signed
     * (a device since removed from the account): it needs a migration, which keeps its signing key, and that
     * key must stay in Secret Storage while the old version is current.
     */
    private static String signedOld(WorkflowFixture f) throws Exception {
        try (BackupDecryptionKey key = BackupDecryptionKey.generate(); Ed25519PrivateKey signing = Ed25519PrivateKey.generate();
             Ed25519PrivateKey removedDevice = Ed25519PrivateKey.generate()) {
            byte[] raw = key.exportBytes();
            f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, raw);
            java.util.Arrays.fill(raw, (byte) 0);
            f.secrets.storeBackupSigningKey(signing);
            Json.Obj ad = SignedJson.sign(AuthData.create(key.publicKey().toBase64(), signing.publicKey(), FieldNames.UNSTABLE).json(),
                    WorkflowFixture.USER, "ed25519:OLDPHONE", removedDevice);
            String v = f.store.createVersion(MegolmBackupV1.ALGORITHM, ad);
            try (Uploader up = new Uploader(f.store, v, key.publicKey(), SessionSigner.unchecked(WorkflowFixture.USER, signing, FieldNames.UNSTABLE),
                    FieldNames.UNSTABLE, 2, Uploader.Limits.DEFAULT)) {
                for (ExportedSession s : sessions(1, 2, 1)) up.add(s.roomId(), s.data(), KeySource.OLM);
                up.finish();
            }
            return v;
        }
    }

    /** A signed, trusted version made by enable: it needs no migration, so only a rotation (a new signing key) moves it. */
    private static String signedTrustedOld(WorkflowFixture f) throws Exception {
        String v = Enable.run(f.account(), FieldNames.UNSTABLE).version();
        Upload.run(f.account(), sessions(1, 2, 1), Upload.Options.of(KeySource.OLM).with(SMALL_BATCHES));
        return v;
    }

    @Test
    void migrate_failureAtEveryRequest_secretsMatchCurrentVersionAndResumeCompletes() throws Exception {
        migrateTable(FailurePointTest::unsignedOld, READS_FAIL, Migrate.SigningKey.KEEP_WHEN_HELD);
    }

    @Test
    void migrate_signedOldVersion_failureAtEveryRequest_secretsMatchCurrentVersionAndResumeCompletes() throws Exception {
        migrateTable(FailurePointTest::signedOld, WRITES_LOST_OR_CRASH, Migrate.SigningKey.KEEP_WHEN_HELD);
    }

    /**
     * A rotation replaces the current version's signing key in Secret Storage just before the new version
     * is created (Secret Storage holds one backup signing key): a failure in between may leave the old
     * version current with the new key stored, but only while the unfinished record names that key, so
     * that the resumed run completes the rotation.
     */
    @Test
    void migrate_rotateSignedTrustedVersion_failureAtEveryRequest_recordNamesTheStoredKeyAndResumeCompletes() throws Exception {
        migrateTable(FailurePointTest::signedTrustedOld, WRITES_LOST_OR_CRASH, Migrate.SigningKey.NEW);
    }

    /** During a rotation: the old version is current, and an unfinished record names the signing key Secret Storage holds. */
    private static boolean rotationUnderWay(WorkflowFixture f, String old) throws Exception {
        Optional<MigrationRecord> rec = MigrationRecord.load(f.account()).filter(r -> !r.finished());
        Optional<Ed25519PrivateKey> held = f.secrets.backupSigningKey();
        try {
            return rec.isPresent() && rec.get().rotate() && held.isPresent() && f.store.currentVersion().orElseThrow().string("version").equals(old)
                    && held.get().publicKey().toBase64().equals(rec.get().signingPublicKey());
        } finally {
            if (held.isPresent()) held.get().close();
        }
    }

    private void migrateTable(Setup setup, Modes modes, Migrate.SigningKey signingKey) throws Exception {
        List<String> requests;
        try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir.resolve("count"))) {
            setup.oldVersion(f);
            int before = f.server.requestCount();
            Migrate.Result r = Migrate.run(f.account(), options(dir.resolve("count.json"), false, signingKey), l -> {});
            assertTrue(r.oldDeleted());
            requests = f.server.requests().subList(before, f.server.requestCount());
        }
        int n = requests.size();
        assertTrue(n > 20, "a migration makes many requests: " + n);
        List<String> problems = new ArrayList<>();
        int c = 0;
        for (int i = 1; i <= n; i++) {
            for (Failure failure : modes.at(requests.get(i - 1))) {
                String where = "request " + i + " of " + n + " (" + requests.get(i - 1) + "), " + failure;
                Path caseDir = Files.createDirectories(dir.resolve("m" + (++c)));
                try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, caseDir)) {
                    String old = setup.oldVersion(f);
                    Map<String, String> expected = f.storedKeys(old);
                    f.server.failRequests(i, failure.count, failure.status, failure.lostReply);
                    boolean failed = false;
                    try {
                        Migrate.run(f.account(), options(caseDir.resolve("first.json"), false, signingKey), l -> {});
                    } catch (Exception e) {
                        failed = true;
                        if (!(e instanceof WorkflowException) || !(e.getMessage().contains("run migrate"))) {
                            problems.add(where + ": not a workflow error saying what to run: " + e);
                        }
                    }
                    f.server.failRequests(0, 0, 0, false);
                    String p = secretsProblem(f);
                    if (p != null && !(signingKey == Migrate.SigningKey.NEW && rotationUnderWay(f, old))) {
                        problems.add(where + ": after the failure: " + p);
                    }
                    if (f.server.liveVersions().contains(old) && !expected.equals(f.storedKeys(old))) problems.add(where + ": old version changed");
                    if (failed) {
                        // What the user does next: resume if a migration is recorded, else start again; elsewhere.
                        boolean recorded = Migrate.recorded(f.account()).map(r -> !r.finished()).orElse(false);
                        Migrate.Result r = Migrate.run(f.account(), options(caseDir.resolve("elsewhere.json"), recorded, signingKey), l -> {});
                        // nothing to do: the failed run had finished after all (only its last answer was lost)
                        if (!r.verified() && !r.nothingToDo()) problems.add(where + ": retry not verified: " + r.note());
                    }
                    p = secretsProblem(f);
                    if (p != null) problems.add(where + ": at the end: " + p);
                    String current = f.store.currentVersion().orElseThrow().string("version");
                    if (current.equals(old)) problems.add(where + ": no new version");
                    else if (!expected.equals(f.storedKeys(current))) problems.add(where + ": new version content differs");
                    if (f.server.liveVersions().contains(old)) problems.add(where + ": old version not deleted");
                    if (!Migrate.recorded(f.account()).orElseThrow().finished()) problems.add(where + ": record not finished");
                } catch (Exception | AssertionError e) {
                    problems.add(where + ": " + e);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    // ---- enable ----

    @Test
    void enable_failureAtEveryRequest_secretsMatchCurrentVersionAndRetryCompletes() throws Exception {
        List<String> requests;
        try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir.resolve("count"))) {
            int before = f.server.requestCount();
            Enable.run(f.account(), FieldNames.UNSTABLE);
            requests = f.server.requests().subList(before, f.server.requestCount());
        }
        int n = requests.size();
        assertTrue(n >= 5, "requests: " + n);
        List<String> problems = new ArrayList<>();
        int c = 0;
        for (int i = 1; i <= n; i++) {
            for (Failure failure : READS_FAIL.at(requests.get(i - 1))) {
                String where = "request " + i + " of " + n + " (" + requests.get(i - 1) + "), " + failure;
                try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir.resolve("e" + (++c)))) {
                    f.server.failRequests(i, failure.count, failure.status, failure.lostReply);
                    boolean failed = false;
                    boolean replace = false;
                    try {
                        Enable.run(f.account(), FieldNames.UNSTABLE);
                    } catch (WorkflowException | StoreException e) {
                        failed = true;
                        replace = e.getMessage().contains("run enable --replace-backup-secrets"); // as the message says
                    }
                    f.server.failRequests(0, 0, 0, false);
                    String p = secretsProblem(f);
                    if (p != null) problems.add(where + ": after the failure: " + p);
                    if (failed && f.store.currentVersion().isEmpty()) Enable.run(f.account(), FieldNames.UNSTABLE, replace);
                    if (f.store.currentVersion().isEmpty()) problems.add(where + ": no backup at the end");
                    p = secretsProblem(f);
                    if (p != null) problems.add(where + ": at the end: " + p);
                    // the backup works: a key uploaded now comes back
                    List<ExportedSession> one = sessions(1, 1, 7);
                    Upload.run(f.account(), one, Upload.Options.of(KeySource.OLM).withThreads(1).with(SMALL_BATCHES));
                    if (!expectedKeys(one).equals(f.storedKeys(f.store.currentVersion().orElseThrow().string("version")))) {
                        problems.add(where + ": the backup does not hold the uploaded key");
                    }
                } catch (Exception | AssertionError e) {
                    problems.add(where + ": " + e);
                }
            }
        }
        assertEquals(List.of(), problems);
    }
}
