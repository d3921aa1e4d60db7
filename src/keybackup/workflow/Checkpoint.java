package keybackup.workflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import keybackup.internal.AtomicFile;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The local copy of a {@link MigrationRecord}, so a crashed migration resumes instead of starting a second
 * new version, even when the server lost or changed its copy, and beside it the entries the migration is
 * bound to ({@link #entriesFile}). Holds no secret. Written atomically (temporary file created exclusively,
 * forced to disk, then renamed).
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

    /**
     * The file beside the checkpoint that holds the entries the migration is bound to ({@link OldEntries}:
     * digests only, no key material). The record keeps only their digest; a resumed run needs the entries to
     * accept a read of the old version that holds them and more (keys written to it meanwhile).
     */
    static Path entriesFile(Path checkpoint) {
        return Path.of(checkpoint + ".entries");
    }

    /** Writes the bound entries beside the checkpoint, atomically. */
    static void saveEntries(OldEntries entries, Path checkpoint) throws IOException {
        AtomicFile.write(entriesFile(checkpoint), entries.toBytes());
    }

    /**
     * The bound entries stored beside the checkpoint, if they are the set whose digest {@code digest} is (the
     * record's); else empty (no such file, another migration's, or not an entries file).
     */
    static Optional<OldEntries> loadEntries(Path checkpoint, String digest) throws IOException {
        Path file = entriesFile(checkpoint);
        if (digest == null || !Files.exists(file)) return Optional.empty();
        OldEntries entries = OldEntries.fromBytes(Files.readAllBytes(file));
        return entries != null && entries.digest().equals(digest) ? Optional.of(entries) : Optional.empty();
    }

    /** Removes the checkpoint and the entries beside it. */
    static void delete(Path checkpoint) throws IOException {
        Files.deleteIfExists(checkpoint);
        Files.deleteIfExists(entriesFile(checkpoint));
    }
}
