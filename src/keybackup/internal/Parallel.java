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
 * is rethrown by {@link #submit} or {@link #finish} as itself: the work's checked exception {@code X}, or
 * the {@link RuntimeException} or {@link Error} it threw, never wrapped. The work function must be safe
 * to call concurrently.
 *
 * <p>Waiting for a free slot or for the end is not interruptible: each wait lasts at most as long as the
 * work already in flight.
 */
public final class Parallel<I, X extends Exception> implements AutoCloseable {
    /** Work that may fail with the checked exception {@code X}. */
    @FunctionalInterface
    public interface Work<I, X extends Exception> {
        void accept(I item) throws X;
    }

    private final Work<I, X> work;
    private final ExecutorService pool;
    private final Semaphore slots;
    private final int maxInFlight;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** @param threads worker threads (1 = run inline) */
    public Parallel(int threads, Work<I, X> work) {
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
    public void submit(I item) throws X {
        rethrow();
        if (pool == null) {
            work.accept(item);
            return;
        }
        slots.acquireUninterruptibly();
        pool.execute(() -> {
            try {
                if (failure.get() == null) work.accept(item);
            } catch (Throwable e) { // X, or unchecked: kept as it is, rethrown on the submitting thread
                failure.compareAndSet(null, e);
            } finally {
                slots.release();
            }
        });
    }

    /** Waits for every submitted item; rethrows the first failure. */
    public void finish() throws X {
        awaitIdle();
        rethrow();
    }

    /** Waits for every submitted item, without rethrowing a failure (for a caller already failing). */
    public void awaitIdle() {
        if (pool != null) {
            slots.acquireUninterruptibly(maxInFlight);
            slots.release(maxInFlight);
        }
    }

    @SuppressWarnings("unchecked") // the work's only checked exception is X
    private void rethrow() throws X {
        Throwable e = failure.get();
        if (e == null) return;
        if (e instanceof RuntimeException r) throw r;
        if (e instanceof Error err) throw err;
        throw (X) e;
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
