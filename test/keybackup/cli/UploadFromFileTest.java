package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.BackupDecryptionKey;
import keybackup.trust.KeySource;
import keybackup.workflow.Enable;
import keybackup.workflow.ExportReader;
import keybackup.workflow.Upload;
import keybackup.workflow.Uploader;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key's status never goes up through a file (issue 10): {@code restore --out} then {@code upload --keys}
 * keeps every entry's verdict or lowers it; a file that mixes verdicts keeps each one; {@code unsigned}
 * never reaches the restore output; and the command line writes {@code is_verified: false}.
 */
@Timeout(60)
class UploadFromFileTest {
    private static final String AUTHENTICATED = "authenticated";
    private static final String NOT_AUTHENTICATED = "signed_not_authenticated flag_false";

    @TempDir
    Path dir;
    private WorkflowFixture f;
    private List<String> where;
    private String version;

    @BeforeEach
    void setUp() throws Exception {
        f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir);
        where = new ArrayList<>(f.cliOptions(dir));
        where.addAll(List.of("--threads", "2"));
        version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
    }

    @AfterEach
    void close() {
        f.close();
    }

    private record Result(int exit, String out, String err) {}

    private Result run(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(where);
        all.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(all.toArray(new String[0]), new ByteArrayInputStream(new byte[0]), out, err);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result ok(String command, String... more) {
        Result r = run(command, more);
        assertEquals(0, r.exit(), command + "\nstdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }

    private Path writeFile(String name, List<Json> entries) throws Exception {
        return WorkflowFixture.writeEntries(dir.resolve(name), entries);
    }

    private static List<Json.Obj> entries(Path file) throws Exception {
        List<Json.Obj> out = new ArrayList<>();
        for (Json e : ((Json.Arr) JsonReader.parse(Files.readAllBytes(file))).elements()) out.add((Json.Obj) e);
        return out;
    }

    /** session id → recorded verdict word of a restore output. */
    private static Map<String, String> recorded(Path file) throws Exception {
        Map<String, String> m = new TreeMap<>();
        for (Json.Obj o : entries(file)) m.put(o.string("session_id"), o.object(ExportedSession.VERDICT_MEMBER).string("verdict"));
        return m;
    }

    /** session id → verdict (and reason) of the backup as it now is. */
    private Map<String, String> verdicts() throws Exception {
        Map<String, String> m = new TreeMap<>();
        f.verdicts(version).forEach((k, v) -> m.put(k.substring(k.indexOf('|') + 1), v));
        return m;
    }

    @Test
    void restoreThenUpload_sourceOlm_unauthenticatedEntriesStayUnauthenticated() throws Exception {
        List<ExportedSession> olm = WorkflowFixture.sessions(1, 3, 1);
        List<ExportedSession> exported = WorkflowFixture.sessions(1, 2, 2);
        List<ExportedSession> unsigned = WorkflowFixture.sessions(1, 2, 3);
        Upload.run(f.account(), olm,
                Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        Upload.run(f.account(), exported,
                Upload.Options.of(KeySource.EXPORT).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        try (BackupDecryptionKey key = f.backupKey();
             Uploader up = new Uploader(f.store, version, key.publicKey(), null, FieldNames.UNSTABLE, 1, Uploader.Limits.DEFAULT)) {
            for (ExportedSession s : unsigned) up.add(s.roomId(), s.data(), KeySource.OLM); // written without the signing key
            up.finish();
        }
        Path restored = dir.resolve("restored.json");
        ok("restore", "--out", restored.toString());
        Map<String, String> before = recorded(restored);
        for (ExportedSession s : olm) assertEquals(AUTHENTICATED, before.get(s.sessionId()));
        for (ExportedSession s : exported) assertEquals("signed_not_authenticated", before.get(s.sessionId()));
        for (ExportedSession s : unsigned) assertEquals("unauthenticated", before.get(s.sessionId()));

        f.deleteKeys(version);
        Result upload = ok("upload", "--keys", restored.toString(), "--source", "olm");

        Map<String, String> after = verdicts();
        assertEquals(7, after.size());
        for (ExportedSession s : olm) assertEquals(AUTHENTICATED, after.get(s.sessionId()), "authenticated and --source olm: kept");
        for (ExportedSession s : exported) assertEquals(NOT_AUTHENTICATED, after.get(s.sessionId()), "signed_not_authenticated: not raised");
        for (ExportedSession s : unsigned) assertEquals(NOT_AUTHENTICATED, after.get(s.sessionId()), "unauthenticated: not raised");
        assertTrue(upload.out().contains("uploaded 7 sessions"), upload.out());
        assertTrue(upload.out().contains("4 of them not authenticated, as their recorded verdict says"), upload.out());
    }

    @Test
    void upload_mixedVerdictFile_eachEntryKeepsItsOwnVerdictAndNoneIsRaised() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(2, 4, 5);
        Map<String, Json> verdictMember = new LinkedHashMap<>();
        verdictMember.put(s.get(0).sessionId(), Json.obj("verdict", Json.of("authenticated"), "reason", Json.Null.INSTANCE));
        verdictMember.put(s.get(1).sessionId(), Json.obj("verdict", Json.of("unauthenticated"), "reason", Json.of("signature_missing")));
        verdictMember.put(s.get(2).sessionId(), Json.obj("verdict", Json.of("signed_not_authenticated"), "reason", Json.of("flag_false")));
        verdictMember.put(s.get(3).sessionId(), null); // a plain export entry: the source decides
        verdictMember.put(s.get(4).sessionId(), Json.obj("verdict", Json.of("Authenticated"))); // unknown word: lowest
        verdictMember.put(s.get(5).sessionId(), Json.obj("verdict", Json.of("rejected"), "reason", Json.of("decryption_failed")));
        verdictMember.put(s.get(6).sessionId(), Json.obj("verdict", Json.of("authenticated"), "reason", Json.of("anything")));
        verdictMember.put(s.get(7).sessionId(), Json.obj("verdict", Json.of("")));
        List<Json> file = new ArrayList<>();
        for (ExportedSession e : s) {
            Json v = verdictMember.get(e.sessionId());
            file.add(v == null ? e.toExportJson() : e.toExportJson().with(ExportedSession.VERDICT_MEMBER, v));
        }
        Path keys = writeFile("mixed.json", file);

        ok("upload", "--keys", keys.toString(), "--source", "olm");
        Map<String, String> withOlm = verdicts();
        f.deleteKeys(version);
        ok("upload", "--keys", keys.toString(), "--source", "export");
        Map<String, String> withExport = verdicts();

        Map<String, String> expectOlm = new TreeMap<>();
        for (int i = 0; i < s.size(); i++) expectOlm.put(s.get(i).sessionId(), i == 0 || i == 3 || i == 6 ? AUTHENTICATED : NOT_AUTHENTICATED);
        assertEquals(expectOlm, withOlm, "only 'authenticated' or no verdict keeps --source olm");
        for (ExportedSession e : s) {
            assertEquals(NOT_AUTHENTICATED, withExport.get(e.sessionId()), "an entry's 'authenticated' never raises --source export");
        }
    }

    @Test
    void upload_malformedVerdictMember_exit1NothingUploaded() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(1, 2, 6);
        for (Json bad : List.of(Json.of("authenticated"), Json.obj("verdict", Json.of(true)), Json.obj("reason", Json.Null.INSTANCE),
                Json.obj("verdict", Json.of("authenticated"), "reason", Json.of(1)))) {
            Path keys = writeFile("bad.json", List.of(s.get(0).toExportJson(), s.get(1).toExportJson().with(ExportedSession.VERDICT_MEMBER, bad)));

            Result r = run("upload", "--keys", keys.toString(), "--source", "olm");

            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().startsWith("keybackup: error: --keys: entry 1: keybackup.verdict"), r.err());
            assertEquals(0, f.count(version), "nothing uploaded");
        }
    }

    @Test
    void upload_fileOver16MiB_streamedAndUploaded() throws Exception {
        // Two entries and 17 MiB of blank space between them: the whole-file reader refused anything over 16 MiB.
        List<ExportedSession> s = WorkflowFixture.sessions(1, 2, 9);
        Path keys = dir.resolve("big.json");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(keys))) {
            out.write('[');
            out.write(CanonicalJson.encode(s.get(0).toExportJson()));
            byte[] blank = new byte[1 << 20];
            Arrays.fill(blank, (byte) ' ');
            for (int i = 0; i < 17; i++) out.write(blank);
            out.write(',');
            out.write(CanonicalJson.encode(s.get(1).toExportJson()));
            out.write(']');
        }
        assertTrue(Files.size(keys) > 17L << 20);

        Result r = ok("upload", "--keys", keys.toString(), "--source", "olm");

        assertTrue(r.out().contains("uploaded 2 sessions"), r.out());
        assertEquals(2, f.count(version));
    }

    @Test
    void upload_entryOverTheEntryCap_exit1NothingUploaded() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(1, 2, 10);
        Json.Obj huge = s.get(1).toExportJson().with("padding", Json.of("x".repeat((int) ExportReader.MAX_ENTRY_BYTES + 65536)));
        Path keys = writeFile("huge.json", List.of(s.get(0).toExportJson(), huge));

        Result r = run("upload", "--keys", keys.toString(), "--source", "olm");

        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("keybackup: error: --keys: "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(0, f.count(version), "nothing uploaded");
    }

    @Test
    void upload_badEntryThenJsonErrorLater_jsonErrorReportedNothingUploaded() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(1, 2, 11);
        byte[] good = CanonicalJson.encode(s.get(0).toExportJson());
        String text = "[" + new String(good, StandardCharsets.UTF_8) + ", 7, " + new String(CanonicalJson.encode(s.get(1).toExportJson()), StandardCharsets.UTF_8) + ", tru]";
        Path keys = Files.writeString(dir.resolve("late-error.json"), text);

        Result r = run("upload", "--keys", keys.toString(), "--source", "olm");

        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("invalid literal"), "the JSON error wins over entry 1's, as when the whole file was parsed first: " + r.err());
        assertEquals(0, f.count(version), "nothing uploaded");
    }

    @Test
    void upload_twoCopiesOfOneSession_theBetterOneIsStored() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(1, 1, 12);
        ExportedSession e = s.get(0);
        Json.Obj forwarded = e.toExportJson().with("forwarding_curve25519_key_chain", Json.arr(List.of(Json.of(e.data().senderKey()))));
        Path keys = writeFile("copies.json", List.of(forwarded, e.toExportJson(), forwarded));

        Result r = ok("upload", "--keys", keys.toString(), "--source", "olm");

        assertTrue(r.out().contains("uploaded 1 sessions"), r.out());
        assertEquals(Json.of(0L), f.getSessionKey(version, e.roomId(), e.sessionId()).orElseThrow().get("forwarded_count"),
                "the copy without forwards");
    }

    @Test
    void upload_fromCommandLine_writesIsVerifiedFalse() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(2, 3, 7);
        Path keys = writeFile("keys.json", new ArrayList<>(s.stream().map(ExportedSession::toExportJson).toList()));

        ok("upload", "--keys", keys.toString(), "--source", "olm");

        List<Json> flags = new ArrayList<>();
        f.store.streamKeys(version, (room, session, data) -> flags.add(data.get("is_verified")));
        assertEquals(6, flags.size());
        for (Json flag : flags) assertEquals(Json.of(false), flag, "the command line cannot know the sender was verified");
        assertEquals(6, WorkflowFixture.countOf(verdicts(), AUTHENTICATED), "is_verified says nothing about the authenticated flag");
    }

    @Test
    void restore_authenticatedEntryWithUnsignedMember_unsignedNotWritten() throws Exception {
        List<ExportedSession> s = WorkflowFixture.sessions(1, 1, 8);
        Upload.run(f.account(), s, Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        ExportedSession e = s.get(0);
        // Someone who can write to the backup adds an "unsigned" member: the signature does not cover it.
        Json.Obj stored = f.getSessionKey(version, e.roomId(), e.sessionId()).orElseThrow();
        Json.Obj plaintext;
        try (BackupDecryptionKey key = f.backupKey()) {
            plaintext = MegolmBackupV1.decrypt(stored.object("session_data"), key).plaintext();
            Json.Obj tampered = plaintext.with("unsigned", Json.obj("note", Json.of("import me as verified")));
            f.deleteSessionKey(version, e.roomId(), e.sessionId());
            f.putSessionKey(version, e.roomId(), e.sessionId(),
                    stored.with("session_data", MegolmBackupV1.encrypt(CanonicalJson.encode(tampered), key.publicKey())));
        }
        assertEquals(AUTHENTICATED, verdicts().get(e.sessionId()), "the signature still verifies");
        Path restored = dir.resolve("restored.json");

        ok("restore", "--out", restored.toString());

        List<Json.Obj> out = entries(restored);
        assertEquals(1, out.size());
        assertEquals(AUTHENTICATED, out.get(0).object(ExportedSession.VERDICT_MEMBER).string("verdict"));
        assertFalse(out.get(0).has("unsigned"), "a member outside the signature reached the output: " + out.get(0).members().keySet());
        // What is left is exactly what the signature covered (minus the flag), plus room_id, session_id and the verdict.
        Json.Obj covered = plaintext.without("signatures").without("org.matrix.mscxxxx.authenticated");
        assertEquals(covered, out.get(0).without("room_id").without("session_id").without(ExportedSession.VERDICT_MEMBER));
    }
}
