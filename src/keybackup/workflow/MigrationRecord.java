package keybackup.workflow;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;

/**
 * What a migration has done so far, with no secret in it: the versions, the new signing key's public half,
 * the version that was current when it started (the new version is never one of these two), the phase,
 * what the reads of the old version the migration is bound to held (the first complete read, and what later
 * reads added: a count and a SHA-256 over their entry digests and authenticated marks, and how many entries
 * did not decrypt or verify: the old version is then never deleted, even
 * if a later read no longer shows them), whether a new signing key was asked for ({@code rotate}, written
 * only when set), the format of the entries digest ({@code entries_format}, {@link OldEntries#FORMAT}; a record
 * with a digest and without it was written by an earlier release, format 1), whether a rotation's last create
 * request was refused outright ({@code create_refused}, written only when set), and timestamps. The same record
 * is the local checkpoint file ({@link Checkpoint}) and the account data entry {@value #TYPE}, so that an
 * unfinished migration is visible from any client and resumable from any machine.
 *
 * <p>Why account data: it is private to the user, every client of the account reads it, and it is where
 * Secret Storage already lives, so a client that can migrate can see it. The type is namespaced after the
 * project ({@code org.keybackup.}) because the {@code m.} namespace is reserved for the Matrix spec and
 * other clients must not mistake it for a spec event.
 *
 * <p>Security property: none. The server can change or remove the record. It only decides what to
 * resume and what to refuse; everything it names is checked again (the signing key against Secret Storage
 * and the new version's trusted AuthData, the old version's content against {@link #oldDigest} or the entries
 * stored beside the checkpoint with that digest), and
 * nothing is deleted on its word.
 */
record MigrationRecord(String fromVersion, String currentAtStart, String toVersion, String signingPublicKey,
                       String phase, long oldSessions, String oldDigest, long migrated, long startedTs,
                       long finishedTs, long oldRejected, boolean rotate, int entriesFormat,
                       boolean createRefused) {
    /** The account data type. */
    static final String TYPE = "org.keybackup.migration";

    /** The first read is done and recorded; the new version may not exist yet. */
    static final String STARTED = "started";
    /** The new version exists ({@link #toVersion}). */
    static final String CREATED = "created";
    /** Every key read from the old version was uploaded, and the read held every entry of the first read. */
    static final String UPLOADED = "uploaded";
    /** The new version was read back and holds every entry; the old one may now be deleted. */
    static final String VERIFIED = "verified";
    /** Done: nothing to resume. */
    static final String FINISHED = "finished";

    private static final List<String> PHASES = List.of(STARTED, CREATED, UPLOADED, VERIFIED, FINISHED);
    /** Version ids as servers write them: visible ASCII, no dot segment (they go into URL paths). */
    private static final Pattern VERSION = Pattern.compile("[\\x21-\\x7e]{1,255}");

    /** A record whose digest, if any, is of the current entries format ({@link OldEntries#FORMAT}). */
    MigrationRecord(String fromVersion, String currentAtStart, String toVersion, String signingPublicKey,
            String phase, long oldSessions, String oldDigest, long migrated, long startedTs, long finishedTs,
            long oldRejected, boolean rotate) {
        this(fromVersion, currentAtStart, toVersion, signingPublicKey, phase, oldSessions, oldDigest, migrated,
                startedTs, finishedTs, oldRejected, rotate, OldEntries.FORMAT, false);
    }

    MigrationRecord {
        Objects.requireNonNull(fromVersion, "fromVersion");
        Objects.requireNonNull(currentAtStart, "currentAtStart");
        Objects.requireNonNull(signingPublicKey, "signingPublicKey");
        Objects.requireNonNull(phase, "phase");
    }

    boolean finished() {
        return FINISHED.equals(phase);
    }

    /** True once {@code phase} is {@code p} or later. */
    boolean atLeast(String p) {
        return PHASES.indexOf(phase) >= PHASES.indexOf(p);
    }

    /** With the new version {@code v}, which exists: a create refused before it no longer matters. */
    MigrationRecord withTarget(String v) {
        return new MigrationRecord(fromVersion, currentAtStart, v, signingPublicKey, CREATED, oldSessions, oldDigest,
                migrated, startedTs, finishedTs, oldRejected, rotate, entriesFormat, false);
    }

    MigrationRecord withSigningKey(String key, boolean rotateKey) {
        return new MigrationRecord(fromVersion, currentAtStart, toVersion, key, phase, oldSessions, oldDigest, migrated,
                startedTs, finishedTs, oldRejected, rotateKey, entriesFormat, createRefused);
    }

    /**
     * With what the reads bound so far held: readable entries, their digest (of the current entries format), and
     * the most undecryptable entries any read showed.
     */
    MigrationRecord withOld(long sessions, String digest, long rejected) {
        return new MigrationRecord(fromVersion, currentAtStart, toVersion, signingPublicKey, phase, sessions, digest,
                migrated, startedTs, finishedTs, Math.max(oldRejected, rejected), rotate, OldEntries.FORMAT,
                createRefused);
    }

    MigrationRecord withPhase(String p, long migratedCount) {
        return new MigrationRecord(fromVersion, currentAtStart, toVersion, signingPublicKey, p, oldSessions, oldDigest,
                migratedCount, startedTs, FINISHED.equals(p) ? System.currentTimeMillis() : finishedTs, oldRejected,
                rotate, entriesFormat, createRefused);
    }

    /**
     * With whether the last create request of a rotation was refused outright (a 4xx): then {@code --abandon} may
     * go on ({@link MigrationAbandon}), since resuming may never get further.
     */
    MigrationRecord withCreateRefused(boolean refused) {
        return new MigrationRecord(fromVersion, currentAtStart, toVersion, signingPublicKey, phase, oldSessions,
                oldDigest, migrated, startedTs, finishedTs, oldRejected, rotate, entriesFormat, refused);
    }

    /** The new signing key's public half (validated when the record was parsed or made from a key). */
    Ed25519PublicKey signingKey() {
        try {
            return Ed25519PublicKey.parse("signing_public_key", signingPublicKey);
        } catch (KeyFormatException e) {
            throw new IllegalStateException("a migration record holds a malformed signing key", e);
        }
    }

    /** "from 1 to 2" or "from 1 (new version not created yet)". */
    String describe() {
        return "from version " + fromVersion + (toVersion == null ? " (new version not created yet)" : " to version "
                + toVersion);
    }

    Json.Obj toJson() {
        Json.Obj o = Json.obj("from_version", Json.of(fromVersion), "current_at_start", Json.of(currentAtStart),
                "signing_public_key", Json.of(signingPublicKey),
                "phase", Json.of(phase), "old_sessions", Json.of(oldSessions), "migrated", Json.of(migrated),
                "started_ts", Json.of(startedTs));
        if (toVersion != null) o = o.with("to_version", Json.of(toVersion));
        if (oldDigest != null) {
            o = o.with("old_digest", Json.of(oldDigest));
            if (entriesFormat != 1) o = o.with("entries_format", Json.of(entriesFormat));
        }
        if (finishedTs > 0) o = o.with("finished_ts", Json.of(finishedTs));
        if (oldRejected > 0) o = o.with("old_rejected", Json.of(oldRejected));
        if (rotate) o = o.with("rotate", Json.of(true));
        if (createRefused) o = o.with("create_refused", Json.of(true));
        return o;
    }

    /**
     * Parses and validates a record (from the server or a checkpoint file); {@code where} names the source in errors.
     */
    static MigrationRecord parse(Json.Obj o, String where) throws WorkflowException {
        String from = version(o, "from_version", where, true);
        String currentAtStart = version(o, "current_at_start", where, true);
        String to = version(o, "to_version", where, false);
        String key = o.string("signing_public_key");
        try {
            Ed25519PublicKey.parse("signing_public_key", key);
        } catch (KeyFormatException e) {
            throw new WorkflowException(where + ": " + e.getMessage());
        }
        String phase = o.string("phase");
        if (!PHASES.contains(phase)) throw new WorkflowException(where + ": phase: expected one of " + PHASES);
        if (to == null && !STARTED.equals(phase)) {
            throw new WorkflowException(where + ": to_version is missing in phase " + phase);
        }
        String digest = null;
        if (o.has("old_digest")) {
            digest = o.string("old_digest");
            try {
                Base64Unpadded.decode("old_digest", digest, 32);
            } catch (KeyFormatException e) {
                throw new WorkflowException(where + ": old_digest: " + e.getMessage());
            }
        }
        int format = OldEntries.FORMAT;
        if (o.has("entries_format")) {
            if (!(o.get("entries_format") instanceof Json.Int f) || f.value() != OldEntries.FORMAT) {
                throw new WorkflowException(where + ": entries_format: expected " + OldEntries.FORMAT
                        + " (a newer release of keybackup may have written it)");
            }
        } else if (digest != null) {
            format = 1; // written before the format was recorded
        }
        if (to != null && (to.equals(from) || to.equals(currentAtStart))) {
            throw new WorkflowException(where + ": to_version: names an older version");
        }
        boolean rotate = flag(o, "rotate", where);
        boolean createRefused = flag(o, "create_refused", where);
        if (createRefused && (!rotate || to != null)) {
            // it lets --abandon go on mid-rotation, and its note says a signing key was replaced: only where written
            throw new WorkflowException(where + ": create_refused: set only in a rotation's record without to_version");
        }
        return new MigrationRecord(from, currentAtStart, to, key, phase, count(o, "old_sessions", where), digest,
                count(o, "migrated", where), count(o, "started_ts", where),
                o.has("finished_ts") ? count(o, "finished_ts", where) : 0,
                o.has("old_rejected") ? count(o, "old_rejected", where) : 0, rotate, format, createRefused);
    }

    private static String version(Json.Obj o, String field, String where, boolean required) throws WorkflowException {
        if (!o.has(field) && !required) return null;
        String v = o.string(field);
        if (v == null || !VERSION.matcher(v).matches() || v.equals(".") || v.equals("..")) {
            throw new WorkflowException(where + ": " + field + ": expected a backup version id");
        }
        return v;
    }

    private static boolean flag(Json.Obj o, String field, String where) throws WorkflowException {
        if (!o.has(field)) return false;
        if (!(o.get(field) instanceof Json.Bool b)) {
            throw new WorkflowException(where + ": " + field + ": expected true or false");
        }
        return b.value();
    }

    private static long count(Json.Obj o, String field, String where) throws WorkflowException {
        if (!(o.get(field) instanceof Json.Int i) || i.value() < 0) {
            throw new WorkflowException(where + ": " + field + ": expected a non-negative integer");
        }
        return i.value();
    }

    // ---- on the server ----

    /** The record in account data, or empty when there is none (never written, or cleared with {@code {}}). */
    static Optional<MigrationRecord> load(Account account) throws StoreException, WorkflowException {
        Optional<Json.Obj> o = account.store().getAccountData(TYPE);
        if (o.isEmpty()) return Optional.empty();
        try {
            return Optional.of(parse(o.get(), "account data " + TYPE));
        } catch (WorkflowException e) {
            throw new WorkflowException(e.getMessage() + " (run migrate --abandon to remove this record)");
        }
    }

    void publish(Account account) throws StoreException {
        account.store().putAccountData(TYPE, toJson());
    }

    /** Removes the record ({@code {}} is account data's "deleted"). */
    static void clear(Account account) throws StoreException {
        account.store().putAccountData(TYPE, Json.obj());
    }
}
