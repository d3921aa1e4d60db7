package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final MigrationRecord RECORD = new MigrationRecord("1", "1", "2", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", MigrationRecord.CREATED,
            3, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", 0, 1_700_000_000_000L, 0, 0);

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
}
