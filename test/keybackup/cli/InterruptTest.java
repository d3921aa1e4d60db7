package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import keybackup.ChildProcess;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, "interruptions are safe and explained": the CLI runs as a child JVM against the test
 * homeserver, which holds the answer to the command's long request (the keys download of a restore, a key
 * upload) until the test is done. Once the server has that request (no timing guess), the test sends
 * SIGINT, as Ctrl-C does, or SIGKILL. The child must say what was done and the exact command to go on, exit
 * 130, and remove a restore's partial file; a partial file left by a killed restore is named as a leftover.
 */
@Timeout(120)
class InterruptTest {
    static final String KEYS_GET = "GET /_matrix/client/v3/room_keys/keys";
    static final String KEYS_PUT = "PUT /_matrix/client/v3/room_keys/keys";

    @TempDir
    Path dir;

    private WorkflowFixture f;
    private List<String> where;
    private Process child;

    @AfterEach
    void stop() {
        if (child != null) child.destroyForcibly();
        if (f != null) f.close();
    }

    /** A signed backup with 4 keys, made in this JVM before the server starts holding answers. */
    private void start() throws Exception {
        f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir);
        where = new ArrayList<>(f.cliOptions(dir));
        where.addAll(List.of("--threads", "2"));
        assertEquals(0, CliRun.run("", args("enable")).code());
        assertEquals(0, CliRun.run("", args("upload", "--keys", keysFile(2), "--source", "olm")).code());
    }

    private String keysFile(long seed) throws Exception {
        return WorkflowFixture.writeExport(dir.resolve("keys-" + seed + ".json"), WorkflowFixture.sessions(2, 2, seed))
                .toString();
    }

    private String[] args(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(where);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    /** The command line the child runs, as the report must print it (no argument here needs quoting). */
    private String commandLine(String command, String... more) {
        return "keybackup " + String.join(" ", args(command, more));
    }

    private record Exit(int code, String err) {}

    /** Sends {@code signal} (INT: Ctrl-C; KILL) to the child and waits for its end. */
    private Exit signal(String signal) throws Exception {
        CompletableFuture<byte[]> err =
                CompletableFuture.supplyAsync(() -> ChildProcess.readAll(child.getErrorStream()));
        CompletableFuture.runAsync(() -> ChildProcess.readAll(child.getInputStream()));
        assumeFalse(signal.equals("INT") && ignoresSigint(child.pid()), "the child ignores SIGINT, as every job "
                + "started in the background by a non-interactive shell does: Ctrl-C cannot be tested in this run");
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not end");
        return new Exit(child.exitValue(), new String(err.get(), StandardCharsets.UTF_8));
    }

    /**
     * Whether process {@code pid} ignores SIGINT (bit 2 of {@code SigIgn} in {@code /proc/PID/status}): a JVM
     * started with SIGINT ignored keeps it ignored, so Ctrl-C never reaches the command. False without /proc.
     */
    static boolean ignoresSigint(long pid) throws IOException {
        Path status = Path.of("/proc/" + pid + "/status");
        if (!Files.exists(status)) return false;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) return (Long.parseLong(line.substring(7).trim(), 16) & 2) != 0;
        }
        return false;
    }

    /**
     * Starts the CLI in a child JVM with an empty stdin, and waits until it sent the first request starting with
     * {@code held}: the server holds that very answer (headers, then nothing until the server closes).
     */
    private void startChildHeldAt(String held, String... args) throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        f.server.afterRequest(held, 1, () -> {
            f.server.stallNextBodies(1, 0);
            reached.countDown();
        });
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of("-cp", classes.toString(), Main.class.getName()));
        cmd.addAll(List.of(args));
        child = ChildProcess.java(cmd).start();
        child.getOutputStream().close();
        assertTrue(reached.await(60, TimeUnit.SECONDS), "the child never sent its request");
    }

    /** Ctrl-C while the server holds the child's answer to {@code held}: exit 130; returns what it said. */
    private String ctrlC(String held, String... args) throws Exception {
        startChildHeldAt(held, args);
        Exit e = signal("INT");
        assertEquals(130, e.code(), e.err());
        return e.err();
    }

    @Test
    void restore_ctrlC_partialFileRemovedAndCommandToGoOnPrinted() throws Exception {
        start();
        Path out = dir.resolve("restored.json");
        Path partial = dir.resolve("restored.json.partial");
        startChildHeldAt(KEYS_GET, args("restore", "--out", out.toString()));
        assertTrue(Files.exists(partial), "the restore writes its partial file while it downloads");

        // Meanwhile, a second restore to the same file is told that one is running, and touches nothing.
        CliRun.Result second = CliRun.run("", args("restore", "--out", out.toString()));
        assertEquals(1, second.code());
        assertEquals("keybackup: error: --out: another restore is writing " + partial
                + " now; wait for it to finish, or choose another --out\n", second.err());

        Exit e = signal("INT");

        assertEquals(130, e.code(), e.err());
        assertEquals("keybackup: interrupted: the restore of version 1 stopped after 0 keys were verified; its partial "
                + "file " + partial + " (plaintext keys) was removed; " + out + " was not written\n"
                + "keybackup: to go on, run the same command again: " + commandLine("restore", "--out", out.toString())
                + "\n", e.err());
        assertFalse(Files.exists(partial), "the partial file holds plaintext keys: it must be removed");
        assertFalse(Files.exists(out));
    }

    @Test
    void restore_killed_leftoverNamedAsSuchAndKept() throws Exception {
        start();
        Path out = dir.resolve("restored.json");
        Path partial = dir.resolve("restored.json.partial");
        startChildHeldAt(KEYS_GET, args("restore", "--out", out.toString()));

        Exit e = signal("KILL"); // no hook runs: the partial file stays
        assertEquals(137, e.code());
        assertTrue(Files.exists(partial));

        CliRun.Result again = CliRun.run("", args("restore", "--out", out.toString()));
        assertEquals(1, again.code());
        assertEquals("keybackup: error: --out: " + partial + " is left over from an interrupted restore; it holds "
                + "plaintext keys: delete it (or move it away) and run again\n", again.err());
        assertTrue(Files.exists(partial), "what was found is not ours to remove");
        assertFalse(Files.exists(out));

        Files.delete(partial);
        assertEquals(0, CliRun.run("", args("restore", "--out", out.toString())).code(),
                "after deleting it, the restore runs");
        assertTrue(Files.exists(out));
    }

    @Test
    void upload_ctrlC_saysWhatWasDoneAndTheCommandToGoOn() throws Exception {
        start();
        String keys = keysFile(3);
        String err = ctrlC(KEYS_PUT, args("upload", "--keys", keys, "--source", "own"));

        assertEquals("keybackup: interrupted: the upload of 4 sessions from " + keys + " stopped before it finished; "
                + "the keys the server accepted stay in the backup, and sending them again is safe (the server keeps "
                + "the better copy of each key)\n"
                + "keybackup: to go on, run the same command again: "
                + commandLine("upload", "--keys", keys, "--source", "own") + "\n", err);
    }

    @Test
    void migrate_ctrlC_saysTheLastStepAndToResume() throws Exception {
        start();
        String checkpoint = dir.resolve("checkpoint.json").toString();
        String err = ctrlC(KEYS_PUT, args("migrate", "--checkpoint", checkpoint, "--rotate"));

        List<String> lines = err.lines().toList();
        String report = lines.get(lines.size() - 2);
        assertTrue(report.startsWith("keybackup: interrupted: the migration stopped (last step: ")
                && !report.contains("none yet"), err);
        assertEquals("keybackup: to go on, run the same command with --resume: "
                + commandLine("migrate", "--checkpoint", checkpoint, "--rotate") + " --resume",
                lines.get(lines.size() - 1));
    }

    @Test
    void migrate_ctrlCDuringTheFirstRead_saysToRunItAgainNotToResume() throws Exception {
        start();
        String checkpoint = dir.resolve("checkpoint.json").toString();
        String err = ctrlC(KEYS_GET, args("migrate", "--checkpoint", checkpoint, "--rotate"));

        List<String> lines = err.lines().toList();
        assertEquals("keybackup: nothing was recorded or changed yet; to go on, run the same command again: "
                + commandLine("migrate", "--checkpoint", checkpoint, "--rotate"), lines.get(lines.size() - 1));
        assertEquals(0, CliRun.run("", args("migrate", "--checkpoint", checkpoint, "--rotate")).code(),
                "the command given goes on");
    }

    @Test
    void enable_ctrlC_saysToLookWithStatus_whichShowsTheBackupItMade() throws Exception {
        f = WorkflowFixture.open(WorkflowFixture.Backend.HOMESERVER, dir);
        where = new ArrayList<>(f.cliOptions(dir));
        String err = ctrlC("POST /_matrix/client/v3/room_keys/version", args("enable"));

        assertEquals("keybackup: interrupted: enable stopped before it finished; Secret Storage may already hold the "
                + "new backup keys, and the new backup version may exist\n"
                + "keybackup: to go on, run keybackup status " + String.join(" ", where) + ": if it shows a backup "
                + "version, enable created it and Secret Storage holds its keys, so nothing is left to do; if it shows "
                + "no key backup, run the command again with --replace-backup-secrets (Secret Storage held no backup "
                + "secrets before it: any it holds now are this run's, of no backup): "
                + commandLine("enable") + " --replace-backup-secrets\n", err);
        // the server made the version before its answer was held: status shows it, as the report says
        CliRun.Result status = CliRun.run("", args("status"));
        assertEquals(0, status.code(), status.err());
        assertTrue(status.outText().contains("version: 1\n"), status.outText());
    }

    @Test
    void commandLine_argumentsThatAShellWouldSplit_singleQuoted() {
        assertEquals("keybackup restore --out 'my keys.json' --user @a:b.org 'it'\\''s' '' --resume",
                Interrupts.commandLine("restore", List.of("--out", "my keys.json", "--user", "@a:b.org", "it's", ""),
                        "--resume"));
        assertEquals("keybackup migrate --resume", Interrupts.commandLine("migrate", List.of("--resume"), "--resume"));
    }
}
