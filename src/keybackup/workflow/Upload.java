package keybackup.workflow;

import java.util.List;
import java.util.Optional;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.KeyFormatException;
import keybackup.secrets.SecretStorageException;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;

/**
 * Uploads sessions from the key-export format to the current backup version. Keys are stored only in
 * a backup this client may write to (spec "Server-side key backups"): its AuthData is trusted through a
 * compared key (not only {@code device_as_published}), or the backup key in Secret Storage matches
 * {@code auth_data.public_key}. Entries are signed when the
 * AuthData is trusted and Secret Storage holds the signing key it names; otherwise they go up unsigned.
 *
 * <p>Each entry's {@code authenticated} flag comes from {@code source} lowered by the entry's recorded
 * verdict, if it has one ({@link KeySource#forEntry}): an entry read from a restore's output never goes up.
 * {@code is_verified} is {@code false} unless the caller states {@link Uploader.SendingDevice#VERIFIED_BY_THIS_DEVICE}.
 */
public final class Upload {
    private Upload() {}

    /** @param lowered entries uploaded with a lower flag than {@code source} gives, because of their recorded verdict */
    public record Result(String version, long sessions, long batches, long serverCount, boolean signed, String note, long lowered) {}

    /**
     * The sessions of an upload, walked once per pass: {@link #select} walks them to choose the copies,
     * {@link #run(Account, Selection, KeySource, Uploader.SendingDevice, FieldNames, int, Uploader.Limits)}
     * walks them again to send those copies. A list is walked again; a file is read again, so nothing
     * grows with the number of sessions but a table of 24 bytes per distinct session.
     */
    @FunctionalInterface
    public interface Sessions {
        void forEach(ExportReader.Visitor visitor) throws Exception;
    }

    /** What the first pass found: the best copy of each (room, session). Used by one run only. */
    public static final class Selection {
        private final Sessions sessions;
        private final BestCopies best;
        private final long entries;
        private boolean used;

        private Selection(Sessions sessions, BestCopies best, long entries) {
            this.sessions = sessions;
            this.best = best;
            this.entries = entries;
        }

        /** Entries read, copies included. */
        public long entries() {
            return entries;
        }

        /** Distinct (room, session) pairs: what the upload sends. */
        public long distinct() {
            return best.size();
        }
    }

    /**
     * Pass one: walks {@code sessions} and records, per (room, session), the copy that decrypts the most
     * messages (lowest first index; on a tie, fewer forwards; then the first). Two copies in one upload
     * would otherwise race, and the server could keep the worse one. Errors of the walk (a bad entry)
     * come out of here, before anything is sent.
     */
    public static Selection select(Sessions sessions) throws Exception {
        BestCopies best = new BestCopies();
        long[] n = {0};
        sessions.forEach(s -> {
            best.offer(s);
            n[0]++;
        });
        return new Selection(sessions, best, n[0]);
    }

    /** Uploads with {@code is_verified: false} ({@link Uploader.SendingDevice#NOT_VERIFIED}). */
    public static Result run(Account account, List<ExportedSession> sessions, KeySource source, FieldNames names, int threads,
                             Uploader.Limits limits) throws Exception {
        return run(account, sessions, source, Uploader.SendingDevice.NOT_VERIFIED, names, threads, limits);
    }

    /** {@link #run(Account, Selection, KeySource, Uploader.SendingDevice, FieldNames, int, Uploader.Limits)} of a list. */
    public static Result run(Account account, List<ExportedSession> sessions, KeySource source, Uploader.SendingDevice sendingDevice,
                             FieldNames names, int threads, Uploader.Limits limits) throws Exception {
        return run(account, sessions, source, sendingDevice, names, threads, limits, null);
    }

    /** As above, of a list; {@code progress} (may be null) gets the number of sessions the server accepted so far, after each request. */
    public static Result run(Account account, List<ExportedSession> sessions, KeySource source, Uploader.SendingDevice sendingDevice,
                             FieldNames names, int threads, Uploader.Limits limits, java.util.function.LongConsumer progress) throws Exception {
        List<ExportedSession> copy = List.copyOf(sessions);
        Sessions walk = v -> {
            for (ExportedSession s : copy) v.visit(s);
        };
        return run(account, select(walk), source, sendingDevice, names, threads, limits, progress);
    }

    /**
     * @param source where the keys came from, as the caller knows it; an entry's recorded verdict can only lower it
     * @param sendingDevice whether this device verified the devices the keys came from (all of them), for {@code is_verified}
     */
    public static Result run(Account account, Selection sessions, KeySource source, Uploader.SendingDevice sendingDevice,
                             FieldNames names, int threads, Uploader.Limits limits) throws Exception {
        return run(account, sessions, source, sendingDevice, names, threads, limits, null);
    }

    /** As above; {@code progress} (may be null) gets the number of sessions the server accepted so far, after each request. */
    public static Result run(Account account, Selection sessions, KeySource source, Uploader.SendingDevice sendingDevice,
                             FieldNames names, int threads, Uploader.Limits limits, java.util.function.LongConsumer progress) throws Exception {
        java.util.Objects.requireNonNull(source, "source");
        synchronized (sessions) {
            if (sessions.used) throw new IllegalStateException("a Selection serves one upload");
            sessions.used = true;
        }
        java.util.Objects.requireNonNull(sendingDevice, "sendingDevice");
        Json.Obj info = account.currentVersion();
        String version = info.string("version");
        AuthDataTrust trust = account.trust(info);
        Curve25519PublicKey backupKey;
        try {
            Json.Obj ad = info.object("auth_data");
            backupKey = Curve25519PublicKey.parse("auth_data.public_key", ad == null ? null : ad.string("public_key"));
            // A small-order point parses (any 32 bytes do) but cannot be encrypted to; reject it here, as
            // attacker-controlled input, instead of letting the encryption throw IllegalArgumentException.
            try (BackupDecryptionKey probe = BackupDecryptionKey.generate()) {
                java.util.Arrays.fill(probe.agree(backupKey), (byte) 0);
            }
        } catch (KeyFormatException e) {
            throw new WorkflowException((e.getMessage().startsWith("auth_data.public_key") ? "" : "auth_data.public_key: ") + e.getMessage());
        }
        // Trust that rests only on the server's word for a device key (device_as_published) does not make a
        // backup key one to encrypt the user's keys to: the server could have chosen both.
        boolean trustedOnCompared = trust.trustedVia().stream().anyMatch(v -> !v.kind().weak());
        if (!trustedOnCompared && !backupKeyInSecrets(account, info)) {
            throw new WorkflowException("refusing to upload: version " + version + (trust instanceof AuthDataTrust.NotTrusted
                    ? " is not trusted (" + trust.detail() + ")" : " is trusted only through a device taken as the server publishes it (device_as_published)")
                    + " and Secret Storage holds no matching backup key");
        }
        SessionSigner signer = null;
        String note = null;
        Ed25519PrivateKey signingKey = null;
        try {
            if (trust.usableSigningKey().isEmpty()) {
                note = "entries uploaded unsigned: " + (trust.detail() == null ? "no usable signing key" : trust.detail());
            } else {
                Optional<Ed25519PrivateKey> k = account.hasSecrets() ? account.secrets().backupSigningKey() : Optional.empty();
                if (k.isEmpty()) {
                    note = "entries uploaded unsigned: Secret Storage holds no backup signing key";
                } else if (!k.get().publicKey().equals(trust.usableSigningKey().get().publicKey())) {
                    k.get().close();
                    note = "entries uploaded unsigned: the signing key in Secret Storage is not this version's";
                } else {
                    signingKey = k.get();
                    signer = SessionSigner.forTrustedBackup(trust.usableSigningKey().get(), signingKey, names);
                }
            }
            try (Uploader up = new Uploader(account.store(), version, backupKey, signer, names, threads, limits)) {
                up.onProgress(progress);
                long[] lowered = {0};
                BestCopies best = sessions.best;
                sessions.sessions.forEach(s -> { // pass two: the copies pass one chose, each once
                    if (!best.take(s)) return;
                    KeySource entrySource = source.forEntry(s); // never above source
                    if (entrySource.authenticated() != source.authenticated()) lowered[0]++;
                    up.add(s.roomId(), s.data(), entrySource, sendingDevice);
                });
                best.checkAllTaken();
                Uploader.Result r = up.finish();
                return new Result(version, r.sessions(), r.batches(), r.serverCount(), signer != null, note, lowered[0]);
            }
        } catch (SecretStorageException e) {
            throw new WorkflowException("secret storage: " + e.getMessage());
        } finally {
            if (signingKey != null) signingKey.close();
        }
    }

    /** The copies {@link #run} sends, in the order it sends them (for tests). */
    static List<ExportedSession> bestCopies(List<ExportedSession> sessions) throws Exception {
        Selection sel = select(v -> {
            for (ExportedSession s : sessions) v.visit(s);
        });
        List<ExportedSession> out = new java.util.ArrayList<>();
        for (ExportedSession s : sessions) {
            if (sel.best.take(s)) out.add(s);
        }
        sel.best.checkAllTaken();
        return out;
    }

    private static boolean backupKeyInSecrets(Account account, Json.Obj info) throws StoreException, WorkflowException {
        if (!account.hasSecrets()) return false;
        try (BackupDecryptionKey k = Restore.keyFromSecretStorage(account)) {
            Restore.checkKeyMatches(k, info);
            return true;
        } catch (WorkflowException e) {
            return false;
        }
    }
}
