package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The external sort gives exactly List.sort's order (a stable sort), in bounded memory, and leaves no file. */
class ExternalSortTest {
    /** Sorts on the first two cells only: the third, the row's number, shows whether ties kept their order. */
    private static final Comparator<String[]> FIRST_TWO = Comparator.<String[], String>comparing(r -> r[0])
            .thenComparing(r -> r[1]);

    @TempDir
    Path dir;

    /** Few distinct values, so that most rows tie with others; non-ASCII, escaped text and a lone surrogate. */
    private static List<String[]> rows(int n, long seed) {
        String[] values = {"!a:x", "!b:x", "!é:x", "!😀:x", "!\uffff:x", "a\\u001bb", "", "!a:x\ud800", "Z", "z"};
        Random random = new Random(seed);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new String[] {values[random.nextInt(values.length)], values[random.nextInt(4)],
                    Integer.toString(i), i % 7 == 0 ? null : "verdict " + i});
        }
        return rows;
    }

    private List<String[]> sortedBy(ExternalSort sort, List<String[]> rows) throws Exception {
        for (String[] r : rows) sort.add(r.clone());
        List<String[]> out = new ArrayList<>();
        ExternalSort.Rows sorted = sort.sorted();
        for (String[] r; (r = sorted.next()) != null; ) out.add(r);
        assertNull(sorted.next());
        return out;
    }

    private static void assertSameRows(List<String[]> expected, List<String[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), actual.get(i), "row " + i);
    }

    private long filesLeft() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void sorted_manyRunsAndMergePasses_equalsStableInMemorySort() throws Exception {
        List<String[]> rows = rows(1000, 1);
        List<String[]> expected = new ArrayList<>(rows);
        expected.sort(FIRST_TWO);
        // 334 runs of 3 rows, merged 4 at a time: three passes before the last
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 3, 4)) {
            assertSameRows(expected, sortedBy(sort, rows));
        }
        assertEquals(0, filesLeft());
    }

    @Test
    void sorted_fewerRowsThanOneRun_equalsInMemorySortWithoutFiles() throws Exception {
        List<String[]> rows = rows(50, 2);
        List<String[]> expected = new ArrayList<>(rows);
        expected.sort(FIRST_TWO);
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 100, 2)) {
            assertSameRows(expected, sortedBy(sort, rows));
            assertEquals(0, filesLeft());
        }
    }

    @Test
    void sorted_exactlyFullRuns_equalsInMemorySort() throws Exception {
        List<String[]> rows = rows(40, 3);
        List<String[]> expected = new ArrayList<>(rows);
        expected.sort(FIRST_TWO);
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 10, 64)) {
            assertSameRows(expected, sortedBy(sort, rows));
        }
        assertEquals(0, filesLeft());
    }

    @Test
    void sorted_orderWhereEveryRowTies_keepsArrivalOrder() throws Exception {
        List<String[]> rows = rows(100, 4);
        try (ExternalSort sort = new ExternalSort(dir, (x, y) -> 0, 7, 3)) {
            assertSameRows(rows, sortedBy(sort, rows));
        }
    }

    @Test
    void add_folderForRowsMissing_errorSaysWhereAndHowToMoveThem() throws Exception {
        Path missing = dir.resolve("gone");
        IOException e;
        try (ExternalSort sort = new ExternalSort(missing, FIRST_TWO, 2, 2)) {
            sort.add("a", "b");
            e = assertThrows(IOException.class, () -> sort.add("c", "d"));
        }
        assertTrue(e.getMessage().startsWith("the audit's temporary row files in " + missing + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("KEYBACKUP_JAVA_OPTS=-Djava.io.tmpdir=DIR)"), e.getMessage());
    }

    @Test
    void sorted_runFileSwappedForALink_refusedNotFollowed() throws Exception {
        Path elsewhere = Files.writeString(dir.resolve("elsewhere.txt"), "not rows");
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 1, 2)) {
            sort.add("b", "1");
            sort.add("a", "2"); // the first run is written now
            try (var runs = Files.list(dir)) {
                Path run = runs.filter(p -> !p.equals(elsewhere)).findFirst().orElseThrow();
                Files.delete(run);
                Files.createSymbolicLink(run, elsewhere);
            }
            assertThrows(IOException.class, () -> sort.sorted().next());
        }
        assertEquals("not rows", Files.readString(elsewhere));
    }

    @Test
    void sorted_runFileOverwrittenWithOtherBytes_damagedErrorNotAHugeAllocation() throws Exception {
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 1, 2)) {
            sort.add("b", "1");
            sort.add("a", "2");
            try (var runs = Files.list(dir)) {
                for (Path run : runs.toList()) Files.writeString(run, "not rows, but a length of 1.8 billion");
            }
            IOException e = assertThrows(IOException.class, () -> sort.sorted().next());
            assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        }
    }

    @Test
    void add_fewButLongRows_writtenToARunByTheirSizeNotTheirNumber() throws Exception {
        String half = "x".repeat((int) (ExternalSort.RUN_CHARS / 2));
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 1000, 2)) {
            sort.add("b", half);
            assertEquals(0, filesLeft(), "half the characters of a run wait in memory");
            sort.add("a", half);
            assertEquals(1, filesLeft(), "a run's worth of characters is written out, though only 2 rows came");
            sort.add("c", "short");
            List<String[]> out = new ArrayList<>();
            ExternalSort.Rows rows = sort.sorted();
            for (String[] row; (row = rows.next()) != null; ) out.add(row);
            assertEquals(List.of("a", "b", "c"), out.stream().map(r -> r[0]).toList());
        }
        assertEquals(0, filesLeft());
    }

    @Test
    void sorted_noRows_nothing() throws Exception {
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 1, 2)) {
            assertNull(sort.sorted().next());
        }
        assertEquals(0, filesLeft());
    }

    @Test
    void sorted_cellsLongerThanOneWritePiece_comeBackExactly() throws Exception {
        String longCell = "é😀\ud800".repeat(20_000) + "x"; // 80,001 chars; pieces split pairs
        List<String[]> rows = List.of(new String[] {"b", longCell}, new String[] {"a", ""}, new String[] {"c", null});
        try (ExternalSort sort = new ExternalSort(dir, Comparator.<String[], String>comparing(r -> r[0]), 1, 2)) {
            List<String[]> out = sortedBy(sort, rows);
            assertArrayEquals(new String[] {"a", ""}, out.get(0));
            assertArrayEquals(new String[] {"b", longCell}, out.get(1));
            assertArrayEquals(new String[] {"c", null}, out.get(2));
        }
    }

    @Test
    void add_spilledRuns_ownerOnlyFilesRemovedOnCloseUnread() throws Exception {
        try (ExternalSort sort = new ExternalSort(dir, FIRST_TWO, 2, 2)) {
            for (String[] r : rows(10, 5)) sort.add(r);
            assertEquals(5, filesLeft());
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                }
            }
            assertTrue(sort.sorted().next() != null); // read in part only
        }
        assertEquals(0, filesLeft());
    }
}
