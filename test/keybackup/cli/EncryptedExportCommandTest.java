package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.trust.KeySource;
import keybackup.workflow.Enable;
import keybackup.workflow.Upload;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Element's encrypted key export on the command line (issue 12): {@code restore --encrypt} writes it,
 * {@code upload --keys} reads it (also a file made by matrix-rust-sdk), the passphrase comes from a file
 * and never from argv, and a wrong passphrase uploads nothing.
 */
@Timeout(120)
class EncryptedExportCommandTest {
    @TempDir
    Path dir;
    private WorkflowFixture f;
    private List<String> where;
    private String version;
    private Path passFile;

    @BeforeEach
    void setUp() throws Exception {
        f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir);
        where = new ArrayList<>(f.cliOptions(dir));
        where.addAll(List.of("--threads", "2"));
        version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
        passFile = Files.writeString(dir.resolve("export-pass.txt"), "pässwörd ✓\n", StandardCharsets.UTF_8);
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

    /** As {@link #run} with {@code stdin} on standard input. */
    private Result runWithStdin(byte[] stdin, List<String> options, String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(options);
        all.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(all.toArray(new String[0]), new ByteArrayInputStream(stdin), out, err);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result ok(String command, String... more) {
        Result r = run(command, more);
        assertEquals(0, r.exit(), command + "\nstdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }

    private Set<String> sessionIdsInBackup() throws Exception {
        Set<String> ids = new TreeSet<>();
        f.store.streamKeys(version, (room, session, data) -> ids.add(session));
        return ids;
    }

    @Test
    void restoreEncrypt_thenUploadKeys_roundTripsThroughElementsFormat() throws Exception {
        List<ExportedSession> sessions = WorkflowFixture.sessions(2, 3, 11);
        Upload.run(f.account(), sessions,
                Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        Set<String> before = sessionIdsInBackup();
        assertEquals(6, before.size());
        Path out = dir.resolve("element-keys.txt");

        Result r = ok("restore", "--out", out.toString(), "--encrypt", "--export-passphrase-file", passFile.toString(),
                "--export-rounds", String.valueOf(EncryptedKeyExport.MIN_ROUNDS));

        assertTrue(r.out().contains("(encrypted, 100000 rounds)"), r.out());
        byte[] file = Files.readAllBytes(out);
        assertTrue(new String(file, StandardCharsets.US_ASCII).startsWith(EncryptedKeyExport.HEADER + "\n"));
        assertFalse(new String(file, StandardCharsets.US_ASCII).contains("session_key"), "no plaintext in the file");
        Json.Arr decrypted = (Json.Arr) JsonReader.parse(EncryptedKeyExport.decrypt(file, "pässwörd ✓".toCharArray()));
        assertEquals(6, decrypted.elements().size());

        f.deleteKeys(version);
        Result up = ok("upload", "--keys", out.toString(), "--export-passphrase-file", passFile.toString(), "--source", "olm");
        assertTrue(up.out().contains("uploaded 6 sessions"), up.out());
        assertEquals(before, sessionIdsInBackup());
    }

    @Test
    void restoreToStdout_storeFailsMidway_outputIsVisiblyIncomplete() throws Exception {
        Upload.run(f.account(), WorkflowFixture.sessions(2, 3, 11),
                Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        List<Path> keyFiles;
        try (Stream<Path> walk = Files.walk(dir.resolve("store").resolve("versions").resolve(version))) {
            keyFiles = walk.filter(p -> p.getFileName().toString().endsWith(".json") && p.getParent().getParent()
                    .getFileName().toString().equals("keys")).sorted().toList();
        }
        assertEquals(6, keyFiles.size(), "one file per key");
        Files.writeString(keyFiles.get(keyFiles.size() - 1), "{\"truncated\": ");

        Result plain = run("restore", "--out", "-");
        assertEquals(1, plain.exit(), plain.err());
        assertFalse(plain.out().strip().endsWith("]"), "a failed restore must not close the JSON array: " + plain.out());

        Result encrypted = run("restore", "--out", "-", "--encrypt", "--export-passphrase-file", passFile.toString(),
                "--export-rounds", String.valueOf(EncryptedKeyExport.MIN_ROUNDS));
        assertEquals(1, encrypted.exit(), encrypted.err());
        assertTrue(encrypted.out().startsWith(EncryptedKeyExport.HEADER), encrypted.out());
        assertFalse(encrypted.out().contains("-----END"), "no footer (and no MAC) after a failure: " + encrypted.out());
    }

    /**
     * The export passphrase is read before {@code OUT.partial} exists, so a Ctrl-C at the prompt leaves no
     * partial file the next run would refuse: the passphrase file is a named pipe, which the test opens for
     * writing, and that open returns only once the restore opened it to read the passphrase.
     */
    @Test
    void restoreEncrypt_noPartialFileWhileThePassphraseIsRead_andAFailedOneLeavesNone() throws Exception {
        Upload.run(f.account(), WorkflowFixture.sessions(1, 2, 7),
                Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        Path out = dir.resolve("element-keys.txt");
        Path partial = PartialFile.partialName(out);
        String rounds = String.valueOf(EncryptedKeyExport.MIN_ROUNDS);

        Path empty = Files.writeString(dir.resolve("empty-pass.txt"), "\n");
        Result failed = run("restore", "--out", out.toString(), "--encrypt", "--export-passphrase-file",
                empty.toString(), "--export-rounds", rounds);
        assertEquals(1, failed.exit(), failed.err());
        assertTrue(failed.err().contains("--export-passphrase-file: the first line is empty"), failed.err());
        assertFalse(Files.exists(partial), "a failed passphrase leaves no partial file");

        Path fifo = dir.resolve("pass.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(mkfifo.waitFor() == 0, "no mkfifo here");
        CompletableFuture<Result> restore = CompletableFuture.supplyAsync(() -> run("restore", "--out",
                out.toString(), "--encrypt", "--export-passphrase-file", fifo.toString(), "--export-rounds", rounds));
        try (OutputStream pass = Files.newOutputStream(fifo)) { // returns once the restore reads the passphrase
            assertFalse(Files.exists(partial), "the partial file exists while the passphrase is asked for");
            pass.write("pässwörd ✓\n".getBytes(StandardCharsets.UTF_8));
        }
        Result r = restore.get(60, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("restored 2 of 2 keys"), r.out());
        assertFalse(Files.exists(partial));
        assertEquals(2, ((Json.Arr) JsonReader.parse(EncryptedKeyExport.decrypt(Files.readAllBytes(out),
                "pässwörd ✓".toCharArray()))).elements().size());
    }

    @Test
    void restoreEncrypt_leftoverPartialFile_reportedBeforeThePassphraseIsAskedFor() throws Exception {
        Path out = dir.resolve("element-keys.txt");
        Path partial = Files.writeString(PartialFile.partialName(out), "[");
        Result r = run("restore", "--out", out.toString(), "--encrypt", "--export-passphrase-file",
                dir.resolve("no-such-passphrase-file").toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("keybackup: error: --out: " + partial + " is left over from an interrupted restore; it holds "
                + "plaintext keys: delete it (or move it away) and run again\n", r.err());
        assertEquals("[", Files.readString(partial), "what was found is not ours to touch");
    }

    /**
     * {@code --export-passphrase-file -} reads the passphrase from standard input, as {@code --keys -} and
     * {@code --recovery-key-file -} read theirs: not a file named "-".
     */
    @Test
    void exportPassphraseFileDash_readsStdin_forRestoreAndUpload() throws Exception {
        Upload.run(f.account(), WorkflowFixture.sessions(1, 2, 7),
                Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        Path out = dir.resolve("element-keys.txt");
        byte[] stdin = "pässwörd ✓\nnot part of it\n".getBytes(StandardCharsets.UTF_8);
        Result r = runWithStdin(stdin, where, "restore", "--out", out.toString(), "--encrypt",
                "--export-passphrase-file", "-", "--export-rounds", String.valueOf(EncryptedKeyExport.MIN_ROUNDS));
        assertEquals(0, r.exit(), r.err());
        assertEquals(2, ((Json.Arr) JsonReader.parse(EncryptedKeyExport.decrypt(Files.readAllBytes(out),
                "pässwörd ✓".toCharArray()))).elements().size());

        f.deleteKeys(version);
        Result up = runWithStdin(stdin, where, "upload", "--keys", out.toString(), "--export-passphrase-file", "-",
                "--source", "olm");
        assertEquals(0, up.exit(), up.err());
        assertTrue(up.out().contains("uploaded 2 sessions"), up.out());
    }

    /** Stdin serves one option: a second one naming it is a usage error before anything is asked or written. */
    @Test
    void exportPassphraseFileDash_withAnotherStdinOption_isUsageError() throws Exception {
        List<String> keyFromStdin = new ArrayList<>(where);
        keyFromStdin.set(keyFromStdin.indexOf("--recovery-key-file") + 1, "-");
        byte[] stdin = "pässwörd ✓\n".getBytes(StandardCharsets.UTF_8);
        Path out = dir.resolve("element-keys.txt");
        Result r = runWithStdin(stdin, keyFromStdin, "restore", "--out", out.toString(), "--encrypt",
                "--export-passphrase-file", "-");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("cannot both read stdin"), r.err());
        assertTrue(r.err().contains("--export-passphrase-file -"), r.err());
        assertFalse(Files.exists(out) || Files.exists(PartialFile.partialName(out)));

        Result up = runWithStdin(stdin, keyFromStdin, "upload", "--keys",
                "test/vectors/key-export/rust-sdk-key-export.txt", "--export-passphrase-file", "-", "--source", "export");
        assertEquals(2, up.exit(), up.err());
        assertTrue(up.err().contains("cannot both read stdin"), up.err());
        assertEquals(Set.of(), sessionIdsInBackup());
    }

    /** A passphrase on stdin has the cap of a passphrase file; more is refused, not read on. */
    @Test
    void exportPassphraseFileDash_overTheCap_isRefused() throws Exception {
        byte[] stdin = ("x".repeat(UserFiles.MAX_KEY_FILE + 1) + "\n").getBytes(StandardCharsets.UTF_8);
        Result r = runWithStdin(stdin, where, "upload", "--keys", "test/vectors/key-export/rust-sdk-key-export.txt",
                "--export-passphrase-file", "-", "--source", "export");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("--export-passphrase-file -: stdin is over the limit of " + UserFiles.MAX_KEY_FILE
                + " bytes"), r.err());
        assertEquals(Set.of(), sessionIdsInBackup());
    }

    @Test
    void upload_rustSdkEncryptedExport_isDecryptedAndUploaded() throws Exception {
        Path pass = Files.writeString(dir.resolve("p.txt"), "1234\n");
        Result r = ok("upload", "--keys", "test/vectors/key-export/rust-sdk-key-export.txt", "--export-passphrase-file", pass.toString(),
                "--source", "export");
        assertTrue(r.out().contains("uploaded 1 sessions"), r.out());
        assertEquals(Set.of("8sdNGgmLft8osylLK9ij3IotBLyQQufe/KngiW4Dpq0"), sessionIdsInBackup());
    }

    @Test
    void upload_wrongExportPassphrase_exit1NothingUploaded() throws Exception {
        Path pass = Files.writeString(dir.resolve("p.txt"), "12345\n");
        Result r = run("upload", "--keys", "test/vectors/key-export/rust-sdk-key-export.txt", "--export-passphrase-file", pass.toString(),
                "--source", "export");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("keybackup: error: --keys: encrypted key export: wrong passphrase"), r.err());
        assertEquals(Set.of(), sessionIdsInBackup());
    }

    @Test
    void upload_damagedHeader_isArmourErrorNotJson() throws Exception {
        Path keys = Files.writeString(dir.resolve("damaged.txt"), "-----BEGIN MEGOLM SESSION DAT-----\nAQ\n-----END MEGOLM SESSION DATA-----\n");
        Result r = run("upload", "--keys", keys.toString(), "--export-passphrase-file", passFile.toString(), "--source", "export");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("keybackup: error: --keys: encrypted key export: line 1: not a key export"), r.err());
    }

    @Test
    void upload_encryptedExportWithoutPassphraseOrTerminal_isUsageError() {
        Result r = run("upload", "--keys", "test/vectors/key-export/rust-sdk-key-export.txt", "--source", "export");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--export-passphrase-file"), r.err());
    }

    @Test
    void restore_passphraseFileWithoutEncrypt_isUsageErrorAndWritesNothing() {
        Path out = dir.resolve("plain.json");
        Result r = run("restore", "--out", out.toString(), "--export-passphrase-file", passFile.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("need --encrypt"), r.err());
        assertFalse(Files.exists(out));
    }

    /**
     * The armour is written a 72-byte line at a time: each line (and its newline) must not reach stdout or the
     * file as its own write, or an export of a million keys costs millions of system calls. The export's bytes
     * reach stdout in a few large writes.
     */
    @Test
    void restoreEncryptToStdout_armourLinesReachTheStreamInFewWrites() throws Exception {
        Upload.run(f.account(), WorkflowFixture.sessions(4, 10, 11),
                Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] writes = {0};
        OutputStream stdout = new OutputStream() {
            @Override
            public void write(int b) {
                writes[0]++;
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes[0]++;
                bytes.write(b, off, len);
            }
        };
        List<String> all = new ArrayList<>(List.of("restore"));
        all.addAll(where);
        all.addAll(List.of("--out", "-", "--encrypt", "--export-passphrase-file", passFile.toString(),
                "--export-rounds", String.valueOf(EncryptedKeyExport.MIN_ROUNDS)));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(all.toArray(new String[0]), new ByteArrayInputStream(new byte[0]), stdout, err);
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        long lines = bytes.toString(StandardCharsets.US_ASCII).lines().count();
        assertTrue(lines > 100, "lines: " + lines);
        assertEquals(40, ((Json.Arr) JsonReader.parse(EncryptedKeyExport.decrypt(bytes.toByteArray(),
                "pässwörd ✓".toCharArray()))).elements().size());
        assertTrue(writes[0] <= 4, writes[0] + " writes for " + lines + " lines");
    }
}
