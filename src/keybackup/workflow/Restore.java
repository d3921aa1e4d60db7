package keybackup.workflow;

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

/**
 * Downloads one backup version and gives every session its verdict (protocol.md §11.3): trust of the
 * AuthData first, then the backup key (from the caller or Secret Storage, checked against
 * {@code auth_data.public_key}), then the sessions, streamed and verified on worker threads.
 */
public final class Restore {
    private Restore() {}

    private record Stored(String roomId, String sessionId, Json.Obj data) {}

    /** Receives each verified session; called by one thread at a time. */
    @FunctionalInterface
    public interface Sink {
        void accept(SessionVerifier.Result result) throws Exception;
    }

    /** The backup key from Secret Storage ({@code m.megolm_backup.v1}). */
    public static BackupDecryptionKey keyFromSecretStorage(Account account) throws StoreException, WorkflowException {
        try {
            Optional<byte[]> raw = account.secrets().keyBytes(SecretStorage.BACKUP_DECRYPTION_KEY);
            if (raw.isEmpty()) throw new WorkflowException("Secret Storage holds no backup key (" + SecretStorage.BACKUP_DECRYPTION_KEY + ")");
            try {
                return BackupDecryptionKey.fromBytes(raw.get());
            } finally {
                java.util.Arrays.fill(raw.get(), (byte) 0);
            }
        } catch (SecretStorageException | KeyFormatException e) {
            throw new WorkflowException(SecretStorage.BACKUP_DECRYPTION_KEY + ": " + e.getMessage());
        }
    }

    /** Refuses a key that does not belong to the version (a stale secret, a mistyped recovery key). */
    public static void checkKeyMatches(BackupDecryptionKey key, Json.Obj versionInfo) throws WorkflowException {
        if (!MegolmBackupV1.ALGORITHM.equals(versionInfo.string("algorithm"))) {
            throw new WorkflowException("backup version " + versionInfo.string("version") + " uses algorithm "
                    + versionInfo.string("algorithm") + ", not " + MegolmBackupV1.ALGORITHM);
        }
        Json.Obj ad = versionInfo.object("auth_data");
        try {
            Curve25519PublicKey pub = Curve25519PublicKey.parse("auth_data.public_key", ad == null ? null : ad.string("public_key"));
            if (!key.matches(pub)) throw new WorkflowException("the backup key does not match auth_data.public_key of version " + versionInfo.string("version"));
        } catch (KeyFormatException e) {
            throw new WorkflowException(e.getMessage());
        }
    }

    /**
     * Verifies every session of {@code versionInfo}'s version and hands each result to {@code sink}.
     *
     * @param keepEntries keep every entry in the returned audit (false for very large backups)
     * @param progress called with the number of sessions done after each session, one call at a time (keep it
     *                 cheap: it runs under the lock of the results); may be null
     */
    public static BackupAudit run(Account account, Json.Obj versionInfo, AuthDataTrust trust, BackupDecryptionKey key, int threads,
                                  boolean keepEntries, Sink sink, LongConsumer progress) throws Exception {
        checkKeyMatches(key, versionInfo);
        String version = versionInfo.string("version");
        BackupAudit audit = new BackupAudit(account.userId(), trust, keepEntries);
        SessionVerifier verifier = new SessionVerifier(trust, key);
        Object lock = new Object();
        try (Parallel<Stored> workers = new Parallel<>(threads, item -> {
            SessionVerifier.Result r = verifier.verify(item.roomId(), item.sessionId(), item.data());
            synchronized (lock) {
                audit.add(r);
                if (sink != null) sink.accept(r);
                if (progress != null) progress.accept(audit.total());
            }
        })) {
            try {
                account.store().streamKeys(version, (room, session, data) -> {
                    try {
                        workers.submit(new Stored(room, session, data));
                    } catch (StoreException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new StoreException("restore stopped: " + e.getMessage(), e);
                    }
                });
            } finally {
                workers.finish();
            }
        }
        return audit;
    }
}
