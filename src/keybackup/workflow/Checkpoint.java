package keybackup.workflow;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    /** The most bytes a checkpoint is read up to: a record is a few hundred bytes. */
    static final int MAX_CHECKPOINT_BYTES = 64 * 1024;

    /**
     * The most bytes an entries file is read up to: 25 bytes per key ({@link OldEntries}), so about 2.6 million
     * keys (a million take about 25 MB). A larger
     * file (or an endless one, such as a link to a device) is not taken: the run then binds itself as it would
     * without the file.
     */
    static final int MAX_ENTRIES_BYTES = 64 * 1024 * 1024;

    static MigrationRecord load(Path file) throws IOException, WorkflowException {
        byte[] bytes = readCapped(file, MAX_CHECKPOINT_BYTES);
        if (bytes == null) {
            throw new WorkflowException("checkpoint " + file + ": over " + MAX_CHECKPOINT_BYTES
                    + " bytes, not a migration checkpoint");
        }
        try {
            if (!(JsonReader.parse(bytes) instanceof Json.Obj o)) {
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

    /**
     * Where grown entries wait while the record that names them is written ({@link #stageEntries}): until
     * that record is in the checkpoint, the entries file still holds the set the checkpoint names.
     */
    static Path stagedEntriesFile(Path checkpoint) {
        return Path.of(checkpoint + ".entries.next");
    }

    /** Writes the bound entries beside the checkpoint, atomically; only while no checkpoint names others. */
    static void saveEntries(OldEntries entries, Path checkpoint) throws IOException {
        AtomicFile.write(entriesFile(checkpoint), entries.toBytes());
    }

    /**
     * The first half of replacing the entries of a saved checkpoint: writes them to {@link #stagedEntriesFile};
     * then the record naming them is saved, and {@link #commitEntries} makes them the entries file. A crash or
     * failure between the steps leaves, under one of the two names, the set the checkpoint names.
     */
    static void stageEntries(OldEntries entries, Path checkpoint) throws IOException {
        AtomicFile.write(stagedEntriesFile(checkpoint), entries.toBytes());
    }

    /** The second half: the staged entries become the entries file (an atomic rename). */
    static void commitEntries(Path checkpoint) throws IOException {
        Files.move(stagedEntriesFile(checkpoint), entriesFile(checkpoint), StandardCopyOption.ATOMIC_MOVE);
        AtomicFile.syncDirectory(entriesFile(checkpoint).toAbsolutePath().getParent());
    }

    /**
     * The bound entries stored beside the checkpoint, if they are the set whose digest {@code digest} is (the
     * record's); else empty (no such file, another migration's, or not an entries file). When only the staged
     * file holds that set (the run stopped after saving the record, before the rename), the rename is done now,
     * so that the entries file again holds the set the checkpoint names before anything else is staged.
     */
    static Optional<OldEntries> loadEntries(Path checkpoint, String digest) throws IOException {
        if (digest == null) return Optional.empty();
        Optional<OldEntries> entries = read(entriesFile(checkpoint), digest);
        if (entries.isPresent()) return entries;
        entries = read(stagedEntriesFile(checkpoint), digest);
        if (entries.isPresent()) commitEntries(checkpoint);
        return entries;
    }

    private static Optional<OldEntries> read(Path file, String digest) throws IOException {
        if (!Files.exists(file)) return Optional.empty();
        byte[] bytes = readCapped(file, MAX_ENTRIES_BYTES);
        OldEntries entries = bytes == null ? null : OldEntries.fromBytes(bytes);
        return entries != null && entries.digest().equals(digest) ? Optional.of(entries) : Optional.empty();
    }

    /** The file's bytes, or null when it holds more than {@code max}; never reads more than {@code max + 1}. */
    private static byte[] readCapped(Path file, int max) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(max + 1);
            return bytes.length > max ? null : bytes;
        }
    }

    /** Removes the checkpoint and the entries beside it. */
    static void delete(Path checkpoint) throws IOException {
        Files.deleteIfExists(checkpoint);
        Files.deleteIfExists(entriesFile(checkpoint));
        Files.deleteIfExists(stagedEntriesFile(checkpoint));
    }
}
