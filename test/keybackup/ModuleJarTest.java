package keybackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the built jar as a module ({@code java -p build/keybackup.jar -m keybackup ...}), as issue 01
 * requires: this exercises the module descriptor and the jar's main class, which the class-path tests
 * cannot. The child runs with {@code LC_ALL=C}, so any text path through the platform charset would
 * turn non-ASCII into '?'; the output bytes must still be exact UTF-8.
 */
class ModuleJarTest {
    static final Path JAR = Path.of("build/keybackup.jar");

    record Result(int code, byte[] out, String err) {}

    static Result runModule(byte[] stdin, String... args) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run `make test` (it builds " + JAR + " first)");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-p", JAR.toString(), "-m", "keybackup"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        pb.environment().remove("LANG");
        pb.environment().remove("JAVA_TOOL_OPTIONS"); // would add a line to stderr
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the module did not exit");
        return new Result(p.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
    }

    static byte[] readAll(InputStream s) {
        try (s) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            s.transferTo(b);
            return b.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void canonicalJson_asModuleUnderLcAllC_exactUtf8Bytes() throws Exception {
        // Non-ASCII input as raw UTF-8 and as escapes: é, 日本, U+2028, U+1F600 (raw and as a pair
        // escape), U+FF61 and U+1F600 as keys (code-point order), and a control character.
        String input = "{\"\uD83D\uDE00\": 2, \"\uff61\": 1, \"s\": \"caf\u00e9 \u65e5\u672c \\u2028 \\ud83d\\ude00 \uD83D\uDE00 \\u000b\"}";
        Result r = runModule(input.getBytes(StandardCharsets.UTF_8), "canonical-json");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        // Expected bytes written out by hand from protocol.md §2.2:
        // {"s":"café 日本 <U+2028> 😀 😀 \u000b","｡":1,"😀":2}\n
        String expected = "7b2273223a22" + "636166c3a920" + "e697a5e69cac20" + "e280a820" + "f09f988020" + "f09f988020"
                + "5c7530303062" + "222c22" + "efbda1" + "223a312c22" + "f09f9880" + "223a327d0a";
        assertEquals(expected, HexFormat.of().formatHex(r.out()));
    }

    @Test
    void canonicalJson_asModuleBadInput_exit1OneLineOnStderr() throws Exception {
        Result r = runModule("{\"a\": 1.0}".getBytes(StandardCharsets.US_ASCII), "canonical-json");
        assertEquals(1, r.code());
        assertEquals(0, r.out().length);
        assertTrue(r.err().startsWith("keybackup: error: ") && r.err().endsWith(" at offset 6\n"), r.err());
    }

    @Test
    void help_asModule_exit0() throws Exception {
        Result r = runModule(new byte[0], "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(new String(r.out(), StandardCharsets.UTF_8).contains("canonical-json"));
    }

    @Test
    void version_asModule_printsTheSourceVersionWhichIsAlsoTheModuleVersion() throws Exception {
        String source = Files.readString(Path.of("src/keybackup/cli/Version.java"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("NUMBER = \"([^\"]+)\"").matcher(source);
        assertTrue(m.find(), "Version.java names no version");
        Result r = runModule(new byte[0], "--version");
        assertEquals(0, r.code(), r.err());
        assertEquals("keybackup " + m.group(1) + "\n", new String(r.out(), StandardCharsets.UTF_8));
        java.lang.module.ModuleDescriptor d = java.lang.module.ModuleFinder.of(JAR).find("keybackup").orElseThrow().descriptor();
        assertEquals(m.group(1), d.rawVersion().orElse("(none)"));
    }

    @Test
    void launcher_runThroughASymlinkFromAnotherDirectory_works() throws Exception {
        Path dir = Files.createTempDirectory("keybackup-launcher");
        try {
            Path link = Files.createSymbolicLink(dir.resolve("keybackup"), Path.of("bin/keybackup").toAbsolutePath());
            ProcessBuilder pb = new ProcessBuilder(link.toString(), "--version").directory(dir.toFile());
            pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            Process p = pb.start();
            byte[] out = readAll(p.getInputStream());
            String err = new String(readAll(p.getErrorStream()), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit");
            assertEquals(0, p.exitValue(), err);
            assertTrue(new String(out, StandardCharsets.UTF_8).startsWith("keybackup "), err);
        } finally {
            Files.deleteIfExists(dir.resolve("keybackup"));
            Files.deleteIfExists(dir);
        }
    }

    /**
     * A copy of the project in another folder brings along an archive made for the original jar path. JDK 17
     * does not just ignore such an archive: classes of the old path's lambdas break class loading ("sealing
     * violation") on the first upload. The launcher must leave it out.
     */
    @Test
    void launcher_archiveMadeForAnotherJar_notUsedAndCommandsWork() throws Exception {
        Path jsa = Path.of("build/keybackup.jsa");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(jsa) && Files.isRegularFile(Path.of("build/keybackup.jsa.key")),
                "no class-data-sharing archive built (`make` builds it)");
        Path top = Files.createTempDirectory("keybackup-copy");
        try {
            Files.createDirectories(top.resolve("bin"));
            Files.createDirectories(top.resolve("build"));
            Files.copy(Path.of("bin/keybackup"), top.resolve("bin/keybackup"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            for (String f : List.of("keybackup.jar", "keybackup.jsa", "keybackup.jsa.key")) {
                Files.copy(Path.of("build", f), top.resolve("build").resolve(f));
            }
            String user = "@copy:example.org";
            String[] where = {"--user", user, "--store", top.resolve("s").toString(), "--recovery-key-file", top.resolve("rk").toString(),
                "--device-id", "D", "--device-key-file", top.resolve("dk").toString()};
            launch(top, "setup", "--user", user, "--store", top.resolve("s").toString(), "--recovery-key-out", top.resolve("rk").toString(),
                    "--device-id", "D", "--device-key-out", top.resolve("dk").toString());
            launch(top, concat(new String[] {"enable"}, where));
            Files.writeString(top.resolve("keys.json"), "[]");
            String out = launch(top, concat(new String[] {"upload", "--keys", top.resolve("keys.json").toString(), "--source", "olm"}, where));
            assertTrue(out.startsWith("uploaded 0 sessions"), out);
        } finally {
            try (var walk = Files.walk(top)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(new String[0]);
    }

    /** Runs the launcher of the copy at {@code top}; requires exit 0 and returns stdout. */
    private static String launch(Path top, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(top.resolve("bin/keybackup").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(top.toFile());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("KEYBACKUP_JAVA_OPTS");
        pb.environment().remove("JAVA_OPTS");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        byte[] out = readAll(p.getInputStream());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher did not exit");
        String e = new String(err.get(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), args[0] + ": " + e);
        return new String(out, StandardCharsets.UTF_8);
    }
}
