package keybackup.cli;

import static keybackup.workflow.WorkflowFixture.USER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import keybackup.backup.EncryptedKeyExport;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import keybackup.keys.Base64Unpadded;
import keybackup.workflow.Enable;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upload --keys -} reads standard input in bounded memory at any size, plain or encrypted, and never
 * writes a plaintext key to disk. The exports here are larger than the whole-input cap stdin used to have
 * (twice {@link JsonReader#DEFAULT_MAX_BYTES}) and larger than the heap of the process reading them, so an
 * implementation that holds stdin in memory fails both ways: over the cap it refuses, without a cap it runs
 * out of memory.
 *
 * <p>The timeout only catches a hang: each test runs a child JVM over some 70 MiB of input, which took over five
 * minutes on a host loaded far past its two cores.
 */
@Timeout(900)
class StdinUploadTest {
    private static final Path JAR = Path.of("build/keybackup.jar");
    /** Bytes of stdin: over the old cap on both the plain and the armoured form. */
    private static final long INPUT_BYTES = 2 * JsonReader.DEFAULT_MAX_BYTES + (4 << 20);
    /** The child's heap: smaller than the input, large enough for the command. */
    private static final String HEAP = "-Xmx24m";
    private static final int PADDING = 256 * 1024;

    @TempDir
    Path dir;

    @Test
    void uploadKeysDash_plainExportLargerThanHeapAndOldCap_uploadsTheBestCopies() throws Exception {
        uploadThroughStdin(false);
    }

    @Test
    void uploadKeysDash_encryptedExportLargerThanHeapAndOldCap_uploadsTheBestCopies() throws Exception {
        uploadThroughStdin(true);
    }

    private void uploadThroughStdin(boolean encrypt) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run `make test` (it builds " + JAR + " first)");
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
            Path rk = Files.writeString(dir.resolve("recovery-key.txt"), f.ssKey.toRecoveryKey() + "\n");
            byte[] seed = f.deviceKey.exportSeed();
            Path dk = Files.writeString(dir.resolve("device-key.txt"), Base64Unpadded.encode(seed) + "\n");
            java.util.Arrays.fill(seed, (byte) 0);
            Path pass = Files.writeString(dir.resolve("pass.txt"), "stdin passphrase\n");
            List<ExportedSession> sessions = WorkflowFixture.sessions(1, 3, 7);
            Path input = dir.resolve(encrypt ? "export.txt" : "export.json");
            long written;
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(input));
                 OutputStream out = encrypt ? EncryptedKeyExport.encryptingStream(file,
                         "stdin passphrase".toCharArray(),
                         EncryptedKeyExport.MIN_ROUNDS) : file) {
                written = writePaddedCopies(out, sessions);
            }
            assertTrue(Files.size(input) > INPUT_BYTES && written > INPUT_BYTES, "the input is over the old cap");
            Path tmp = Files.createDirectory(dir.resolve("tmp"));

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java,
                    HEAP, "-Djava.io.tmpdir=" + tmp, "-p", JAR.toString(), "-m", "keybackup", "upload", "--user", USER,
                    "--store", dir.resolve("store").toString(), "--recovery-key-file", rk.toString(), "--keys", "-",
                    "--source", "olm", "--threads", "1", "--quiet"));
            if (encrypt) cmd.addAll(List.of("--export-passphrase-file", pass.toString()));
            Path log = dir.resolve("upload.out");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(input.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            Process p = pb.start();
            assertEquals(0, p.waitFor(), Files.readString(log));
            assertTrue(Files.readString(log).startsWith("uploaded 3 sessions to version " + version),
                    Files.readString(log));

            Set<String> expected = new TreeSet<>();
            for (ExportedSession s : sessions) expected.add(s.roomId() + "|" + s.sessionId());
            Set<String> stored = new TreeSet<>();
            f.store.streamKeys(version, (room, session, data) -> stored.add(room + "|" + session));
            assertEquals(expected, stored);
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "the temporary copy of stdin is removed");
            }
        }
    }

    /**
     * Copies of {@code sessions}, each with a padding member, until over {@link #INPUT_BYTES}; the first copy
     * of each session is the best one (fewest forwards), later ones have one forward more. Returns the bytes.
     */
    private static long writePaddedCopies(OutputStream out, List<ExportedSession> sessions) throws Exception {
        String padding = "p".repeat(PADDING);
        long n = 0;
        out.write('[');
        n++;
        for (int i = 0; n <= INPUT_BYTES; i++) {
            ExportedSession s = sessions.get(i % sessions.size());
            Json.Obj entry = s.toExportJson().with("padding", Json.of(padding));
            if (i >= sessions.size()) {
                entry = entry.with("forwarding_curve25519_key_chain", Json.arr(List.of(Json.of(
                        Base64Unpadded.encode(new byte[32])))));
            }
            byte[] b = CanonicalJson.encode(entry);
            if (i > 0) {
                out.write(',');
                n++;
            }
            out.write(b);
            n += b.length;
        }
        out.write(']');
        return n + 1;
    }

    @Test
    void spool_plainInput_isEncryptedOnDisk_readBackExactly_andRemoved() throws Exception {
        byte[] plain = CanonicalJson.encode(Json.arr(List.of(WorkflowFixture.sessions(1, 2, 3).get(0).toExportJson())));
        String text = new String(plain, StandardCharsets.UTF_8);
        assertTrue(text.contains("session_key"));
        Path file;
        try (StdinSpool spool = StdinSpool.copy(dir, java.util.Arrays.copyOf(plain, 10),
                new ByteArrayInputStream(plain, 10, plain.length - 10), false)) {
            file = onlyFile();
            String onDisk = Files.readString(file, StandardCharsets.ISO_8859_1);
            assertTrue(onDisk.startsWith(EncryptedKeyExport.HEADER), "written as an encrypted export");
            String sessionKey = ((Json.Obj) ((Json.Arr) JsonReader.parse(plain)).elements().get(0))
                    .string("session_key");
            assertFalse(onDisk.contains("session_key") || onDisk.contains(sessionKey.substring(0, 20)),
                    "no plaintext on disk");
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file),
                    "owner-only");
            spool.unlock(null);
            for (int pass = 0; pass < 2; pass++) {
                try (InputStream in = spool.open()) {
                    assertArrayEquals(plain, in.readAllBytes(), "each read gives the input back");
                }
            }
        }
        assertFalse(Files.exists(file), "closed: removed");
    }

    @Test
    void spool_copyChangedOnDisk_isRefusedByItsMac() throws Exception {
        byte[] plain = CanonicalJson.encode(Json.arr(List.of(WorkflowFixture.sessions(1, 1, 4).get(0).toExportJson())));
        try (StdinSpool spool = StdinSpool.copy(dir, new byte[0], new ByteArrayInputStream(plain), false)) {
            Path file = onlyFile();
            spool.unlock(null);
            byte[] b = Files.readAllBytes(file);
            int mid = EncryptedKeyExport.HEADER.length() + 60;
            b[mid] = (byte) (b[mid] == 'A' ? 'B' : 'A');
            Files.write(file, b);
            assertEquals(keybackup.backup.KeyExportException.class,
                    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> {
                        try (InputStream in = spool.open()) {
                            in.readAllBytes();
                        }
                    }).getClass());
        }
    }

    /** The one file in {@link #dir}: the spool. */
    private Path onlyFile() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }
}
