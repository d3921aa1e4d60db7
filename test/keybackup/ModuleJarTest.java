package keybackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import keybackup.ChildProcess.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the built jar as a module ({@code java -p build/keybackup.jar -m keybackup ...}), as issue 01
 * requires: this exercises the module descriptor and the jar's main class, which the class-path tests
 * cannot. The child runs with {@code LC_ALL=C}, so any text path through the platform charset would
 * turn non-ASCII into '?'; the output bytes must still be exact UTF-8.
 */
class ModuleJarTest {
    static final Path JAR = Path.of("build/keybackup.jar");

    static Result runModule(byte[] stdin, String... args) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run `make test` (it builds " + JAR + " first)");
        List<String> cmd = new ArrayList<>(List.of("-p", JAR.toString(), "-m", "keybackup"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = ChildProcess.java(cmd);
        pb.environment().put("LC_ALL", "C");
        pb.environment().remove("LANG");
        return ChildProcess.run(pb, stdin, 60);
    }

    @Test
    void canonicalJson_asModuleUnderLcAllC_exactUtf8Bytes() throws Exception {
        // Non-ASCII input as raw UTF-8 and as escapes: é, 日本, U+2028, U+1F600 (raw and as a pair
        // escape), U+FF61 and U+1F600 as keys (code-point order), and a control character.
        String input =
                "{\"\uD83D\uDE00\": 2, \"\uff61\": 1, \"s\": \"caf\u00e9 \u65e5\u672c \\u2028 \\ud83d\\ude00 "
                + "\uD83D\uDE00 \\u000b\"}";
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
        Matcher m = Pattern.compile("NUMBER = \"([^\"]+)\"").matcher(source);
        assertTrue(m.find(), "Version.java names no version");
        Result r = runModule(new byte[0], "--version");
        assertEquals(0, r.code(), r.err());
        assertEquals("keybackup " + m.group(1) + "\n", new String(r.out(), StandardCharsets.UTF_8));
        ModuleDescriptor d = ModuleFinder.of(JAR).find("keybackup").orElseThrow().descriptor();
        assertEquals(m.group(1), d.rawVersion().orElse("(none)"));
    }

    @Test
    void launcher_runThroughASymlinkFromAnotherDirectory_works() throws Exception {
        Path dir = Files.createTempDirectory("keybackup-launcher");
        try {
            Path link = Files.createSymbolicLink(dir.resolve("keybackup"), Path.of("bin/keybackup").toAbsolutePath());
            ProcessBuilder pb = ChildProcess.builder(List.of(link.toString(), "--version")).directory(dir.toFile());
            pb.environment().put("JAVA", ChildProcess.java());
            Result r = ChildProcess.run(pb, new byte[0], 60);
            assertEquals(0, r.code(), r.err());
            assertTrue(new String(r.out(), StandardCharsets.UTF_8).startsWith("keybackup "), r.err());
        } finally {
            Files.deleteIfExists(dir.resolve("keybackup"));
            Files.deleteIfExists(dir);
        }
    }

    /**
     * {@code KEYBACKUP_JAVA_OPTS} (or {@code JAVA_OPTS}) comes after the launcher's options and wins, as the README
     * says: a smaller heap bound than the launcher's starting size must give a JVM with that bound, not one that
     * refuses to start ("initial heap size set to a larger value than the maximum heap size").
     */
    @Test
    void launcher_userHeapBoundBelowTheLaunchersStartingSize_runsWithIt() throws Exception {
        for (String var : List.of("KEYBACKUP_JAVA_OPTS", "JAVA_OPTS")) {
            ProcessBuilder pb = ChildProcess.builder(List.of(Path.of("bin/keybackup").toAbsolutePath().toString(),
                    "--version"));
            pb.environment().put("JAVA", ChildProcess.java());
            pb.environment().remove("KEYBACKUP_JAVA_OPTS");
            pb.environment().remove("JAVA_OPTS");
            pb.environment().put(var, "-Xmx48m");
            Result r = ChildProcess.run(pb, new byte[0], 60);
            assertEquals(0, r.code(), var + "=-Xmx48m: " + r.err());
            assertTrue(new String(r.out(), StandardCharsets.UTF_8).startsWith("keybackup "), r.err());
        }
    }

    /**
     * The launcher stops the JIT at C1 only for the commands whose work does not grow with the backup (help,
     * version, status); a command that handles every key (here {@code restore}) keeps the tiered JIT, and an
     * option the user gives wins.
     */
    @Test
    void launcher_quickCompilerOnlyForTheShortCommands() throws Exception {
        assertEquals("1", tieredStopAtLevel(null, "--version"));
        assertEquals("1", tieredStopAtLevel(null, "--help"));
        assertEquals("1", tieredStopAtLevel(null, "status", "--help"));
        assertEquals("4", tieredStopAtLevel(null, "restore", "--help"));
        assertEquals("4", tieredStopAtLevel("-XX:TieredStopAtLevel=4", "status", "--help"));
    }

    /** The JIT's last tier in the JVM the launcher starts for {@code args} (the JVM prints its final flags). */
    private static String tieredStopAtLevel(String userOption, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of("bin/keybackup").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = ChildProcess.builder(cmd);
        pb.environment().put("JAVA", ChildProcess.java());
        pb.environment().remove("JAVA_OPTS");
        String opts = "-XX:+PrintFlagsFinal" + (userOption == null ? "" : " " + userOption);
        pb.environment().put("KEYBACKUP_JAVA_OPTS", opts);
        Result r = ChildProcess.run(pb, new byte[0], 60);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bTieredStopAtLevel\\s+=\\s+(\\d+)")
                .matcher(new String(r.out(), StandardCharsets.UTF_8));
        assertTrue(m.find(), String.join(" ", args) + ": no TieredStopAtLevel in the JVM's flags");
        return m.group(1);
    }

    /**
     * Under {@code LC_ALL=C} (or no locale at all, as in many containers and cron jobs) the JVM decodes its
     * arguments, file names and what the terminal types as ASCII: a non-ASCII file name given on the command line
     * could not be used at all ("Malformed input"), was shown as U+FFFD in messages, and a typed non-ASCII export
     * passphrase became U+FFFD, an export no other client opens. The launcher gives the JVM a UTF-8 character
     * type for those locales. The name is made by bash from raw bytes, and checked by bash: this test's own JVM
     * may not be able to spell it.
     */
    @Test
    void launcher_underLcAllC_nonAsciiFileNameUsedAndShownAsItsExactBytes() throws Exception {
        Path dir = Files.createTempDirectory("keybackup-locale");
        try {
            String script = "name=$(printf 'r\\303\\251.txt'); \"$0\" generate-backup-key --out \"$name\" >/dev/null"
                    + " || exit 3; [ -s \"$name\" ] || exit 4; \"$0\" generate-backup-key --out \"$name\"; exit 0";
            ProcessBuilder pb = ChildProcess.builder(List.of("bash", "-c", script,
                    Path.of("bin/keybackup").toAbsolutePath().toString())).directory(dir.toFile());
            pb.environment().put("JAVA", ChildProcess.java());
            pb.environment().put("LC_ALL", "C");
            pb.environment().remove("LANG");
            pb.environment().remove("LC_CTYPE");
            Result r = ChildProcess.run(pb, new byte[0], 120);
            assertEquals(0, r.code(), r.err());
            // the second run refuses to overwrite the file, naming it by the bytes it was given
            assertTrue(r.err().contains("file exists, not overwriting it: r\u00e9.txt"), r.err());
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
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
        Assumptions.assumeTrue(Files.isRegularFile(jsa) && Files.isRegularFile(Path.of("build/keybackup.jsa.key")),
                "no class-data-sharing archive built (`make` builds it)");
        Path top = Files.createTempDirectory("keybackup-copy");
        try {
            Files.createDirectories(top.resolve("bin"));
            Files.createDirectories(top.resolve("build"));
            Files.copy(Path.of("bin/keybackup"), top.resolve("bin/keybackup"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String f : List.of("keybackup.jar", "keybackup.jsa", "keybackup.jsa.key")) {
                Files.copy(Path.of("build", f), top.resolve("build").resolve(f));
            }
            String user = "@copy:example.org";
            String[] where = {"--user", user, "--store", top.resolve("s").toString(), "--recovery-key-file",
                    top.resolve("rk").toString(),
                "--device-id", "D", "--device-key-file", top.resolve("dk").toString()};
            launch(top, "setup", "--user", user, "--store", top.resolve("s").toString(), "--recovery-key-out",
                    top.resolve("rk").toString(),
                    "--device-id", "D", "--device-key-out", top.resolve("dk").toString());
            launch(top, concat(new String[] {"enable"}, where));
            Files.writeString(top.resolve("keys.json"), "[]");
            String out = launch(top, concat(new String[] {"upload", "--keys", top.resolve("keys.json").toString(),
                    "--source", "olm"}, where));
            assertTrue(out.startsWith("uploaded 0 sessions"), out);
        } finally {
            try (var walk = Files.walk(top)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
        ProcessBuilder pb = ChildProcess.builder(cmd).directory(top.toFile());
        pb.environment().remove("KEYBACKUP_JAVA_OPTS");
        pb.environment().remove("JAVA_OPTS");
        Result r = ChildProcess.run(pb, new byte[0], 120);
        assertEquals(0, r.code(), args[0] + ": " + r.err());
        return new String(r.out(), StandardCharsets.UTF_8);
    }
}
