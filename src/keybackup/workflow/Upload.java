package keybackup.workflow;

import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.homeserver.StoreException;
import keybackup.trust.KeySource;

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

    /** Whether an upload that cannot sign its entries goes on unsigned or refuses. */
    public enum UnsignedUploads {
        /** Upload unsigned entries (flag {@code false}) and say why in {@link Result#unsigned()}. */
        ALLOW,
        /**
         * Refuse before anything is sent ({@link UnsignedRefusedException}): in a signed backup an unsigned
         * entry looks like an injected one to every reader ({@code unsigned_in_signed_backup}).
         */
        REFUSE
    }

    /** Why the entries of an upload could not be signed. */
    public enum UnsignedReason {
        /** The version's AuthData gives no usable signing key: not trusted, or it names no well-formed one. */
        NO_USABLE_SIGNING_KEY,
        /** Secret Storage holds no backup signing key ({@code m.key_backup.signing}), or is locked. */
        NO_KEY_IN_SECRET_STORAGE,
        /** The signing key in Secret Storage is not the one the version's AuthData names. */
        NOT_THIS_VERSIONS_KEY
    }

    /** The entries go up unsigned: why, and in words ({@code detail}, never key material). */
    public record Unsigned(UnsignedReason reason, String detail) {
        /**
         * Checks that both parts are present.
         *
         * @param reason why the entries could not be signed
         * @param detail the same in words, for the user; never key material
         * @throws NullPointerException {@code reason} or {@code detail} is null (a caller bug)
         */
        public Unsigned {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }

        /**
         * The one line that says so: {@code "entries uploaded unsigned: " + detail}.
         *
         * @return the line for the CLI to print
         */
        public String note() {
            return "entries uploaded unsigned: " + detail;
        }
    }

    /** {@link UnsignedUploads#REFUSE}, and the entries could not be signed: nothing was sent. */
    public static final class UnsignedRefusedException extends WorkflowException {
        private static final long serialVersionUID = 1L;
        private final transient Unsigned unsigned;

        UnsignedRefusedException(String version, Unsigned unsigned) {
            super("refusing to upload unsigned entries to version " + version + ": " + unsigned.detail());
            this.unsigned = unsigned;
        }

        /**
         * Why the entries could not be signed.
         *
         * @return the reason and its words, as the upload would have reported them
         */
        public Unsigned unsigned() {
            return unsigned;
        }
    }

    /**
     * What an upload did.
     *
     * @param version the backup version the entries were sent to
     * @param sessions the distinct sessions sent (the best copy of each)
     * @param batches the requests the server accepted
     * @param serverCount the backup's {@code count} after the last request, or -1 if the server gave none
     * @param lowered entries uploaded with a lower flag than the source gives, because of their recorded verdict
     * @param unsigned null when the entries were signed; else why not
     */
    public record Result(String version, long sessions, long batches, long serverCount, long lowered,
                         Unsigned unsigned) {
        /**
         * Whether the entries went up signed by the version's backup signing key.
         *
         * @return true when {@link #unsigned()} is null
         */
        public boolean signed() {
            return unsigned == null;
        }

        /**
         * {@link Unsigned#note()}, or null when the entries were signed.
         *
         * @return the line saying why the entries are unsigned, or null
         */
        public String note() {
            return unsigned == null ? null : unsigned.note();
        }
    }

    /**
     * How an upload runs, by name: {@code Options.of(KeySource.OLM).withThreads(4).with(UnsignedUploads.REFUSE)}.
     *
     * @param source where the keys came from, as the caller knows it; an entry's recorded verdict can only lower it
     * @param sendingDevice whether this device verified the devices the keys came from (all of them), for
     *                      {@code is_verified}
     * @param names the spelling of the {@code authenticated} flag written
     * @param threads worker threads that sign and encrypt, at least 1
     * @param limits the size of each request
     * @param unsigned what to do when the entries cannot be signed
     * @param progress gets the number of sessions the server accepted so far, after each request; null for none
     */
    public record Options(KeySource source, Uploader.SendingDevice sendingDevice, FieldNames names, int threads,
                          Uploader.Limits limits, UnsignedUploads unsigned, LongConsumer progress) {
        /**
         * Checks the options; {@code progress} alone may be null.
         *
         * @param source where the keys came from, as the caller knows it; an entry's recorded verdict can only lower it
         * @param sendingDevice whether this device verified the devices the keys came from (all of them), for
         *        {@code is_verified}
         * @param names the spelling of the {@code authenticated} flag written
         * @param threads worker threads that sign and encrypt, at least 1
         * @param limits the size of each request
         * @param unsigned what to do when the entries cannot be signed
         * @param progress gets the number of sessions the server accepted so far, after each request; null for none
         * @throws NullPointerException another component is null (a caller bug)
         * @throws IllegalArgumentException {@code threads} is below 1 (a caller bug)
         */
        public Options {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(sendingDevice, "sendingDevice");
            Objects.requireNonNull(names, "names");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(unsigned, "unsigned");
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
        }

        /**
         * Keys from {@code source}, {@code is_verified: false} ({@link Uploader.SendingDevice#NOT_VERIFIED}), the
         * unstable field names, two threads, the default limits, unsigned uploads allowed, no progress.
         *
         * @param source where the keys came from; an entry's recorded verdict can only lower it
         * @return the default options for keys from {@code source}
         */
        public static Options of(KeySource source) {
            return new Options(source, Uploader.SendingDevice.NOT_VERIFIED, FieldNames.UNSTABLE, 2,
                    Uploader.Limits.DEFAULT, UnsignedUploads.ALLOW, null);
        }

        /**
         * Returns these options with another statement about the sending devices; the others are kept.
         *
         * @param sendingDevice whether this device verified the devices the keys came from
         * @return new options; these are unchanged
         */
        public Options with(Uploader.SendingDevice sendingDevice) {
            return new Options(source, sendingDevice, names, threads, limits, unsigned, progress);
        }

        /**
         * Returns these options writing the {@code authenticated} flag under other field names; the others are kept.
         *
         * @param names the stable or the unstable spelling
         * @return new options; these are unchanged
         */
        public Options with(FieldNames names) {
            return new Options(source, sendingDevice, names, threads, limits, unsigned, progress);
        }

        /**
         * Returns these options with another number of worker threads that sign and encrypt; the others are kept.
         *
         * @param threads at least 1; checked by the constructor
         * @return new options; these are unchanged
         */
        public Options withThreads(int threads) {
            return new Options(source, sendingDevice, names, threads, limits, unsigned, progress);
        }

        /**
         * Returns these options with other request sizes; the others are kept.
         *
         * @param limits the size of each request
         * @return new options; these are unchanged
         */
        public Options with(Uploader.Limits limits) {
            return new Options(source, sendingDevice, names, threads, limits, unsigned, progress);
        }

        /**
         * Returns these options with another answer to entries that cannot be signed; the others are kept.
         *
         * @param unsigned go on unsigned, or refuse before anything is sent
         * @return new options; these are unchanged
         */
        public Options with(UnsignedUploads unsigned) {
            return new Options(source, sendingDevice, names, threads, limits, unsigned, progress);
        }

        /**
         * Returns these options reporting progress elsewhere; the others are kept.
         *
         * @param progress gets the number of sessions accepted so far after each request; null for none
         * @return new options; these are unchanged
         */
        public Options withProgress(LongConsumer progress) {
            return new Options(source, sendingDevice, names, threads, limits, unsigned, progress);
        }
    }

    /**
     * The sessions of an upload, walked once per pass: {@link #select} walks them to choose the copies,
     * {@link #run(Account, Selection, Options)} walks them again to send those copies. A list is walked again; a
     * file is read again, so nothing grows with the number of sessions but a table of 32 bytes per distinct
     * session. An encrypted export is best walked through {@link keybackup.backup.EncryptedKeyExport#unlock}:
     * its keys are derived once for both walks, each walk still checking its MAC. The walk's own failure
     * {@code X} (a bad entry, a file that cannot be read) comes out of {@link #select} or {@link #run} as itself.
     */
    @FunctionalInterface
    public interface Sessions<X extends Exception> {
        /**
         * Hands every session of the source to {@code visitor}, the same sessions on each walk.
         *
         * @param visitor gets each session; what it throws must come out of this walk unchanged
         * @throws X the source could not be read, or held a bad entry
         */
        void forEach(ExportReader.Visitor visitor) throws X;
    }

    /**
     * What the first pass found: the best copy of each (room, session). Used by one run only.
     *
     * @param <X> the walk's own failure
     */
    public static final class Selection<X extends Exception> {
        private final Sessions<X> sessions;
        private final BestCopies best;
        private final long entries;
        private boolean used;

        private Selection(Sessions<X> sessions, BestCopies best, long entries) {
            this.sessions = sessions;
            this.best = best;
            this.entries = entries;
        }

        /**
         * Entries read, copies included.
         *
         * @return the number of entries pass one walked
         */
        public long entries() {
            return entries;
        }

        /**
         * Distinct (room, session) pairs: what the upload sends.
         *
         * @return the number of sessions pass two will send
         */
        public long distinct() {
            return best.size();
        }
    }

    /**
     * Pass one: walks {@code sessions} and records, per (room, session), the copy that decrypts the most
     * messages (lowest first index; on a tie, fewer forwards; then the first). Two copies in one upload
     * would otherwise race, and the server could keep the worse one. Errors of the walk (a bad entry)
     * come out of here, before anything is sent. Nothing is sent to the server by this pass.
     *
     * @param <X> the walk's own failure
     * @param sessions the source, walked once now and once more by {@link #run(Account, Selection, Options)}
     * @return the chosen copies, for one run
     * @throws X the walk failed (unreadable source, bad entry)
     */
    public static <X extends Exception> Selection<X> select(Sessions<X> sessions) throws X {
        BestCopies best = new BestCopies();
        long[] n = {0};
        sessions.forEach(s -> {
            best.offer(s);
            n[0]++;
        });
        return new Selection<>(sessions, best, n[0]);
    }

    /**
     * {@link #run(Account, Selection, Options)} of a list: both passes, over a copy of {@code sessions}.
     *
     * @param account the account and its current backup version, with Secret Storage if unlocked
     * @param sessions the sessions to upload; copies of one session are sent once, the best one
     * @param options how the upload runs
     * @return what was sent, and whether it was signed
     * @throws StoreException the store failed (network, the server's answer, local files); requests already
     *         accepted stay on the server
     * @throws WorkflowException the version may not be written to, its AuthData is unusable, Secret Storage
     *         could not be read, or {@link UnsignedRefusedException}
     */
    public static Result run(Account account, List<ExportedSession> sessions, Options options)
            throws StoreException, WorkflowException {
        List<ExportedSession> copy = List.copyOf(sessions);
        Sessions<RuntimeException> walk = v -> {
            for (ExportedSession s : copy) v.visit(s);
        };
        return run(account, select(walk), options);
    }

    /**
     * Pass two: sends the copies {@link #select} chose, signed when it can be ({@link Result#unsigned()} says
     * why not; {@link UnsignedUploads#REFUSE} refuses instead). Every refusal of the version or of unsigned
     * entries comes before the first request; a failure later leaves the accepted requests on the server.
     *
     * @param <X> the walk's own failure
     * @param account the account and its current backup version, with Secret Storage if unlocked
     * @param sessions what {@link #select} chose; a second run of the same selection throws
     *        {@link IllegalStateException}
     * @param options how the upload runs
     * @return what was sent, and whether it was signed
     * @throws StoreException the store failed (network, the server's answer, local files)
     * @throws WorkflowException the version may not be written to, its AuthData is unusable, Secret Storage
     *         could not be read, the walk gave other sessions than in pass one, or {@link UnsignedRefusedException}
     * @throws X the walk's own failure, as it threw it
     */
    public static <X extends Exception> Result run(Account account, Selection<X> sessions, Options options)
            throws StoreException, WorkflowException, X {
        Objects.requireNonNull(options, "options");
        synchronized (sessions) {
            if (sessions.used) throw new IllegalStateException("a Selection serves one upload");
            sessions.used = true;
        }
        try (UploadTarget target = UploadTarget.open(account, options)) { // every refusal: nothing sent yet
            return UploadPassTwo.send(account, target, sessions.sessions, sessions.best, options);
        }
    }
}
