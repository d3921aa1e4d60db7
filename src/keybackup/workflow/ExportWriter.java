package keybackup.workflow;

import java.io.IOException;
import java.io.OutputStream;
import keybackup.backup.ExportedSession;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;
import keybackup.trust.SessionVerdict;
import keybackup.trust.SessionVerifier;

/**
 * Writes restored sessions in the JSON key-export format (spec "Key export format": an array of
 * SessionData objects with {@code room_id} and {@code session_id}), one at a time, so a large restore
 * never holds the whole file in memory. Each entry carries {@code keybackup.verdict}
 * ({@code {"verdict", "reason"}}); the backup's {@code signatures} and {@code authenticated} flag are
 * removed, because an importer reading them without this project's checks could believe a claim that
 * did not verify. The {@code unsigned} member is removed too: the signature does not cover it (signed
 * JSON is checked over the object without {@code signatures} and {@code unsigned}), so whoever can write
 * to the backup can put anything there, next to an {@code authenticated} verdict. What remains of an
 * authenticated entry is exactly what its signature covers. Rejected sessions are never written.
 *
 * <p>An {@code authenticated} verdict that rests only on a device key taken as the server publishes it
 * (not compared by the user) is written with {@code "key_compared": false}, so that a re-upload of the
 * file cannot turn that weaker trust into a full one ({@link ExportedSession#recordedWord}).
 *
 * <p>The verdicts written here are for the user's information. Read back by
 * {@link keybackup.backup.ExportedSession#from}, they can only lower an entry's status on upload
 * ({@link keybackup.trust.KeySource#forEntry}), never raise it.
 */
public final class ExportWriter implements AutoCloseable {
    /** The member of each entry that records its verdict: {@value}. */
    public static final String VERDICT_MEMBER = ExportedSession.VERDICT_MEMBER;

    private final OutputStream out;
    private boolean first = true;
    private long written;

    /**
     * Starts the export by writing the array's opening bracket. The entries hold session keys in plaintext:
     * where {@code out} goes is the caller's choice.
     *
     * @param out where the export goes; owned by the writer from now on, closed by {@link #close()}
     * @throws IOException the first byte could not be written
     */
    public ExportWriter(OutputStream out) throws IOException {
        this.out = out;
        out.write('[');
    }

    /**
     * Writes the entry unless its verdict is {@code rejected}; returns whether it was written. The entry is
     * the session as it decrypted, without its claims, plus its room, session ID and verdict.
     *
     * @param r the verdict of one session, from a restore
     * @return true when the entry was written; false when there was no decrypted session data to write
     * @throws IOException the output failed; the file is then incomplete
     */
    public boolean write(SessionVerifier.Result r) throws IOException {
        byte[] entry = entry(r);
        if (entry == null) return false;
        writeEntry(entry);
        return true;
    }

    /**
     * The exact bytes {@link #write(SessionVerifier.Result)} writes for {@code r} (its canonical JSON entry), for a
     * caller that checks what goes out before it goes ({@link #writeEntry}). They hold the session key: never log
     * them.
     *
     * @param r the verdict of one session, from a restore
     * @return the entry's canonical JSON, or null when there is no decrypted session data to write
     */
    public static byte[] entry(SessionVerifier.Result r) {
        if (r.sessionData() == null) return null;
        // Only what the signature covers: not "signatures", not "unsigned"; no flag; the verdict is added below.
        Json.Obj entry = SessionSigner.withoutClaims(r.sessionData().json());
        Json.Obj verdict = Json.obj("verdict", Json.of(r.verdict().word()),
                "reason", r.verdict().reason() == null ? Json.Null.INSTANCE : Json.of(r.verdict().reason().wire()));
        if (r.verdict() instanceof SessionVerdict.Authenticated
                && !KeySource.fromRestore(r.verdict()).authenticated()) {
            // Authenticated only on the server's word for a device key: recorded, so a re-upload cannot keep it.
            verdict = verdict.with(ExportedSession.KEY_COMPARED, Json.of(false));
        }
        entry = entry.with("room_id", Json.of(r.roomId())).with("session_id", Json.of(r.sessionId()))
                .with(VERDICT_MEMBER, verdict);
        return CanonicalJson.encode(entry);
    }

    /**
     * Writes one entry made by {@link #entry}, as {@link #write(SessionVerifier.Result)} would have.
     *
     * @param entry the bytes {@link #entry} returned, unchanged
     * @throws IOException the output failed; the file is then incomplete
     */
    public void writeEntry(byte[] entry) throws IOException {
        if (!first) out.write(',');
        out.write('\n');
        out.write(entry);
        first = false;
        written++;
    }

    /**
     * How many entries were written so far.
     *
     * @return the count of {@link #write} calls that returned true
     */
    public long written() {
        return written;
    }

    @Override
    public void close() throws IOException {
        out.write(first ? "]\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)
                : "\n]\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.close();
    }
}
