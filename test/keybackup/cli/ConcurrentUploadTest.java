package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import keybackup.ChildProcess;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.workflow.Enable;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code upload} processes on one local store at once lose no key and keep {@code count} exact.
 * The test holds the store's write lock itself while the processes start, so they all reach their first
 * write and wait there; released together, their writes to the same room files and {@code state.json}
 * contend. Without the lock, the processes write while the test holds it, and read-change-replace races
 * drop keys.
 */
@Timeout(300)
class ConcurrentUploadTest {
    private static final int PROCESSES = 3;
    private static final Path JAR = Path.of("build/keybackup.jar");

    @TempDir
    Path dir;

    @Test
    void upload_severalProcessesAtOnce_everyKeyStoredCountExact() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run `make test` (it builds " + JAR + " first)");
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
            List<String> where = f.cliOptions(dir);
            Path store = dir.resolve("store");
            Set<String> expected = new TreeSet<>();
            List<Path> files = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                List<Json> entries = new ArrayList<>();
                for (ExportedSession s : WorkflowFixture.sessions(3, 20, 100 + p)) { // the same three rooms in every file
                    entries.add(s.toExportJson());
                    expected.add(s.roomId() + "|" + s.sessionId());
                }
                files.add(Files.write(dir.resolve("keys" + p + ".json"), CanonicalJson.encode(Json.arr(entries))));
            }
            assertEquals(PROCESSES * 60, expected.size());

            Path lockFile = store.resolve("write.lock");
            List<Process> children = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = ch.lock()) {
                for (Path keys : files) {
                    List<String> cmd = new ArrayList<>(List.of("-p", JAR.toString(), "-m", "keybackup", "upload"));
                    cmd.addAll(where);
                    cmd.addAll(List.of("--keys", keys.toString(), "--source", "olm", "--threads", "1"));
                    ProcessBuilder pb = ChildProcess.java(cmd).redirectErrorStream(true)
                            .redirectOutput(dir.resolve(keys.getFileName() + ".out").toFile());
                    children.add(pb.start());
                }
                // Until every process waits for the lock (Linux lists waiters in /proc/locks), nothing may be written.
                long ino = ((Number) Files.getAttribute(lockFile, "unix:ino")).longValue();
                while (waiters(ino) < PROCESSES) {
                    assertEquals(0, f.count(version), "a process wrote while another held the store's write lock");
                    for (Process c : children) {
                        assertTrue(c.isAlive(), "an upload finished while the store's write lock was held: " + output(dir, files));
                    }
                    Thread.sleep(50);
                }
                assertTrue(held.isValid());
            }
            for (Process c : children) assertEquals(0, c.waitFor(), output(dir, files));

            Set<String> stored = new TreeSet<>();
            f.store.streamKeys(version, (room, session, data) -> stored.add(room + "|" + session));
            assertEquals(expected, stored, "every key of every process is in the store");
            assertEquals(expected.size(), f.count(version), "count is exact");
        }
    }

    /** Processes waiting for a POSIX lock on the file with inode {@code ino}, from /proc/locks. */
    private static int waiters(long ino) throws Exception {
        Path locks = Path.of("/proc/locks");
        if (!Files.isReadable(locks)) {
            Thread.sleep(5000); // no lock table to read: give the processes time to reach the lock
            return PROCESSES;
        }
        int n = 0;
        for (String line : Files.readAllLines(locks)) {
            String[] f = line.trim().split("\\s+");
            if (line.contains("->") && f.length > 6 && f[6].endsWith(":" + ino)) n++;
        }
        return n;
    }

    private static String output(Path dir, List<Path> files) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (Path k : files) {
            Path out = dir.resolve(k.getFileName() + ".out");
            if (Files.exists(out)) sb.append(k.getFileName()).append(": ").append(Files.readString(out)).append('\n');
        }
        return sb.toString();
    }
}
