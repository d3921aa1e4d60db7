package keybackup.workflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The migration's progress on disk, so a crashed migration resumes instead of starting a second new
 * version. Holds no secret: version ids, the new signing key's public half, and the phase. Written
 * atomically (temporary file, then rename).
 */
record Checkpoint(String oldVersion, String newVersion, String signingPublicKey, String phase) {
    static final String SIGNING_KEY_STORED = "signing_key_stored";
    static final String CREATED = "created";
    static final String UPLOADED = "uploaded";

    Checkpoint withNewVersion(String v) {
        return new Checkpoint(oldVersion, v, signingPublicKey, CREATED);
    }

    Checkpoint withPhase(String p) {
        return new Checkpoint(oldVersion, newVersion, signingPublicKey, p);
    }

    void save(Path file) throws IOException {
        Json.Obj o = Json.obj("old_version", Json.of(oldVersion),
                "new_version", newVersion == null ? Json.Null.INSTANCE : Json.of(newVersion),
                "signing_public_key", Json.of(signingPublicKey), "phase", Json.of(phase));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(CanonicalJson.encode(o)));
            ch.force(true); // on disk before the rename makes it the checkpoint
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Checkpoint load(Path file) throws IOException, WorkflowException {
        try {
            if (!(JsonReader.parse(Files.readAllBytes(file)) instanceof Json.Obj o)
                    || o.string("old_version") == null || o.string("signing_public_key") == null || o.string("phase") == null) {
                throw new WorkflowException("checkpoint " + file + ": not a migration checkpoint");
            }
            return new Checkpoint(o.string("old_version"), o.string("new_version"), o.string("signing_public_key"), o.string("phase"));
        } catch (JsonException e) {
            throw new WorkflowException("checkpoint " + file + ": " + e.getMessage());
        }
    }
}
