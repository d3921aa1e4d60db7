package keybackup.workflow;

import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;
import keybackup.backup.MegolmBackupV1;
import keybackup.homeserver.StoreException;
import keybackup.internal.Parallel;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.KeyFormatException;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.SessionVerifier;
import keybackup.trust.VerifiedSignatures;

/**
 * Downloads one backup version and gives every session its verdict (protocol.md §11.3): trust of the
 * AuthData first, then the backup key (from the caller or Secret Storage, checked against
 * {@code auth_data.public_key}), then the sessions, streamed and verified on worker threads.
 */
public final class Restore {
    private Restore() {}

    private record Stored(String roomId, String sessionId, Json.Obj data) {}

    /**
     * Receives each verified session; called by one thread at a time. Its checked exception {@code X} (or an
     * unchecked one) stops the restore and comes out of {@link #run} as itself.
     */
    @FunctionalInterface
    public interface Sink<X extends Exception> {
        /**
         * Takes the verdict of one session, in whatever order the workers finish.
         *
         * @param result the session's verdict, with its keys when it decrypted; the sink decides what leaves
         * @throws X the sink could not take it (for example, its output failed): the restore stops
         */
        void accept(SessionVerifier.Result result) throws X;
    }

    /** What the returned audit keeps: the counts only, or every entry too. */
    public enum AuditEntries {
        /** Only the counts: memory does not grow with the backup (a restore of a million keys). */
        COUNTS_ONLY,
        /** Every entry, for a report of each key (an audit). */
        KEEP
    }

    /**
     * How a restore runs, by name: {@code Options.DEFAULT.withThreads(4).with(AuditEntries.KEEP)}.
     *
     * @param threads worker threads that decrypt and verify, at least 1
     * @param entries what the returned audit keeps
     * @param progress called with the number of sessions done after each session, one call at a time (keep it
     *                 cheap: it runs under the lock of the results); null for none
     */
    public record Options(int threads, AuditEntries entries, LongConsumer progress) {
        /** Two threads, counts only, no progress. */
        public static final Options DEFAULT = new Options(2, AuditEntries.COUNTS_ONLY, null);

        /**
         * Checks the options; {@code progress} alone may be null.
         *
         * @param threads worker threads that decrypt and verify, at least 1
         * @param entries what the returned audit keeps
         * @param progress called with the number of sessions done after each session, one call at a time (keep it
         *        cheap: it runs under the lock of the results); null for none
         * @throws IllegalArgumentException {@code threads} is below 1 (a caller bug)
         * @throws NullPointerException {@code entries} is null (a caller bug)
         */
        public Options {
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
            Objects.requireNonNull(entries, "entries");
        }

        /**
         * Returns these options with another number of worker threads; the others are kept.
         *
         * @param threads at least 1; checked by the constructor
         * @return new options; these are unchanged
         */
        public Options withThreads(int threads) {
            return new Options(threads, entries, progress);
        }

        /**
         * Returns these options keeping more or less in the returned audit; the others are kept.
         *
         * @param entries the counts only, or every entry too
         * @return new options; these are unchanged
         */
        public Options with(AuditEntries entries) {
            return new Options(threads, entries, progress);
        }

        /**
         * Returns these options reporting progress elsewhere; the others are kept.
         *
         * @param progress gets the number of sessions done; null for none
         * @return new options; these are unchanged
         */
        public Options withProgress(LongConsumer progress) {
            return new Options(threads, entries, progress);
        }
    }

    /**
     * The backup key from Secret Storage ({@code m.megolm_backup.v1}). Only a candidate: check it with
     * {@link #checkKeyMatches} before use. The decrypted bytes are zeroed before returning.
     *
     * @param account the account, with Secret Storage unlocked
     * @return the backup decryption key, owned (and closed) by the caller
     * @throws StoreException the account data could not be fetched (network or server failure)
     * @throws WorkflowException Secret Storage is locked or holds no backup key, or the stored key cannot be
     *         decrypted or is malformed (wrong Secret Storage key, or data tampered with)
     */
    public static BackupDecryptionKey keyFromSecretStorage(Account account) throws StoreException, WorkflowException {
        try {
            Optional<byte[]> raw = account.secrets().keyBytes(SecretStorage.BACKUP_DECRYPTION_KEY);
            if (raw.isEmpty()) throw new WorkflowException("Secret Storage holds no backup key ("
                    + SecretStorage.BACKUP_DECRYPTION_KEY + ")");
            try {
                return BackupDecryptionKey.fromBytes(raw.get());
            } finally {
                java.util.Arrays.fill(raw.get(), (byte) 0);
            }
        } catch (SecretStorageException | KeyFormatException e) {
            throw new WorkflowException(SecretStorage.BACKUP_DECRYPTION_KEY + ": " + e.getMessage());
        }
    }

    /**
     * Refuses a key that does not belong to the version (a stale secret, a mistyped recovery key).
     *
     * @param key the candidate backup decryption key; not closed here
     * @param versionInfo the version info as the server returned it
     * @throws WorkflowException the version's algorithm is not {@code m.megolm_backup.v1}, its
     *         {@code auth_data.public_key} is missing or malformed, or {@code key} does not match it
     */
    public static void checkKeyMatches(BackupDecryptionKey key, Json.Obj versionInfo) throws WorkflowException {
        if (!MegolmBackupV1.ALGORITHM.equals(versionInfo.string("algorithm"))) {
            throw new WorkflowException("backup version " + versionInfo.string("version") + " uses algorithm "
                    + versionInfo.string("algorithm") + ", not " + MegolmBackupV1.ALGORITHM);
        }
        Json.Obj ad = versionInfo.object("auth_data");
        try {
            Curve25519PublicKey pub = Curve25519PublicKey.parse("auth_data.public_key", ad == null ? null
                    : ad.string("public_key"));
            if (!key.matches(pub)) throw new WorkflowException(
                    "the backup key does not match auth_data.public_key of version " + versionInfo.string("version"));
        } catch (KeyFormatException e) {
            throw new WorkflowException(e.getMessage());
        }
    }

    /**
     * Verifies every session of the version {@code trust} was resolved from ({@link AuthDataTrust#versionInfo}:
     * the trust decision and the version read cannot be two different ones) and hands each result to
     * {@code sink} (may be null). Reads only: nothing is written to the server.
     *
     * @param <X> the sink's own failure
     * @param account the account whose store the version is read from
     * @param trust the resolved trust of the version to read; it fixes which version that is
     * @param key the version's backup decryption key; still owned by the caller
     * @param options threads, what the audit keeps, progress
     * @param sink gets each verdict, or null when only the audit is wanted
     * @return the counts of every verdict, and each entry too with {@link AuditEntries#KEEP}
     * @throws StoreException the store failed (network, the server's answer, local files)
     * @throws WorkflowException {@code key} is not this version's backup key, or its algorithm is not supported
     * @throws X the sink's own failure, as it threw it (an unchecked one too), never labelled a store error
     */
    public static <X extends Exception> BackupAudit run(Account account, AuthDataTrust trust, BackupDecryptionKey key,
                                                        Options options, Sink<X> sink)
            throws StoreException, WorkflowException, X {
        return run(account, trust, key, options, null, sink);
    }

    /**
     * {@link #run(Account, AuthDataTrust, BackupDecryptionKey, Options, Sink)} with a set of signatures already
     * found valid, filled as it goes ({@link VerifiedSignatures}: a second read of the same entries, in a
     * migration, checks no signature twice); null for none.
     */
    static <X extends Exception> BackupAudit run(Account account, AuthDataTrust trust, BackupDecryptionKey key,
            Options options, VerifiedSignatures verified, Sink<X> sink) throws StoreException, WorkflowException, X {
        Json.Obj versionInfo = trust.versionInfo();
        checkKeyMatches(key, versionInfo);
        String version = versionInfo.string("version");
        BackupAudit audit = new BackupAudit(account.userId(), trust, options.entries() == AuditEntries.KEEP);
        SessionVerifier verifier = new SessionVerifier(trust, key, verified);
        LongConsumer progress = options.progress();
        Object lock = new Object();
        try (Parallel<Stored, X> workers = new Parallel<>(options.threads(), item -> {
            SessionVerifier.Result r = verifier.verify(item.roomId(), item.sessionId(), item.data());
            synchronized (lock) {
                audit.add(r);
                if (sink != null) sink.accept(r);
                if (progress != null) progress.accept(audit.total());
            }
        })) {
            boolean streamed = false;
            try {
                account.store().streamKeys(version, (room, session, data) -> {
                    try {
                        workers.submit(new Stored(room, session, data));
                    } catch (Exception e) { // the sink's or the progress callback's: past the store, unwrapped below
                        throw new CallerFailed(e);
                    }
                });
                streamed = true;
            } catch (CallerFailed e) {
                throw Restore.<X>callerFailure(e.getCause());
            } finally {
                if (!streamed) workers.awaitIdle(); // the sink is never called once run has returned
            }
            workers.finish();
        }
        return audit;
    }

    /** A caller's exception on its way out of the store's stream, which lets only store exceptions through. */
    private static final class CallerFailed extends StoreException {
        private static final long serialVersionUID = 1L;

        CallerFailed(Exception cause) {
            super("stopped by the caller", cause);
        }
    }

    @SuppressWarnings("unchecked") // the callbacks' only checked exception is X
    private static <X extends Exception> X callerFailure(Throwable t) {
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        return (X) t;
    }
}
