package keybackup.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one piece of work per submitted item on a fixed number of worker threads, with a bound on the
 * items in flight so a fast producer (a streaming parser) cannot fill memory. With one thread the work
 * runs on the caller's thread: no queue, no hand-off. The first failure stops further submissions and
 * is rethrown by {@link #submit} or {@link #finish}. The work function must be safe to call concurrently.
 */
public final class Parallel<I> implements AutoCloseable {
    /** Work that may fail with a checked exception. */
    @FunctionalInterface
    public interface Work<I> {
        void accept(I item) throws Exception;
    }

    private final Work<I> work;
    private final ExecutorService pool;
    private final Semaphore slots;
    private final int maxInFlight;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    /** @param threads worker threads (1 = run inline) */
    public Parallel(int threads, Work<I> work) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
        this.work = work;
        this.maxInFlight = threads * 64;
        this.slots = new Semaphore(maxInFlight);
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "keybackup-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues one item (blocking while too many are in flight), or runs it now with one thread. */
    public void submit(I item) throws Exception {
        rethrow();
        if (pool == null) {
            work.accept(item);
            return;
        }
        slots.acquire();
        pool.execute(() -> {
            try {
                if (failure.get() == null) work.accept(item);
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            } catch (Error e) {
                failure.compareAndSet(null, new RuntimeException(e));
            } finally {
                slots.release();
            }
        });
    }

    /** Waits for every submitted item; rethrows the first failure. */
    public void finish() throws Exception {
        if (pool != null) {
            slots.acquire(maxInFlight);
            slots.release(maxInFlight);
        }
        rethrow();
    }

    private void rethrow() throws Exception {
        Exception e = failure.get();
        if (e != null) throw e;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
