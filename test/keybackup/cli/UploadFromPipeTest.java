package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import keybackup.ChildProcess;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.workflow.Enable;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upload --keys <(command)}: a pipe named by a path ({@code /dev/fd/N}) can be read once only, and an
 * upload walks its input twice. It is read once, into the same encrypted temporary copy as {@code --keys -}
 * ({@link StdinSpool}), so no plaintext key reaches the disk; the copy is removed at the end.
 */
@Timeout(120)
class UploadFromPipeTest {
    private static final Path JAR = Path.of("build/keybackup.jar");

    @TempDir
    Path dir;

    @Test
    void uploadKeys_processSubstitution_plainExport_uploadsEveryKey() throws Exception {
        uploadThroughPipe(false);
    }

    @Test
    void uploadKeys_processSubstitution_encryptedExport_uploadsEveryKey() throws Exception {
        uploadThroughPipe(true);
    }

    private void uploadThroughPipe(boolean encrypt) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run `make test` (it builds " + JAR + " first)");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no bash for a process substitution");
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
            List<String> where = f.cliOptions(dir);
            List<ExportedSession> sessions = WorkflowFixture.sessions(2, 3, 7);
            Path input = dir.resolve(encrypt ? "export.txt" : "export.json");
            if (encrypt) {
                try (OutputStream out = EncryptedKeyExport.encryptingStream(new BufferedOutputStream(Files
                        .newOutputStream(input)), "pipe passphrase".toCharArray(), EncryptedKeyExport.MIN_ROUNDS)) {
                    out.write(Files.readAllBytes(WorkflowFixture.writeExport(dir.resolve("plain.json"), sessions)));
                }
                Files.delete(dir.resolve("plain.json"));
            } else {
                WorkflowFixture.writeExport(input, sessions);
            }
            Path pass = Files.writeString(dir.resolve("pass.txt"), "pipe passphrase\n");
            Path tmp = Files.createDirectory(dir.resolve("tmp"));

            // bash -c 'exec java ... --keys <(cat "$1")' java-path input: the child reads a /dev/fd pipe
            List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c",
                    "exec \"$0\" -Djava.io.tmpdir=\"$2\" -p \"$3\" -m keybackup upload --keys <(cat \"$1\") \"${@:4}\"",
                    ChildProcess.java(), input.toString(), tmp.toString(), JAR.toString()));
            cmd.addAll(where);
            cmd.addAll(List.of("--source", "olm", "--threads", "1", "--quiet"));
            if (encrypt) cmd.addAll(List.of("--export-passphrase-file", pass.toString()));
            ChildProcess.Result r = ChildProcess.run(ChildProcess.builder(cmd), new byte[0], 90);
            String out = new String(r.out(), StandardCharsets.UTF_8);
            assertEquals(0, r.code(), out + r.err());
            assertTrue(out.startsWith("uploaded 6 sessions to version " + version), out);

            Set<String> expected = new TreeSet<>();
            for (ExportedSession s : sessions) expected.add(s.roomId() + "|" + s.sessionId());
            Set<String> stored = new TreeSet<>();
            f.store.streamKeys(version, (room, session, data) -> stored.add(room + "|" + session));
            assertEquals(expected, stored);
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "the temporary copy of the pipe is removed");
            }
        }
    }

    /** A directory given as --keys is an error that names it, not an attempt to read it as a pipe. */
    @Test
    void uploadKeys_directory_isAClearError() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<String> args = new ArrayList<>(List.of("upload"));
            args.addAll(f.cliOptions(dir));
            args.addAll(List.of("--keys", dir.toString(), "--source", "olm"));
            CliRun.Result r = CliRun.run(new byte[0], args.toArray(new String[0]));
            assertEquals(1, r.code(), r.err());
            assertEquals("keybackup: error: --keys: " + dir + ": a directory, not a file\n", r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }
}
