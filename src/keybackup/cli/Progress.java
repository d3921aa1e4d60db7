package keybackup.cli;

import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The progress report of a long command on stderr, about once a second: keys done, of how many when the
 * total is known, keys per second and the time left. The workflows feed it through a {@link LongConsumer}
 * (keys done so far); it prints only when a second passed since the last report, so a caller may call it
 * after every key.
 *
 * <p>On a terminal ({@link Io#errIsTerminal()}) the report is one line rewritten in place
 * ({@link Io#status}); elsewhere (a log file, a pipe) each report is a line of its own. Either way every
 * report goes through {@link Io}, so it is escaped and redacted like any other line. {@code --quiet} gives
 * {@link #OFF}, which prints nothing.
 *
 * <p>The rate is the average since the start (keys done / time elapsed), and the time left is the keys
 * still to do at that rate. A total that the work overtakes (a server's {@code count} is only a hint) is
 * dropped rather than shown as more than 100%.
 */
final class Progress implements LongConsumer {
    /** Nanoseconds between reports. */
    static final long INTERVAL = 1_000_000_000L;

    /** A progress report that prints nothing ({@code --quiet}). */
    static final LongConsumer OFF = n -> {};

    private final Io io;
    private final String what;
    private final long total;
    private final LongSupplier clock;
    private final boolean terminal;
    private final long start;
    private long lastReport;
    private boolean broken;

    /**
     * @param what the command, as the report names it ("restore")
     * @param total keys to do, or a negative number when unknown
     * @param clock nanoseconds ({@link System#nanoTime} in use; a fake one in tests)
     */
    Progress(Io io, String what, long total, LongSupplier clock, boolean terminal) {
        this.io = io;
        this.what = what;
        this.total = total;
        this.clock = clock;
        this.terminal = terminal;
        this.start = clock.getAsLong();
        this.lastReport = start;
    }

    /** The report for a command: {@link #OFF} with {@code --quiet}, else on {@code io}'s stderr with its clock. */
    static LongConsumer of(Io io, boolean quiet, String what, long total) {
        return quiet ? OFF : new Progress(io, what, total, io.clock(), io.errIsTerminal());
    }

    /** Records that {@code done} keys are done; reports if a second passed since the last report. */
    @Override
    public synchronized void accept(long done) {
        if (broken) return;
        long now = clock.getAsLong();
        if (now - lastReport < INTERVAL) return;
        lastReport = now;
        String line = "keybackup: " + what + ": " + line(done, total, now - start);
        try {
            if (terminal) io.status(line);
            else io.errln(line);
        } catch (UncheckedIOException e) {
            broken = true; // stderr is gone: the work goes on without reports
        }
    }

    /**
     * "3000/12000 keys (25%), 1500 keys/s, 0:06 left", or "3000 keys, 1500 keys/s" without a total
     * (or when {@code done} went past it).
     */
    static String line(long done, long total, long elapsedNanos) {
        boolean known = total >= 0 && done <= total;
        StringBuilder sb = new StringBuilder().append(done);
        if (known) sb.append('/').append(total);
        sb.append(" keys");
        if (known && total > 0) sb.append(" (").append(done * 100 / total).append("%)");
        double rate = elapsedNanos > 0 ? done * 1e9 / elapsedNanos : 0;
        sb.append(", ").append(rate(rate)).append(" keys/s");
        if (known && rate > 0) sb.append(", ").append(duration(Math.round((total - done) / rate))).append(" left");
        return sb.toString();
    }

    /** Whole keys per second, one decimal below 10. */
    static String rate(double perSecond) {
        return perSecond >= 10 ? Long.toString(Math.round(perSecond)) : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    /** "0:06", "4:05", "2:03:10". */
    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
