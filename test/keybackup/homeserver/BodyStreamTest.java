package keybackup.homeserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link BodyStream} without a network: the idle timeout, waking a blocked reader, bounded demand. */
class BodyStreamTest {
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
}
