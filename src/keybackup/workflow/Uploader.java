package keybackup.workflow;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import keybackup.backup.FieldNames;
import keybackup.backup.KeyBackupData;
import keybackup.backup.MegolmBackupV1;
import keybackup.backup.SessionData;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.StoreException;
import keybackup.internal.Parallel;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.keys.Curve25519PublicKey;
import keybackup.trust.KeySource;
import keybackup.trust.SessionSigner;

/**
 * Signs, encrypts and uploads sessions to one backup version (protocol.md §11.2). Crypto runs on worker
 * threads; full batches go to one sender thread with at most two batches in flight, so the network
 * overlaps the crypto of the next batch. Batches are cut by bytes and by count, to stay under the
 * server's request limit.
 *
 * <p>With a signer, each SessionData is signed with the {@code authenticated} flag its {@link KeySource}
 * gives. Without one (a writer that cannot get the trusted signing key) entries are uploaded unsigned,
 * with the flag {@code false}, since an unsigned flag means nothing ({@link SessionSigner#unsignedEntry}).
 *
 * <p>Failures: a request the store refused or could not carry out is a {@link StoreException}, thrown by
 * the next {@link #add} or by {@link #finish}; an unchecked exception of a worker or of the progress
 * callback comes out as itself.
 *
 * <p>{@code is_verified} is the spec's "the uploading device verified the device the key came from"
 * (spec "Server-side key backups", {@code KeyBackupData}). Servers rank it first when two copies of a
 * session compete, so a wrong {@code true} can make the server drop another client's copy that decrypts
 * more messages. This class writes {@code true} only where the caller states it with
 * {@link SendingDevice#VERIFIED_BY_THIS_DEVICE}; it is independent of the {@link KeySource} and of the
 * signature, which say nothing about a device verification.
 */
public final class Uploader implements AutoCloseable {
    /**
     * Batch limits: bytes of JSON per request and sessions per request. The byte size is an estimate made
     * before encoding; a single session larger than {@code maxBatchBytes} still goes, alone.
     *
     * @param maxBatchBytes the estimated request body size at which a batch is cut
     * @param maxBatchSessions the most sessions in one request
     */
    public record Limits(int maxBatchBytes, int maxBatchSessions) {
        /** One MiB and 500 sessions per request. */
        public static final Limits DEFAULT = new Limits(1 << 20, 500);
    }

    /**
     * What an upload sent.
     *
     * @param sessions the distinct (room, session) pairs queued and sent
     * @param batches the requests the server accepted
     * @param serverCount the backup's {@code count} from the last answer that gave one, or -1 if none did
     */
    public record Result(long sessions, long batches, long serverCount) {}

    /** What the caller knows about the device that sent a session key; decides {@code is_verified}. */
    public enum SendingDevice {
        /** The default: this device did not verify the sending device, or does not know. {@code is_verified: false}. */
        NOT_VERIFIED,
        /**
         * This (uploading) device itself verified the device the key came from. {@code is_verified: true}:
         * the server will prefer this copy over unverified ones, even ones from a lower message index.
         */
        VERIFIED_BY_THIS_DEVICE
    }

    private final BackupStore store;
    private final String version;
    private final Curve25519PublicKey backupKey;
    private final SessionSigner signer;
    private final FieldNames names;
    private final Limits limits;
    private final Parallel<Item, StoreException> workers;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keybackup-upload");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore inFlight = new Semaphore(2);
    private final AtomicReference<Throwable> sendFailure = new AtomicReference<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong serverCount = new AtomicLong(-1);
    private final AtomicLong accepted = new AtomicLong();
    private volatile LongConsumer progress;
    private long sessions;
    private Map<String, Map<String, Json>> batch = new LinkedHashMap<>();
    private int batchBytes;
    private int batchSessions;

    private record Item(String roomId, SessionData data, KeySource source, SendingDevice sendingDevice) {}

    /**
     * An uploader to one version; it starts its worker and sender threads, which {@link #close()} stops.
     * Nothing is checked here: the caller has already decided that {@code version} may be written to and
     * that {@code backupKey} is one to encrypt to.
     *
     * @param store where the requests go
     * @param version the backup version written to
     * @param backupKey the version's {@code auth_data.public_key}, the key every session is encrypted to
     * @param signer the signer for the version's trusted signing key, or null to upload unsigned entries
     * @param names the spelling of the {@code authenticated} flag in unsigned entries (a signer has its own)
     * @param threads worker threads that sign and encrypt
     * @param limits where batches are cut
     */
    public Uploader(BackupStore store, String version, Curve25519PublicKey backupKey, SessionSigner signer,
                    FieldNames names, int threads, Limits limits) {
        this.store = store;
        this.version = version;
        this.backupKey = backupKey;
        this.signer = signer;
        this.names = names;
        this.limits = limits;
        this.workers = new Parallel<>(threads, this::encryptOne);
    }

    /**
     * After each request the server accepted, {@code progress} gets the number of sessions accepted so far
     * (called from the sender thread, one call at a time). Set it before the first {@link #add}.
     *
     * @param progress the callback, or null for none; what it throws fails the upload
     */
    public void onProgress(LongConsumer progress) {
        this.progress = progress;
    }

    /**
     * Queues one session, with {@code is_verified: false}. Blocks when the workers are busy. Throws the
     * failure of an earlier request ({@link StoreException}), or a worker's unchecked exception as itself.
     *
     * @param roomId the room the session belongs to
     * @param data the session, already checked by the caller; signed and encrypted as it is
     * @param source where the key came from: the {@code authenticated} flag a signed entry carries
     * @throws StoreException an earlier request failed; the requests accepted before it stay on the server
     */
    public void add(String roomId, SessionData data, KeySource source) throws StoreException {
        add(roomId, data, source, SendingDevice.NOT_VERIFIED);
    }

    /**
     * Queues one session; {@code sendingDevice} decides {@code is_verified}. Blocks when the workers are busy.
     *
     * @param roomId the room the session belongs to
     * @param data the session, already checked by the caller; signed and encrypted as it is
     * @param source where the key came from: the {@code authenticated} flag a signed entry carries
     * @param sendingDevice whether this device verified the device the key came from
     * @throws StoreException an earlier request failed; the requests accepted before it stay on the server
     */
    public void add(String roomId, SessionData data, KeySource source, SendingDevice sendingDevice)
            throws StoreException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sendingDevice, "sendingDevice");
        workers.submit(new Item(roomId, data, source, sendingDevice));
    }

    private void encryptOne(Item item) throws StoreException {
        Json.Obj plain = signer != null ? signer.sign(item.data().json(), item.source())
                : SessionSigner.unsignedEntry(item.data().json(), names);
        byte[] bytes = CanonicalJson.encode(plain);
        Json.Obj sessionData = MegolmBackupV1.encrypt(bytes, backupKey);
        Json.Obj kbd = new KeyBackupData(item.data().export().firstIndex(), item.data().forwardingChain().size(),
                item.sendingDevice() == SendingDevice.VERIFIED_BY_THIS_DEVICE, sessionData).toJson();
        int size = bytes.length * 4 / 3 + 200 + item.roomId().length() + 64;
        collect(item.roomId(), item.data().sessionId(), kbd, size);
    }

    private synchronized void collect(String roomId, String sessionId, Json kbd, int size) throws StoreException {
        if (batchSessions > 0 && (batchBytes + size > limits.maxBatchBytes()
                || batchSessions >= limits.maxBatchSessions())) {
            flush();
        }
        if (batch.computeIfAbsent(roomId, r -> new LinkedHashMap<>()).put(sessionId, kbd) == null) {
            batchSessions++;
            sessions++;
        }
        batchBytes += size;
    }

    private void flush() throws StoreException {
        if (batchSessions == 0) return;
        rethrowSendFailure();
        Map<String, Json> rooms = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Json>> r : batch.entrySet()) {
            rooms.put(r.getKey(), Json.obj("sessions", new Json.Obj(r.getValue())));
        }
        Json.Obj body = new Json.Obj(rooms);
        int count = batchSessions;
        batch = new LinkedHashMap<>();
        batchBytes = 0;
        batchSessions = 0;
        inFlight.acquireUninterruptibly(); // at most as long as the request in flight, which has its timeouts
        sender.execute(() -> {
            try {
                if (sendFailure.get() == null) {
                    Json.Obj answer = store.putKeys(version, body);
                    if (answer.get("count") instanceof Json.Int n) serverCount.set(n.value());
                    batches.incrementAndGet();
                    long done = accepted.addAndGet(count);
                    LongConsumer p = progress;
                    if (p != null) p.accept(done);
                }
            } catch (Throwable e) { // a StoreException, or unchecked: kept as it is
                sendFailure.compareAndSet(null, e);
            } finally {
                inFlight.release();
            }
        });
    }

    /**
     * Waits for all crypto and uploads; rethrows the first failure (as {@link #add} does).
     *
     * @return what was sent
     * @throws StoreException a request failed; the requests accepted before it stay on the server
     */
    public Result finish() throws StoreException {
        workers.finish();
        synchronized (this) {
            flush();
        }
        inFlight.acquireUninterruptibly(2);
        inFlight.release(2);
        rethrowSendFailure();
        return new Result(sessions, batches.get(), serverCount.get());
    }

    private void rethrowSendFailure() throws StoreException {
        Throwable failed = sendFailure.get();
        if (failed == null) return;
        if (failed instanceof StoreException e) throw e;
        if (failed instanceof RuntimeException e) throw e;
        if (failed instanceof Error e) throw e;
        throw new IllegalStateException("unexpected failure of a request", failed); // putKeys: only StoreException
    }

    @Override
    public void close() {
        workers.close();
        sender.shutdownNow();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
