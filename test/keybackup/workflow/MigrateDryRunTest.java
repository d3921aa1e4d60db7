package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.Backend.HOMESERVER;
import static keybackup.workflow.WorkflowFixture.Backend.LOCAL;
import static keybackup.workflow.WorkflowFixture.SMALL_BATCHES;
import static keybackup.workflow.WorkflowFixture.sessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.trust.AuthDataTrust;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migrate --dry-run} ({@link Migrate#plan}) writes nothing and says what a run would do; a run on a
 * signed, trusted backup whose signing key Secret Storage holds does nothing, unless a new signing key is
 * asked for. "Writes nothing" is checked twice: on the test homeserver, no request but reads; on the local
 * store, every file byte for byte the same.
 */
@Timeout(60)
class MigrateDryRunTest {
    @TempDir
    Path dir;
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    /** Opens the fixture with a signed, trusted backup of 8 sessions, 6 of them authenticated; returns its version. */
    private String openSignedTrusted(WorkflowFixture.Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        return f.signedVersion(sessions(2, 3, 1), sessions(1, 2, 2));
    }

    /** Opens the fixture with an unsigned backup of {@code sessions}; returns its version. */
    private String openUnsigned(WorkflowFixture.Backend backend, List<ExportedSession> sessions) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        return f.unsignedVersion(sessions);
    }

    private Path checkpointFile() {
        return dir.resolve("checkpoint.json");
    }

    private Migrate.Options options(Migrate.Start start, Migrate.OldVersion old, Migrate.SigningKey key) {
        return new Migrate.Options(null, checkpointFile(), start, old, key, 2, FieldNames.UNSTABLE, SMALL_BATCHES);
    }

    private Migrate.Options options(Migrate.OldVersion old, Migrate.SigningKey key) {
        return options(Migrate.Start.NEW, old, key);
    }

    private Migrate.Result run(Migrate.Options o) throws WorkflowException {
        return Migrate.run(f.account(), o, l -> { });
    }

    private MigrationPlan plan(Migrate.Options o) throws WorkflowException {
        return Migrate.plan(f.account(), o, (what, total) -> null);
    }

    /** The checkpoint file as read, which must be a JSON object. */
    private Json.Obj checkpoint() throws Exception {
        return (Json.Obj) JsonReader.parse(Files.readAllBytes(checkpointFile()));
    }

    /** Requests since {@code from} that change something on the server (all but GET and the keys query). */
    private List<String> writesSince(int from) {
        return f.server.requests().subList(from, f.server.requestCount()).stream()
                .filter(r -> !r.startsWith("GET ") && !r.startsWith("POST /_matrix/client/v3/keys/query")).toList();
    }

    /** Every file under the local store: path → content. */
    private Map<String, String> storeFiles() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), HexFormat.of().formatHex(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    @Test
    void run_signedTrustedBackup_nothingToDoAndNothingWritten() throws Exception {
        String v = openSignedTrusted(HOMESERVER);
        int from = f.server.requestCount();

        Migrate.Result r = run(options(Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD));

        assertTrue(r.nothingToDo());
        assertEquals(v, r.oldVersion());
        assertNull(r.newVersion());
        assertFalse(r.oldDeleted());
        assertTrue(r.note().contains("signed and trusted (via ") && r.note().contains("master_key")
                && r.note().contains("this_device"), r.note()); // the order follows the signatures found
        assertEquals(List.of(), writesSince(from));
        assertEquals(List.of(v), f.server.liveVersions());
        assertFalse(Files.exists(checkpointFile()));
        assertTrue(Migrate.recorded(f.account()).isEmpty());
    }

    @Test
    void run_signedTrustedBackup_rotate_newVersionWithNewSigningKey() throws Exception {
        String v = openSignedTrusted(LOCAL);
        String oldKey = f.store.version(v).object("auth_data").string(FieldNames.UNSTABLE.signingPublicKey());
        Map<String, String> verdicts = f.verdicts(v);

        Migrate.Result r = run(options(Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.NEW));

        assertFalse(r.nothingToDo());
        assertTrue(r.verified(), r.note());
        assertTrue(r.oldDeleted());
        String newKey = f.secrets.backupSigningKey().orElseThrow().publicKey().toBase64();
        assertNotEquals(oldKey, newKey);
        Json.Obj info = f.store.currentVersion().orElseThrow();
        assertEquals(r.newVersion(), info.string("version"));
        assertEquals(verdicts, f.verdicts(r.newVersion()), "every verdict carried over");
        assertEquals(null, FailurePointTest.secretsProblem(f));
    }

    @Test
    void plan_unsignedBackup_saysWhatWouldHappen_writesNothing_runAgrees() throws Exception {
        String old = openUnsigned(HOMESERVER, sessions(2, 3, 5));
        int from = f.server.requestCount();

        MigrationPlan p = plan(options(Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD));

        assertEquals(List.of(), writesSince(from));
        assertEquals(List.of(old), f.server.liveVersions());
        assertFalse(Files.exists(checkpointFile()));
        assertTrue(f.secrets.backupSigningKey().isEmpty(), "no signing key stored");
        assertEquals(MigrationPlan.Action.MIGRATE, p.action());
        assertEquals(old, p.oldVersion());
        assertEquals(6, p.oldSessions());
        assertEquals(0, p.oldRejected());
        assertEquals(0, p.authenticated(), "an unsigned backup vouches for nothing");
        assertEquals(MigrationPlan.KeyChoice.NEW, p.signingKey());
        assertEquals(List.of(AuthDataTrust.Via.MASTER_KEY, AuthDataTrust.Via.THIS_DEVICE), p.signers());
        assertTrue(p.deletesOld());
        assertTrue(p.why().contains("not signed and trusted"), p.why());

        Migrate.Result r = run(options(Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD));
        assertEquals(p.oldSessions(), r.oldSessions());
        assertEquals(p.deletesOld(), r.oldDeleted());
    }

    @Test
    void plan_signedTrustedBackup_nothingToDo_countsAndStoreUnchanged() throws Exception {
        openSignedTrusted(LOCAL);
        Map<String, String> before = storeFiles();

        MigrationPlan p = plan(options(Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD));

        assertEquals(before, storeFiles());
        assertEquals(MigrationPlan.Action.NOTHING_TO_DO, p.action());
        assertEquals(8, p.oldSessions());
        assertEquals(6, p.authenticated());
        assertFalse(p.deletesOld());

        MigrationPlan rotate = plan(options(Migrate.OldVersion.KEEP, Migrate.SigningKey.NEW));
        assertEquals(before, storeFiles());
        assertEquals(MigrationPlan.Action.MIGRATE, rotate.action());
        assertEquals(MigrationPlan.KeyChoice.NEW, rotate.signingKey());
        assertTrue(rotate.why().startsWith("a new signing key was asked for"), rotate.why());
    }

    @Test
    void plan_checkpointExists_refusedAsTheRunWouldBe() throws Exception {
        openUnsigned(LOCAL, sessions(1, 2, 1));
        Files.writeString(checkpointFile(), "{}");

        WorkflowException e = assertThrows(WorkflowException.class,
                () -> plan(options(Migrate.OldVersion.KEEP, Migrate.SigningKey.KEEP_WHEN_HELD)));

        assertTrue(e.getMessage().startsWith("a migration checkpoint exists"), e.getMessage());
    }

    @Test
    void plan_resume_describesTheRecordedMigration_writesNothing() throws Exception {
        String old = openUnsigned(HOMESERVER, sessions(2, 10, 3));
        f.server.crashAfterKeyPuts(f.server.keyPuts() + 2);
        Migrate.Options start = options(Migrate.OldVersion.DELETE_AFTER_CHECK, Migrate.SigningKey.KEEP_WHEN_HELD);
        assertThrows(WorkflowException.class, () -> run(start));
        f.server.crashAfterKeyPuts(-1);
        String newVersion = f.server.liveVersions().get(1);
        Json.Obj checkpoint = checkpoint();
        int from = f.server.requestCount();
        Migrate.Options resume = options(Migrate.Start.RESUME, Migrate.OldVersion.DELETE_AFTER_CHECK,
                Migrate.SigningKey.KEEP_WHEN_HELD);

        MigrationPlan p = plan(resume);

        assertEquals(List.of(), writesSince(from));
        assertEquals(checkpoint, checkpoint(), "checkpoint unchanged");
        assertEquals(MigrationPlan.Action.RESUME, p.action());
        assertEquals(old, p.oldVersion());
        assertEquals(newVersion, p.newVersion());
        assertEquals(MigrationRecord.CREATED, p.phase());
        assertEquals(20, p.oldSessions());
        assertEquals(MigrationPlan.KeyChoice.RECORDED, p.signingKey());
        assertEquals(List.of(), p.signers(), "the version exists: nothing new is signed");
        assertTrue(p.deletesOld());

        Migrate.Result r = run(resume);
        assertEquals(newVersion, r.newVersion());
        assertTrue(r.oldDeleted());
    }

    @Test
    void record_rotate_writtenOnlyWhenSet_andReadBack() throws Exception {
        String key = Ed25519PrivateKey.generate().publicKey().toBase64();
        MigrationRecord plain = new MigrationRecord("1", "1", null, key, MigrationRecord.STARTED, 3, null, 0, 5, 0, 0,
                false);
        assertFalse(plain.toJson().has("rotate"), "records without rotation are written as before");
        MigrationRecord rotating = plain.withSigningKey(key, true);
        assertEquals(Json.of(true), rotating.toJson().get("rotate"));
        assertTrue(MigrationRecord.parse(rotating.toJson(), "test").rotate());
        assertFalse(MigrationRecord.parse(plain.toJson(), "test").rotate());
        assertThrows(WorkflowException.class, () -> MigrationRecord.parse(plain.toJson().with("rotate",
                Json.of("yes")), "test"));
    }

    /**
     * {@code create_refused} lets {@code --abandon} forget a rotation whose new version does not show, and makes its
     * note say that Secret Storage no longer holds the current version's signing key: the loader takes it only where
     * this code writes it, in a rotation's record without a new version (a version found later clears it).
     */
    @Test
    void record_createRefused_onlyInARotationWithoutANewVersion() throws Exception {
        String key = Ed25519PrivateKey.generate().publicKey().toBase64();
        MigrationRecord plain = new MigrationRecord("1", "1", null, key, MigrationRecord.STARTED, 3, null, 0, 5, 0, 0,
                false);
        MigrationRecord refused = plain.withSigningKey(key, true).withCreateRefused(true);
        assertEquals(Json.of(true), refused.toJson().get("create_refused"));
        assertTrue(MigrationRecord.parse(refused.toJson(), "test").createRefused());
        assertFalse(plain.toJson().has("create_refused"), "written only when set");

        MigrationRecord found = refused.withTarget("2");
        assertFalse(found.createRefused(), "the new version exists: the refusal no longer matters");
        assertEquals(found, MigrationRecord.parse(found.toJson(), "test"));

        for (Json.Obj bad : List.of(plain.toJson().with("create_refused", Json.of(true)),
                refused.toJson().with("to_version", Json.of("2")).with("phase", Json.of(MigrationRecord.CREATED)),
                refused.toJson().with("create_refused", Json.of("yes")))) {
            WorkflowException e = assertThrows(WorkflowException.class, () -> MigrationRecord.parse(bad, "test"));
            assertTrue(e.getMessage().startsWith("test: create_refused: "), e.getMessage());
        }
    }
}
