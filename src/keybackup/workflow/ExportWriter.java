package keybackup.workflow;

import java.io.IOException;
import java.io.OutputStream;
import keybackup.backup.FieldNames;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.trust.SessionVerifier;

/**
 * Writes restored sessions in the JSON key-export format (spec "Key export format": an array of
 * SessionData objects with {@code room_id} and {@code session_id}), one at a time, so a large restore
 * never holds the whole file in memory. Each entry carries {@code keybackup.verdict}
 * ({@code {"verdict", "reason"}}); the backup's {@code signatures} and {@code authenticated} flag are
 * removed, because an importer reading them without this project's checks could believe a claim that
 * did not verify. Rejected sessions are never written.
 */
public final class ExportWriter implements AutoCloseable {
    public static final String VERDICT_MEMBER = "keybackup.verdict";

    private final OutputStream out;
    private boolean first = true;
    private long written;

    public ExportWriter(OutputStream out) throws IOException {
        this.out = out;
        out.write('[');
    }

    /** Writes the entry unless its verdict is {@code rejected}; returns whether it was written. */
    public boolean write(SessionVerifier.Result r) throws IOException {
        if (r.sessionData() == null) return false;
        Json.Obj entry = r.sessionData().json().without("signatures");
        for (String s : FieldNames.spellings(FieldNames.AUTHENTICATED)) entry = entry.without(s);
        entry = entry.with("room_id", Json.of(r.roomId())).with("session_id", Json.of(r.sessionId()))
                .with(VERDICT_MEMBER, Json.obj("verdict", Json.of(r.verdict().word()),
                        "reason", r.verdict().reason() == null ? Json.Null.INSTANCE : Json.of(r.verdict().reason().wire())));
        if (!first) out.write(',');
        out.write('\n');
        out.write(CanonicalJson.encode(entry));
        first = false;
        written++;
        return true;
    }

    public long written() {
        return written;
    }

    @Override
    public void close() throws IOException {
        out.write(first ? "]\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII) : "\n]\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.close();
    }
}
