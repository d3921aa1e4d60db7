package keybackup.homeserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an {@link InputStream} whose reads give up when the homeserver sends nothing for
 * {@link ClientOptions#bodyIdleTimeout()}. The JDK's {@code BodyHandlers.ofInputStream()} waits for the
 * next buffer without a time limit, so a server that sends the headers and then stalls (or drips one byte
 * a minute) would hang the caller; bounding that wait from outside would take a second thread to watch
 * the clock and close the stream under the reader.
 *
 * <p>How: this is the body subscriber itself. The client's I/O thread hands over lists of buffers
 * ({@link #onNext}); the reading thread waits for them on this object's monitor with a deadline, so a
 * blocked {@code read()} ends by itself after the idle timeout — no watchdog thread, no timer, nothing
 * left running. On the timeout the subscription is cancelled, which closes the connection, and the read
 * throws {@link BodyIdleTimeoutException}. {@link #close()} from any thread also wakes a waiting reader.
 *
 * <p>Memory stays bounded: one list of buffers is requested at a time, and the next one as soon as the
 * reader takes the current one (as {@code ofInputStream()} does), so at most two lists (a few tens of
 * KiB) are held whatever the body's size. The lock is taken once per list, not per byte.
 *
 * <p>The idle clock runs only while the reader waits with nothing queued: a slow consumer (the caller
 * still busy with earlier data) never counts against the server.
 */
final class BodyStream extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
    private final Duration idleTimeout;
    /** The same in nanoseconds; one too long to count (292 years) is as good as none. */
    private final long idleNanos;

    // shared with the client's I/O thread; guarded by this
    private final ArrayDeque<List<ByteBuffer>> lists = new ArrayDeque<>();
    private Flow.Subscription subscription;
    private boolean complete;
    private Throwable failure;
    private volatile boolean closed;

    // the reading thread's own position: the list being read and its current buffer
    private Iterator<ByteBuffer> list = Collections.emptyIterator();
    private ByteBuffer buffer;

    BodyStream(Duration idleTimeout) {
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        this.idleNanos = idleTimeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) < 0 ? idleTimeout.toNanos()
                : Long.MAX_VALUE;
    }

    // ---- subscriber side (the client's I/O thread) ----

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedStage(this); // available at once; bytes arrive while it is read
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        Objects.requireNonNull(s, "subscription");
        boolean accepted;
        synchronized (this) {
            accepted = subscription == null && !closed;
            if (accepted) subscription = s;
        }
        if (accepted) s.request(1);
        else s.cancel(); // a second subscription, or the stream was closed already
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> item) {
        if (closed) return; // cancelled: drop what was already on its way
        lists.add(item);
        notifyAll();
    }

    @Override
    public synchronized void onError(Throwable t) {
        failure = t;
        notifyAll();
    }

    @Override
    public synchronized void onComplete() {
        complete = true;
        notifyAll();
    }

    // ---- stream side (the caller's thread) ----

    @Override
    public int read() throws IOException {
        ByteBuffer b = nextBuffer();
        return b == null ? -1 : b.get() & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        ByteBuffer from = nextBuffer();
        if (from == null) return -1;
        int n = Math.min(len, from.remaining());
        from.get(b, off, n);
        return n;
    }

    @Override
    public int available() throws IOException {
        if (closed) throw new IOException("response body closed");
        return buffer == null ? 0 : buffer.remaining();
    }

    /**
     * Cancels the subscription unless the body has ended (an unfinished body closes its connection); wakes a waiting
     * reader.
     */
    @Override
    public void close() {
        Flow.Subscription s;
        synchronized (this) {
            if (closed) return;
            closed = true;
            s = complete || failure != null ? null : subscription;
            lists.clear();
            notifyAll();
        }
        if (s != null) s.cancel();
    }

    /** A buffer with bytes left, or null at the end of the body. */
    private ByteBuffer nextBuffer() throws IOException {
        if (closed) throw new IOException("response body closed");
        while (buffer == null || !buffer.hasRemaining()) {
            if (list.hasNext()) {
                buffer = list.next();
            } else {
                List<ByteBuffer> next = take();
                if (next == null) return null;
                list = next.iterator();
            }
        }
        return buffer;
    }

    /** The next list of buffers, waiting at most the idle timeout for it; null at the end of the body. */
    private List<ByteBuffer> take() throws IOException {
        List<ByteBuffer> next;
        Flow.Subscription s;
        try {
            synchronized (this) {
                waitForData();
                if (closed) throw new IOException("response body closed");
                next = lists.poll();
                s = subscription;
                if (next == null && failure != null) {
                    throw new IOException("connection failed while reading the response body", failure);
                }
                if (next == null && complete) return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while reading the response body");
        }
        // cancel and request outside the monitor: the client's own locks are never taken while holding ours
        if (next == null) { // the idle timeout passed with nothing received
            close();
            throw new BodyIdleTimeoutException(idleTimeout);
        }
        s.request(1); // let the next list arrive while this one is read
        return next;
    }

    /** Waits until a list is queued, the body ends or fails, the stream is closed, or the idle timeout passes. */
    private synchronized void waitForData() throws InterruptedException {
        long deadline = System.nanoTime() + idleNanos; // may wrap around: only differences of nanoTime values count
        long left = idleNanos;
        while (lists.isEmpty() && !complete && failure == null && !closed && left > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left); // woken early by onNext, onError, onComplete or close
            left = deadline - System.nanoTime();
        }
    }
}
