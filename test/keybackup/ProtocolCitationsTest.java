package keybackup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every protocol citation in the repository names a section that docs/protocol.md really has. A citation
 * is "protocol.md §N" or "protocol.md §N.M", optionally followed by more sections joined with commas,
 * "and", "or" or a dash ("protocol.md §8.2–§8.8, §7.1"). Citations of the old protocol digests, which are
 * not part of the repository ("digest NN §x.y", the short "NN §x.y" and file names "NN-name.md"), must be
 * gone. The examples in the tests below are assembled from pieces so that this file passes its own scan.
 *
 * <p>Scanned: src/, test/, README.md, docs/ and the Makefile. Not scanned: the JSON files under
 * test/vectors/, which are byte-for-byte copies of a shared vector set (their PROVENANCE.md records the
 * SHA-256 of each) and keep the wording they were made with.
 */
class ProtocolCitationsTest {
    static final Pattern CHAPTER = Pattern.compile("^## (\\d+)\\. \\S.*$");
    static final Pattern SECTION = Pattern.compile("^### (\\d+)\\.(\\d+) \\S.*$");
    static final String NUMBER = "§(\\d+(?:\\.\\d+)?)";
    static final Pattern CITATION = Pattern.compile(
            "protocol\\.md[`\\])]*\\s+" + NUMBER + "((?:\\s*(?:,|–|-|and|or)\\s*§\\d+(?:\\.\\d+)?)*)");
    static final Pattern MORE = Pattern.compile(NUMBER);
    static final List<Pattern> OLD_CITATIONS = List.of(
            Pattern.compile("(?i)\\bdigests? 0\\d\\b"),
            Pattern.compile("\\b0[1-8]-[a-z]+(?:-[a-z]+)*\\.md\\b"),
            Pattern.compile("(?<![\\d.§])\\b0[1-8] §\\d"));

    record Report(Set<String> sections, int citations, List<String> problems) {}

    @Test
    void repository_everyCitationNamesAnExistingSection_andNoDigestCitationRemains() throws IOException {
        Report r = check(Path.of("."));
        assertEquals(List.of(), r.problems(), "fix these citations or the headings of docs/protocol.md");
        assertTrue(r.sections().size() >= 60, "docs/protocol.md has too few numbered sections: " + r.sections());
        assertTrue(r.citations() >= 100, "too few citations found (" + r.citations() + "): is the scan broken?");
    }

    @Test
    void check_wrongSectionAndOldDigest_reported(@TempDir Path root) throws IOException {
        String p = "protocol" + ".md";
        Files.createDirectories(root.resolve("docs"));
        Files.createDirectories(root.resolve("src/x"));
        Files.writeString(root.resolve("docs/protocol.md"),
                "# T\n\n## 1. One\n\n### 1.1 A\n\n### 1.2 B\n\n## 2. Two\n");
        Files.writeString(root.resolve("src/x/A.java"), String.join("\n",
                "// fine: " + p + " §1.1, §1.2 and §2; docs/" + p + " §1.2",
                "// wrong: " + p + " §1.3",
                "// wrong in a list: " + p + " §1.1–§3",
                "// old: dig" + "est 0" + "7 §6.1",
                "// old short form: (0" + "5 §3.2)",
                "// old file name: 0" + "4-backup-crypto.md section 5", ""));
        Files.writeString(root.resolve("README.md"), "see [`docs/" + p + "`](docs/" + p + ") §4\n");

        Report r = check(root);
        assertEquals(Set.of("1", "1.1", "1.2", "2"), r.sections());
        assertEquals(5, r.citations());
        assertEquals(List.of(
                "README.md:1: " + p + " §4 does not exist",
                "src/x/A.java:2: " + p + " §1.3 does not exist",
                "src/x/A.java:3: " + p + " §3 does not exist",
                "src/x/A.java:4: old digest citation: dig" + "est 07",
                "src/x/A.java:5: old digest citation: 0" + "5 §3",
                "src/x/A.java:6: old digest citation: 0" + "4-backup-crypto.md"), r.problems());
    }

    @Test
    void check_sectionOutsideItsChapterOrTwice_reported(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/protocol.md"), "## 1. One\n\n### 2.1 Stray\n\n## 1. Again\n");
        Report r = check(root);
        assertEquals(List.of(
                "docs/protocol.md:3: section 2.1 is not under chapter 2",
                "docs/protocol.md:5: section 1 is numbered twice"), r.problems());
    }

    static Report check(Path root) throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> sections = headings(root.resolve("docs/protocol.md"), problems);
        int citations = 0;
        for (Path file : scanned(root)) {
            String text = textOrNull(file);
            if (text == null) continue;
            String name = root.relativize(file).toString().replace('\\', '/');
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = CITATION.matcher(lines[i]);
                while (m.find()) {
                    citations++;
                    Matcher n = MORE.matcher(m.group(0));
                    while (n.find()) {
                        if (!sections.contains(n.group(1))) {
                            problems.add(name + ":" + (i + 1) + ": protocol.md §" + n.group(1) + " does not exist");
                        }
                    }
                }
                for (Pattern old : OLD_CITATIONS) {
                    Matcher o = old.matcher(lines[i]);
                    if (o.find()) {
                        problems.add(name + ":" + (i + 1) + ": old digest citation: " + o.group());
                        break;
                    }
                }
            }
        }
        problems.sort(null);
        return new Report(sections, citations, problems);
    }

    /** The numbers of the headings "## N. Title" and "### N.M Title"; wrong nesting or repeats are problems. */
    static Set<String> headings(Path protocol, List<String> problems) throws IOException {
        Set<String> found = new LinkedHashSet<>();
        List<String> lines = Files.readAllLines(protocol, StandardCharsets.UTF_8);
        String chapter = null;
        for (int i = 0; i < lines.size(); i++) {
            String number;
            Matcher c = CHAPTER.matcher(lines.get(i));
            Matcher s = SECTION.matcher(lines.get(i));
            if (c.matches()) {
                number = chapter = c.group(1);
            } else if (s.matches()) {
                number = s.group(1) + "." + s.group(2);
                if (!s.group(1).equals(chapter)) {
                    problems.add("docs/protocol.md:" + (i + 1) + ": section " + number + " is not under chapter "
                            + s.group(1));
                }
            } else {
                continue;
            }
            if (!found.add(number)) {
                problems.add("docs/protocol.md:" + (i + 1) + ": section " + number + " is numbered twice");
            }
        }
        return found;
    }

    static List<Path> scanned(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("src", "test", "docs")) {
            Path d = root.resolve(dir);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(Files::isRegularFile).filter(p -> !isCopiedVector(root.relativize(p))).sorted()
                        .forEach(files::add);
            }
        }
        for (String top : List.of("README.md", "Makefile")) {
            if (Files.isRegularFile(root.resolve(top))) files.add(root.resolve(top));
        }
        return files;
    }

    static boolean isCopiedVector(Path relative) {
        String p = relative.toString().replace('\\', '/');
        return p.startsWith("test/vectors/") && p.endsWith(".json");
    }

    /** The file as UTF-8 text, or null for a binary file. */
    static String textOrNull(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
