package keybackup.workflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import keybackup.internal.AtomicFile;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The local copy of a {@link MigrationRecord}, so a crashed migration resumes instead of starting a second
 * new version, even when the server lost or changed its copy. Holds no secret. Written atomically
 * (temporary file created exclusively, forced to disk, then renamed).
 */
final class Checkpoint {
    private Checkpoint() {}

    static void save(MigrationRecord record, Path file) throws IOException {
        AtomicFile.write(file, CanonicalJson.encode(record.toJson()));
    }

    static MigrationRecord load(Path file) throws IOException, WorkflowException {
        try {
            if (!(JsonReader.parse(Files.readAllBytes(file)) instanceof Json.Obj o)) {
                throw new WorkflowException("checkpoint " + file + ": not a migration checkpoint");
            }
            return MigrationRecord.parse(o, "checkpoint " + file);
        } catch (JsonException e) {
            throw new WorkflowException("checkpoint " + file + ": " + e.getMessage());
        }
    }
}
