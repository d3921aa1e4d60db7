package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final MigrationRecord RECORD = new MigrationRecord("1", "1", "2", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", MigrationRecord.CREATED,
            3, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", 0, 1_700_000_000_000L, 0, 0, false);

    @Test
    void save_symlinkPlantedAtTheOldTempName_isNotFollowed(@TempDir Path dir) throws Exception {
        Path victim = dir.resolve("victim.txt");
        Files.write(victim, "keep me".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("migration-checkpoint.json");
        Files.createSymbolicLink(dir.resolve("migration-checkpoint.json.tmp"), victim);

        Checkpoint.save(RECORD, file);

        assertArrayEquals("keep me".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(victim));
        assertEquals(RECORD, Checkpoint.load(file));
    }

    @Test
    void save_twice_replacesAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cp.json");
        Checkpoint.save(RECORD, file);
        MigrationRecord next = RECORD.withPhase(MigrationRecord.UPLOADED, 3);
        Checkpoint.save(next, file);
        assertEquals(next, Checkpoint.load(file));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the checkpoint remains");
        }
        assertTrue(Files.isRegularFile(file));
    }

    private static OldEntries entries(int n) {
        OldEntries.Builder b = new OldEntries.Builder();
        for (int i = 0; i < n; i++) b.add("!r" + (i % 3) + ":x", "s" + i, "AQAA" + Integer.toString(i, 36), i % 2 == 0);
        return b.build();
    }

    @Test
    void entries_savedBesideTheCheckpoint_loadOnlyWithTheirDigest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cp.json");
        OldEntries e = entries(50);
        Checkpoint.saveEntries(e, file);

        assertTrue(Files.isRegularFile(dir.resolve("cp.json.entries")));
        OldEntries back = Checkpoint.loadEntries(file, e.digest()).orElseThrow();
        assertEquals(e.digest(), back.digest());
        for (int i = 0; i < e.size(); i++) assertEquals(e.authenticated(i), back.authenticated(i));
        assertTrue(Checkpoint.loadEntries(file, entries(49).digest()).isEmpty(), "another set: not this record's");
        assertTrue(Checkpoint.loadEntries(dir.resolve("other.json"), e.digest()).isEmpty(), "no file");

        byte[] bytes = Files.readAllBytes(dir.resolve("cp.json.entries"));
        Files.write(dir.resolve("cp.json.entries"), java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertTrue(Checkpoint.loadEntries(file, e.digest()).isEmpty(), "a cut file is not taken");

        Checkpoint.save(RECORD, file);
        Checkpoint.delete(file);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "the checkpoint and its entries are gone");
        }
    }

    @Test
    void entries_plantedFileWithAnAuthenticatedBitCleared_isNotTaken(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cp.json");
        OldEntries e = entries(50);
        OldEntries.Builder b = new OldEntries.Builder();
        for (int i = 0; i < 50; i++) b.add("!r" + (i % 3) + ":x", "s" + i, "AQAA" + Integer.toString(i, 36), i % 2 == 0 && i != 4);
        Checkpoint.saveEntries(b.build(), file); // what a planted file would hold: s4 no longer authenticated

        assertTrue(Checkpoint.loadEntries(file, e.digest()).isEmpty(), "a weaker set is not this record's");
    }

    @Test
    void stagedEntries_eitherSetTheCheckpointMayName_isFound(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cp.json");
        OldEntries first = entries(20);
        OldEntries grown = entries(30);
        Checkpoint.saveEntries(first, file);
        Checkpoint.stageEntries(grown, file);

        // stopped before the record naming the grown set was saved: the checkpoint still names the first set
        assertEquals(first.digest(), Checkpoint.loadEntries(file, first.digest()).orElseThrow().digest());
        // stopped after it, before the rename: the staged set is taken, and the rename finished
        assertEquals(grown.digest(), Checkpoint.loadEntries(file, grown.digest()).orElseThrow().digest());
        assertFalse(Files.exists(Checkpoint.stagedEntriesFile(file)));
        assertEquals(grown.digest(), OldEntries.fromBytes(Files.readAllBytes(Checkpoint.entriesFile(file))).digest());

        Checkpoint.stageEntries(first, file);
        Checkpoint.save(RECORD, file);
        Checkpoint.delete(file);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "the checkpoint and both entries files are gone");
        }
    }

    @Test
    void endlessOrOversizedFiles_areNotReadWhole(@TempDir Path dir) throws Exception {
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.isReadable(zero), "needs /dev/zero");
        Path file = dir.resolve("cp.json");
        Checkpoint.save(RECORD, file);
        Files.createSymbolicLink(Checkpoint.entriesFile(file), zero);
        assertTrue(Checkpoint.loadEntries(file, RECORD.oldDigest()).isEmpty(), "an endless entries file is not taken");

        Path endless = dir.resolve("endless.json");
        Files.createSymbolicLink(endless, zero);
        WorkflowException e = assertThrows(WorkflowException.class, () -> Checkpoint.load(endless));
        assertTrue(e.getMessage().contains("over " + Checkpoint.MAX_CHECKPOINT_BYTES + " bytes"), e.getMessage());

        Path big = dir.resolve("big.json");
        byte[] padded = new byte[Checkpoint.MAX_CHECKPOINT_BYTES + 1];
        java.util.Arrays.fill(padded, (byte) ' ');
        byte[] record = Files.readAllBytes(file);
        System.arraycopy(record, 0, padded, 0, record.length);
        Files.write(big, padded);
        assertThrows(WorkflowException.class, () -> Checkpoint.load(big), "one byte over the cap");
        Files.write(big, java.util.Arrays.copyOf(padded, Checkpoint.MAX_CHECKPOINT_BYTES));
        assertEquals(RECORD, Checkpoint.load(big), "at the cap: read");
        Files.delete(endless); // the links themselves, so that the temporary folder's clean-up has none to warn about
        Files.delete(Checkpoint.entriesFile(file));
    }
}
