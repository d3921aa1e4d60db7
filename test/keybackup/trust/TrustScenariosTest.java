package keybackup.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import keybackup.cli.CliRun;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonReader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verdict contract as data: every file of test/vectors/trust-scenarios runs through the offline
 * {@code keybackup audit --json} (in-process), and the backup-level outcome and each session's verdict
 * and reason must be those of the file's header. Other report fields are not compared, so fields can be
 * added without touching the scenarios.
 */
class TrustScenariosTest {
    static final Path DIR = Path.of("test/vectors/trust-scenarios");
    /** The number of scenario files: a loop over a missing or emptied folder must fail, not pass. */
    static final int CASES = 54;

    @TempDir
    static Path tmp;

    static List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
    }

    @Test
    void scenarioFiles_countIsPinned() throws Exception {
        assertEquals(CASES, files().size());
    }

    @TestFactory
    List<DynamicTest> everyScenario_auditGivesTheHeadersVerdicts() throws Exception {
        List<Path> files = files();
        assertEquals(CASES, files.size(), "scenario files");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files) {
            tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                TrustScenario s = TrustScenario.load(f);
                List<String> mismatches = compare(s, audit(s));
                assertEquals(List.of(), mismatches, s.name() + ": " + s.description());
            }));
        }
        return tests;
    }

    /** The outcome of one audit run: exit code, the report (null unless exit 0), stderr. */
    record Outcome(int code, Json.Obj report, String err) {}

    /** Writes the scenario's server answers and backup key to files and runs the offline audit on them. */
    static Outcome audit(TrustScenario s) throws Exception {
        Path dir = Files.createTempDirectory(tmp, s.name());
        Path version = write(dir.resolve("version.json"), CanonicalJson.encode(s.version()));
        Path keys = write(dir.resolve("keys.json"), CanonicalJson.encode(s.keys()));
        Path identity = write(dir.resolve("identity.json"), CanonicalJson.encode(s.identity()));
        Path keyFile = write(dir.resolve("backup.key"), (s.backupKey() + "\n").getBytes(StandardCharsets.UTF_8));
        List<String> args = new ArrayList<>(List.of("audit", "--user", s.user(), "--version-file", version.toString(),
                "--keys", keys.toString(), "--identity", identity.toString(), "--key-file", keyFile.toString(),
                        "--json"));
        if (s.anchorMaster() != null) args.addAll(List.of("--trusted-master-key", s.anchorMaster()));
        if (s.anchorDevice() != null) args.addAll(List.of("--device-id", s.anchorDevice()));
        for (String d : s.anchorVerifiedDevices()) args.addAll(List.of("--verified-device", d));
        CliRun.Result r = CliRun.run(new byte[0], args.toArray(String[]::new));
        Json.Obj report = r.code() == 0 ? JsonReader.parseObject(r.out()) : null;
        return new Outcome(r.code(), report, r.err());
    }

    private static Path write(Path p, byte[] bytes) throws Exception {
        return Files.write(p, bytes);
    }

    /** Every difference between the header's expectations and the audit, as one line each. */
    static List<String> compare(TrustScenario s, Outcome o) {
        List<String> out = new ArrayList<>();
        if (s.expectBackup().outcome().equals("refused")) {
            if (o.code() != 1) out.add("expected the audit to refuse (exit 1), got exit " + o.code());
            if (o.report() != null) out.add("expected no report, got " + o.report().object("backup"));
            if (!o.err().startsWith("keybackup: error: ")) out.add("expected an error on stderr, got: " + o.err());
            return out;
        }
        if (o.code() != 0) {
            out.add("audit exited " + o.code() + ": " + o.err().strip());
            return out;
        }
        Json.Obj backup = o.report().object("backup");
        boolean expectTrusted = s.expectBackup().outcome().equals("trusted");
        if (backup == null || !Json.of(expectTrusted).equals(backup.get("trusted"))) {
            out.add("backup.trusted: expected " + expectTrusted + ", got "
                    + text(backup == null ? null : backup.get("trusted")));
        }
        String reason = backup == null ? null : backup.string("reason");
        if (!Objects.equals(s.expectBackup().reason(), reason)) {
            out.add("backup.reason: expected " + s.expectBackup().reason() + ", got " + reason);
        }

        Map<String, String> actual = new TreeMap<>();
        if (o.report().get("sessions") instanceof Json.Arr sessions) {
            for (Json e : sessions.elements()) {
                Json.Obj entry = (Json.Obj) e;
                String word = entry.string("verdict") + (entry.string("reason") == null ? "" : " "
                        + entry.string("reason"));
                if (actual.put(entry.string("room_id") + " " + entry.string("session_id"), word) != null) {
                    out.add("session reported twice: " + entry.string("room_id") + " " + entry.string("session_id"));
                }
            }
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (TrustScenario.Session e : s.expect()) {
            expected.put(e.room() + " " + e.session(), e.verdict() + (e.reason() == null ? "" : " " + e.reason()));
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = actual.get(e.getKey());
            if (got == null) out.add(e.getKey() + ": expected " + e.getValue() + ", not in the report");
            else if (!got.equals(e.getValue())) out.add(e.getKey() + ": expected " + e.getValue() + ", got " + got);
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) out.add(k + ": reported (" + actual.get(k) + ") but not in the header");
        }

        Json.Obj summary = o.report().object("summary");
        for (Map.Entry<String, Long> e : s.expectSummary().entrySet()) {
            Json got = summary == null ? null : summary.get(e.getKey());
            if (!Json.of(e.getValue()).equals(got)) {
                out.add("summary." + e.getKey() + ": expected " + e.getValue() + ", got " + text(got));
            }
        }
        return out;
    }

    private static String text(Json v) {
        return v == null ? "nothing" : CanonicalJson.encodeToString(v);
    }

    @Test
    void committedFiles_areTheGeneratorsOutput() throws Exception {
        Map<String, String> generated = ScenarioFiles.all();
        assertEquals(CASES, generated.size());
        Map<String, String> committed = new LinkedHashMap<>();
        for (Path f : files()) committed.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
        assertEquals(new TreeMap<>(generated).keySet(), new TreeMap<>(committed).keySet());
        List<String> differ = new ArrayList<>();
        for (String name : generated.keySet()) {
            if (!generated.get(name).equals(committed.get(name))) differ.add(name);
        }
        assertEquals(List.of(), differ, "regenerate with keybackup.trust.ScenarioFiles (see PROVENANCE.md)");
    }

    // ---- the runner and the loader can fail -----------------------------------------------------------

    static String sample() throws Exception {
        return Files.readString(DIR.resolve("session-mixed-verdicts.txt"), StandardCharsets.UTF_8);
    }

    @Test
    void compare_wrongExpectations_areEachReported() throws Exception {
        String text = sample().replaceFirst("(expect: \\S+ \\S+) authenticated\n",
                "$1 unauthenticated signature_missing\n")
                .replace("expect-backup: trusted\n", "expect-backup: not_trusted backup_not_trusted\n")
                .replaceFirst("total=7", "total=8");
        TrustScenario s = TrustScenario.parse("edited", text);
        List<String> mismatches = compare(s, audit(s));
        // backup.trusted, backup.reason, one session, summary.total
        assertEquals(4, mismatches.size(), mismatches.toString());
        assertTrue(mismatches.stream().anyMatch(m ->
                m.contains("expected unauthenticated signature_missing, got authenticated")), mismatches.toString());
    }

    @Test
    void compare_sessionMissingFromTheHeader_isReported() throws Exception {
        String text = sample().replaceFirst("expect: [^\n]* authenticated\n", "");
        TrustScenario s = TrustScenario.parse("edited", text);
        List<String> mismatches = compare(s, audit(s));
        assertTrue(mismatches.stream().anyMatch(m -> m.contains("but not in the header")), mismatches.toString());
    }

    @Test
    void parse_sample_readsEveryPart() throws Exception {
        TrustScenario s = TrustScenario.parse("sample", sample());
        assertEquals("@alice:localhost", s.user());
        assertEquals(new TrustScenario.Backup("trusted", null), s.expectBackup());
        assertEquals(7, s.expect().size());
        assertEquals(7L, s.expectSummary().get("total"));
        assertFalse(s.keys().members().isEmpty());
    }

    @Test
    void parse_unknownHeaderKey_fails() throws Exception {
        String text = sample().replace("expect-backup: trusted\n",
                "expect-backup: trusted\nexpected: !r s authenticated\n");
        TrustScenario.FormatException e = assertThrows(TrustScenario.FormatException.class,
                () -> TrustScenario.parse("x", text));
        assertTrue(e.getMessage().contains("unknown header key 'expected'"), e.getMessage());
    }

    @Test
    void parse_missingOrRepeatedKeysAndBadWords_fail() throws Exception {
        String text = sample();
        List<String> broken = List.of(
                // required key missing
                text.replaceFirst("user: [^\n]*\n", ""),
                // required key missing
                text.replaceFirst("expect-backup: trusted\n", ""),
                // single-valued key twice
                text.replaceFirst("(user: [^\n]*\n)", "$1$1"),
                // unknown backup outcome
                text.replaceFirst("expect-backup: trusted", "expect-backup: trusted-ish"),
                // reason on authenticated
                text.replaceFirst(" authenticated\n", " authenticated flag_false\n"),
                text.replaceFirst(" signed_not_authenticated flag_false",
                        " signed_not_authenticated signature_missing"),
                text.replaceFirst(" rejected session_id_mismatch", " refused session_id_mismatch"), // unknown verdict
                text.replaceFirst("expect-summary: [^\n]*\n", ""),                                  // summary missing
                text.replaceFirst("total=7", "total=seven"),
                // same session twice
                text.replaceFirst("(expect: [^\n]*\n)", "$1$1"),
                // unknown body member
                text.replaceFirst("\\{\n", "{\n  \"extra\": 1,\n"),
                text.replace("\n\n", "\n"));                                                      // no blank line
        for (String b : broken) {
            assertThrows(TrustScenario.FormatException.class, () -> TrustScenario.parse("x", b),
                    b.substring(0, Math.min(400, b.length())));
        }
    }
}
