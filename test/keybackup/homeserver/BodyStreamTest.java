package keybackup.homeserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.ref.WeakReference;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link BodyStream} without a network: the idle timeout, waking a blocked reader, bounded demand. */
class BodyStreamTest {
    /** Far above what a woken reader needs; the readers here would otherwise wait for their 10 min idle timeout. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** Records what the stream asks of the client. */
    private static final class Subscription implements Flow.Subscription {
        volatile long requested;
        volatile boolean cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private static List<ByteBuffer> list(String... parts) {
        return Arrays.stream(parts).map(p -> ByteBuffer.wrap(p.getBytes(StandardCharsets.UTF_8))).toList();
    }

    @Test
    void read_nothingArrives_throwsIdleTimeoutAndCancels() {
        BodyStream body = new BodyStream(Duration.ofMillis(200));
        Subscription s = new Subscription();
        body.onSubscribe(s);
        long start = System.nanoTime();
        BodyIdleTimeoutException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(BodyIdleTimeoutException.class, () -> body.read(new byte[10])));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals("no data from the homeserver for 200 ms while reading the response body", e.getMessage());
        assertTrue(elapsedMs >= 200, "gave up after " + elapsedMs + " ms");
        assertTrue(s.cancelled); // the connection is closed, not left to the stalling server
    }

    @Test
    void read_blockedWithLongTimeout_closeFromAnotherThreadWakesIt() throws Exception {
        BodyStream body = new BodyStream(Duration.ofMinutes(10));
        Subscription s = new Subscription();
        body.onSubscribe(s);
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                body.read();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(100); // let the reader block
        assertFalse(reader.isDone());
        body.close();
        Throwable t = reader.get(10, TimeUnit.SECONDS);
        assertTrue(t instanceof IOException && !(t instanceof BodyIdleTimeoutException), String.valueOf(t));
        assertTrue(s.cancelled);
    }

    @Test
    void read_listsThenComplete_returnsAllBytesWithOneListRequestedAhead() throws Exception {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        Subscription s = new Subscription();
        body.onSubscribe(s);
        assertEquals(1, s.requested);
        body.onNext(list("{\"a\":", "", "1,"));
        assertEquals(1, s.requested); // nothing more until the reader takes the list
        byte[] two = new byte[2];
        assertEquals(2, body.read(two));
        assertEquals(2, s.requested); // the next list is asked for while this one is read
        body.onNext(list("\"b\":2}"));
        body.onComplete();
        byte[] rest = body.readAllBytes();
        assertArrayEquals("a\":1,\"b\":2}".getBytes(StandardCharsets.UTF_8), rest);
        assertEquals(-1, body.read());
        assertEquals(3, s.requested);
        body.close();
        assertFalse(s.cancelled); // a finished body leaves its connection to the client's pool
    }

    @Test
    void read_failureAfterData_returnsDataThenThrows() throws Exception {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        body.onSubscribe(new Subscription());
        body.onNext(list("abc"));
        IOException reset = new IOException("connection reset");
        body.onError(reset);
        assertEquals('a', body.read());
        assertEquals(2, body.read(new byte[5]));
        IOException e = assertThrows(IOException.class, body::read);
        assertSame(reset, e.getCause());
    }

    /** Hands {@code body} a list of one buffer of {@code size} bytes and keeps no strong reference to it. */
    private static WeakReference<ByteBuffer> handOver(BodyStream body, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        body.onNext(List.of(b));
        return new WeakReference<>(b);
    }

    /** A read on its own thread, returned once that thread waits inside the stream for data that has not come. */
    private static <T> Reader<T> blockedReader(Callable<T> read) {
        FutureTask<T> task = new FutureTask<>(read);
        Thread thread = new Thread(task, "body-reader");
        thread.setDaemon(true);
        thread.start();
        Reader<T> reader = new Reader<>(thread, task);
        reader.awaitBlocked();
        return reader;
    }

    private record Reader<T>(Thread thread, FutureTask<T> task) {
        /** Returns once the read waits (with its idle deadline) for the stream, having not finished. */
        void awaitBlocked() {
            assertTimeoutPreemptively(BOUND, () -> {
                while (thread.getState() != Thread.State.TIMED_WAITING) Thread.sleep(5);
            });
            assertFalse(task.isDone());
        }

        /** What the read returned, waiting at most {@link #BOUND}. */
        T result() throws Exception {
            return task.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** What the read threw, waiting at most {@link #BOUND}. */
        Throwable failure() throws Exception {
            ExecutionException e = assertThrows(ExecutionException.class, this::result);
            return e.getCause();
        }
    }

    @Test
    void read_blockedWithLongTimeout_onCompleteWakesItAfterQueuedData() throws Exception {
        BodyStream body = new BodyStream(Duration.ofMinutes(10));
        Subscription s = new Subscription();
        body.onSubscribe(s);
        Reader<byte[]> reader = blockedReader(body::readAllBytes);
        body.onNext(list("ab", "c"));
        assertTimeoutPreemptively(BOUND, () -> {
            while (s.requested < 2) Thread.sleep(5); // the reader took the list
        });
        reader.awaitBlocked(); // and waits again, so only onComplete can end the read
        body.onComplete();
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), reader.result());
        assertEquals(-1, body.read());
        assertFalse(s.cancelled);
    }

    @Test
    void read_blockedWithLongTimeout_onCompleteAloneWakesItWithEnd() throws Exception {
        BodyStream body = new BodyStream(Duration.ofMinutes(10));
        body.onSubscribe(new Subscription());
        Reader<Integer> reader = blockedReader(body::read);
        body.onComplete(); // an empty body: no onNext ever comes
        assertEquals(-1, reader.result());
    }

    @Test
    void read_blockedWithLongTimeout_onErrorWakesItWithCause() throws Exception {
        BodyStream body = new BodyStream(Duration.ofMinutes(10));
        body.onSubscribe(new Subscription());
        Reader<Integer> reader = blockedReader(body::read);
        IOException reset = new IOException("connection reset");
        body.onError(reset); // the connection failed: the reader learns it now, not after the idle timeout
        Throwable t = reader.failure();
        assertEquals(IOException.class, t.getClass());
        assertSame(reset, t.getCause());
    }

    @Test
    void read_interruptedWhileBlocked_throwsInterruptedIOExceptionKeepsFlagAndCancels() throws Exception {
        BodyStream body = new BodyStream(Duration.ofMinutes(10));
        Subscription s = new Subscription();
        body.onSubscribe(s);
        boolean[] flagAfter = new boolean[1];
        Reader<Integer> reader = blockedReader(() -> {
            try {
                return body.read();
            } finally {
                flagAfter[0] = Thread.currentThread().isInterrupted();
            }
        });
        reader.thread().interrupt();
        Throwable t = reader.failure();
        // an InterruptedIOException, but not a SocketTimeoutException: HttpTransport would take that for a timeout and retry
        assertInstanceOf(InterruptedIOException.class, t);
        assertFalse(t instanceof SocketTimeoutException, String.valueOf(t));
        assertTrue(HttpTransport.interrupted((IOException) t));
        assertTrue(flagAfter[0]); // the caller's interrupt is not swallowed
        assertTrue(s.cancelled); // and the connection is closed
        assertThrows(IOException.class, body::read);
    }

    @Test
    void onSubscribe_afterClose_cancelsIt() {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        body.close();
        Subscription s = new Subscription();
        body.onSubscribe(s); // the client may subscribe after the caller gave up: the connection must not be left open
        assertTrue(s.cancelled);
        assertEquals(0, s.requested);
    }

    @Test
    void onSubscribe_second_cancelsItAndKeepsTheFirst() throws Exception {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        Subscription first = new Subscription();
        Subscription second = new Subscription();
        body.onSubscribe(first);
        body.onSubscribe(second); // Reactive Streams rule 2.5
        assertTrue(second.cancelled);
        assertEquals(0, second.requested);
        assertFalse(first.cancelled);
        body.onNext(list("x"));
        assertEquals('x', body.read());
        assertEquals(2, first.requested); // demand still goes to the first
        assertEquals(0, second.requested);
        body.close();
        assertTrue(first.cancelled);
    }

    @Test
    void onNext_afterClose_droppedAndNothingRequested() {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        Subscription s = new Subscription();
        body.onSubscribe(s);
        WeakReference<ByteBuffer> queued = handOver(body, 1 << 20);
        body.close();
        assertTrue(s.cancelled);
        WeakReference<ByteBuffer> late = handOver(body, 1 << 20); // already on its way when the subscription was cancelled
        body.onComplete();
        assertEquals(1, s.requested);
        // the stream holds on to neither list: a closed body costs no memory, however long the caller keeps it
        assertTimeoutPreemptively(BOUND, () -> {
            while (queued.get() != null || late.get() != null) {
                System.gc();
                Thread.sleep(10);
            }
        });
        // neither the queued nor the late list is read: a closed stream only fails
        IOException e = assertThrows(IOException.class, body::read);
        assertEquals("response body closed", e.getMessage());
        assertThrows(IOException.class, () -> body.read(new byte[4]));
        assertThrows(IOException.class, body::available);
        body.close(); // a second close changes nothing
    }

    @Test
    void read_afterCloseOfFinishedBody_throws() throws Exception {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        body.onSubscribe(new Subscription());
        body.onNext(list("ab"));
        body.onComplete();
        assertEquals('a', body.read());
        body.close();
        assertThrows(IOException.class, body::read); // not the "b" that was left, nor -1
    }

    @Test
    void onSubscribe_null_throwsNullPointerExceptionAndStaysUsable() throws Exception {
        BodyStream body = new BodyStream(Duration.ofSeconds(10));
        assertThrows(NullPointerException.class, () -> body.onSubscribe(null)); // Reactive Streams rule 2.13
        Subscription s = new Subscription();
        body.onSubscribe(s); // the null was not taken for a subscription
        assertFalse(s.cancelled);
        assertEquals(1, s.requested);
    }
}
