package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import keybackup.homeserver.AccessToken;
import org.junit.jupiter.api.Test;

/** The progress report's text, its rate and time-left arithmetic, and when it prints, on a fake clock. */
class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicLong now = new AtomicLong(-5 * SECOND); // nanoTime may be negative

    private Io io(boolean terminal) {
        return new Io(new ByteArrayInputStream(new byte[0]), out, err, false, now::get, terminal);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void line_knownTotal_doneRatePercentAndTimeLeft() {
        assertEquals("3000/12000 keys (25%), 1500 keys/s, 0:06 left", Progress.line(3000, 12000, 2 * SECOND));
        assertEquals("0/500 keys (0%), 0.0 keys/s", Progress.line(0, 500, 3 * SECOND), "no rate yet: no time left");
        assertEquals("12/12 keys (100%), 12 keys/s, 0:00 left", Progress.line(12, 12, SECOND));
        // 1 key in 400 s: 0.0025 keys/s, 3599 keys left -> 1,439,600 s
        assertEquals("1/3600 keys (0%), 0.0 keys/s, 399:53:20 left", Progress.line(1, 3600, 400 * SECOND));
    }

    @Test
    void line_unknownOrOvertakenTotal_onlyDoneAndRate() {
        assertEquals("3000 keys, 1500 keys/s", Progress.line(3000, -1, 2 * SECOND));
        assertEquals("5 keys, 2.5 keys/s", Progress.line(5, 4, 2 * SECOND),
                "a server count below the keys seen is dropped");
        assertEquals("0/0 keys, 0.0 keys/s", Progress.line(0, 0, SECOND));
    }

    @Test
    void rateAndDuration_formats() {
        assertEquals("9.5", Progress.rate(9.5));
        assertEquals("10", Progress.rate(10.4));
        assertEquals("1235", Progress.rate(1234.5));
        assertEquals("0:59", Progress.duration(59));
        assertEquals("4:05", Progress.duration(245));
        assertEquals("1:02:05", Progress.duration(3725));
    }

    @Test
    void accept_notATerminal_onePlainLineAboutEverySecond() {
        Progress p = new Progress(io(false), "restore", 100, now::get, false);
        now.addAndGet(SECOND / 2);
        p.accept(10); // 0.5 s: too early
        now.addAndGet(SECOND / 2);
        p.accept(20); // 1.0 s
        now.addAndGet(SECOND / 2);
        p.accept(30); // 1.5 s: 0.5 s since the last report
        now.addAndGet(SECOND);
        p.accept(50); // 2.5 s
        assertEquals("keybackup: restore: 20/100 keys (20%), 20 keys/s, 0:04 left\n"
                + "keybackup: restore: 50/100 keys (50%), 20 keys/s, 0:03 left\n", err());
        assertEquals(0, out.size());
    }

    @Test
    void accept_terminal_oneLineRewrittenThenClearedBeforeTheSummary() {
        Io io = io(true);
        Progress p = new Progress(io, "upload", -1, now::get, true);
        now.addAndGet(SECOND);
        p.accept(500);
        now.addAndGet(SECOND);
        p.accept(1000);
        io.println("uploaded 1000 sessions");
        io.errln("keybackup: warning: after the line");
        assertEquals("\rkeybackup: upload: 500 keys, 500 keys/s\u001b[K"
                + "\rkeybackup: upload: 1000 keys, 500 keys/s\u001b[K"
                + "\r\u001b[K" // cleared once, before the first other line
                + "keybackup: warning: after the line\n", err());
        assertEquals("uploaded 1000 sessions\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void status_escapedAndRedactedLikeAnyLine() {
        Io io = io(true);
        io.redact(AccessToken.of("syt_secretTokenValue"));
        io.status("room \u001b[2J\n syt_secretTokenValue");
        assertEquals("\rroom \\u001b[2J\\u000a [redacted]\u001b[K", err());
    }

    @Test
    void of_quiet_printsNothing() {
        Io io = io(false);
        assertSame(Progress.OFF, Progress.of(io, true, "audit", 10));
        Progress.of(io, true, "audit", 10).accept(5);
        now.addAndGet(10 * SECOND);
        Progress.of(io, true, "audit", 10).accept(10);
        assertEquals("", err());
    }

    @Test
    void of_notQuiet_usesTheIoClockAndTerminal() {
        Io io = io(true);
        LongConsumer p = Progress.of(io, false, "audit", 10);
        now.addAndGet(2 * SECOND);
        p.accept(4);
        assertEquals("\rkeybackup: audit: 4/10 keys (40%), 2.0 keys/s, 0:03 left\u001b[K", err());
    }
}
