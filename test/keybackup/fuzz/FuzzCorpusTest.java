package keybackup.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays the saved fuzz corpus ({@code test/fuzz-corpus/<target>/*}) through every target with JUnit
 * alone: each file is one test, which fails when an exception its API does not document escapes. The
 * corpus holds the regression input of every finding and a few seeds per target.
 */
class FuzzCorpusTest {
    static final Path CORPUS = Path.of("test/fuzz-corpus");
    /** Files replayed at the least: a loop that finds nothing must fail, not pass. Raise it as the corpus grows. */
    static final int MIN_FILES = 80;
    /** Files per target at the least. */
    static final int MIN_FILES_PER_TARGET = 4;

    @AfterAll
    static void stopServer() {
        VersionInfoFuzz.stop();
    }

    @TestFactory
    List<DynamicTest> corpus_everyFile_onlyDocumentedExceptions() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (var target : FuzzTargets.ALL.entrySet()) {
            for (Path file : files(target.getKey())) {
                tests.add(DynamicTest.dynamicTest(target.getKey() + "/" + file.getFileName(),
                        () -> target.getValue().accept(Files.readAllBytes(file))));
            }
        }
        assertTrue(tests.size() >= MIN_FILES, "expected at least " + MIN_FILES + " corpus files, found "
                + tests.size());
        return tests;
    }

    @Test
    void corpus_everyTargetHasFilesAndEveryDirectoryATarget() throws IOException {
        Set<String> dirs = new TreeSet<>();
        try (Stream<Path> list = Files.list(CORPUS)) {
            list.filter(Files::isDirectory).forEach(d -> dirs.add(d.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(FuzzTargets.ALL.keySet()), dirs);
        assertEquals(FuzzTargets.ALL.keySet(), FuzzTargets.CLASSES.keySet());
        for (String name : FuzzTargets.ALL.keySet()) {
            assertTrue(files(name).size() >= MIN_FILES_PER_TARGET,
                    name + ": fewer than " + MIN_FILES_PER_TARGET + " corpus files");
        }
    }

    private static List<Path> files(String target) throws IOException {
        try (Stream<Path> list = Files.list(CORPUS.resolve(target))) {
            return list.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
