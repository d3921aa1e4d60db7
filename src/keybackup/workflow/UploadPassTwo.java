package keybackup.workflow;

import keybackup.homeserver.StoreException;
import keybackup.trust.KeySource;

/**
 * Pass two of an {@link Upload}: walks the sessions again and sends each copy pass one chose, once
 * ({@link BestCopies#take}), to the version {@link UploadTarget} settled. A failure of the upload itself
 * stops the caller's walk and comes out as itself, whatever the walk made of the stop.
 */
final class UploadPassTwo {
    private UploadPassTwo() {}

    static <X extends Exception> Upload.Result send(Account account, UploadTarget target, Upload.Sessions<X> sessions,
                                                    BestCopies best, Upload.Options options)
            throws StoreException, WorkflowException, X {
        KeySource source = options.source();
        try (Uploader up = new Uploader(account.store(), target.version, target.backupKey, target.signer,
                options.names(), options.threads(), options.limits())) {
            up.onProgress(options.progress());
            long[] lowered = {0};
            Exception[] failed = {null}; // the upload's own failure, carried out of the caller's walk
            ExportReader.Visitor send = s -> { // the copies pass one chose, each once
                if (failed[0] != null) throw new Stopped(); // the walk went on after a failure: stop it again
                try {
                    if (!best.take(s)) return;
                    KeySource entrySource = source.forEntry(s); // never above source
                    if (entrySource.authenticated() != source.authenticated()) lowered[0]++;
                    up.add(s.roomId(), s.data(), entrySource, options.sendingDevice());
                } catch (StoreException | WorkflowException e) {
                    failed[0] = e;
                    throw new Stopped();
                }
            };
            try {
                sessions.forEach(send);
            } catch (Exception e) {
                rethrowOwn(failed[0]); // ours came first: whatever the walk made of it is a consequence
                throw e;
            }
            rethrowOwn(failed[0]); // a walk that swallowed the stop
            best.checkAllTaken();
            Uploader.Result r = up.finish();
            return new Upload.Result(target.version, r.sessions(), r.batches(), r.serverCount(), lowered[0],
                    target.unsigned);
        }
    }

    /** Unwinds the caller's walk after a failure of the upload itself; never escapes {@link #send}. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("upload stopped", null, false, false);
        }
    }

    private static void rethrowOwn(Exception own) throws StoreException, WorkflowException {
        if (own instanceof StoreException e) throw e;
        if (own instanceof WorkflowException e) throw e;
    }
}
