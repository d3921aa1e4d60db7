package keybackup.workflow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The local copy of a {@link MigrationRecord}, so a crashed migration resumes instead of starting a second
 * new version, even when the server lost or changed its copy. Holds no secret. Written atomically
 * (a new temporary file of a random name, forced to disk, then renamed).
 */
final class Checkpoint {
    private Checkpoint() {}

    static void save(MigrationRecord record, Path file) throws IOException {
        // a fresh, unpredictable name created exclusively (never an existing file or a planted symlink), in the
        // checkpoint's own directory so the rename stays on one file system
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(CanonicalJson.encode(record.toJson())));
                ch.force(true); // on disk before the rename makes it the checkpoint
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
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
