package keybackup.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where one thread's CPU goes while it runs the pipeline, from JDK Flight Recorder execution samples:
 * a sample counts as "curve" when, above the first frame of this project, it is inside the JDK's
 * elliptic-curve code (sun.security.ec, sun.security.util.math). What is left is the library's own
 * work plus JCA look-ups: the overhead over the curve floor, measured without a stopwatch, so load from
 * other processes on the same cores does not distort it.
 */
final class Profile {
    private Profile() {}

    record Share(long samples, long curve, Map<String, Integer> rest) {
        double overhead() {
            return samples == 0 ? Double.NaN : (samples - curve) / (double) curve;
        }
    }

    /**
     * Runs {@code op} for {@code ms} while sampling every millisecond; counts samples whose stack has {@code marker}.
     */
    static Share of(Timing.Op op, long ms, String marker) throws Exception {
        Path file = Files.createTempFile("keybackup-bench", ".jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1)).withStackTrace();
            r.start();
            long end = System.nanoTime() + ms * 1_000_000;
            while (System.nanoTime() < end) op.run();
            r.stop();
            r.dump(file);
            long samples = 0;
            long curve = 0;
            Map<String, Integer> rest = new HashMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getStackTrace() == null) continue;
                boolean mine = false;
                boolean inCurve = false;
                boolean aboveProject = true;
                String where = null;
                for (RecordedFrame f : e.getStackTrace().getFrames()) {
                    String type = f.getMethod().getType().getName();
                    if (where == null) {
                        where = type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
                    }
                    if (type.startsWith("keybackup.")) {
                        if (aboveProject) {
                            where = where + " <- " + type.substring(type.lastIndexOf('.') + 1) + "."
                                    + f.getMethod().getName();
                        }
                        aboveProject = false;
                        if (type.contains(marker)) mine = true;
                    } else if (aboveProject && (type.startsWith("sun.security.ec.")
                            || type.startsWith("sun.security.util.math."))) {
                        inCurve = true;
                    }
                }
                if (!mine) continue;
                samples++;
                if (inCurve) curve++;
                else rest.merge(where, 1, Integer::sum);
            }
            return new Share(samples, curve, rest);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
