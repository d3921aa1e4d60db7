package keybackup.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;

/** Small measuring helpers: ns per operation after a warm-up, process CPU time, peak heap. */
final class Timing {
    private Timing() {}

    @FunctionalInterface
    interface Op {
        void run() throws Exception;
    }

    /** Runs {@code op} for {@code warmupMs}, then for at least {@code measureMs}; returns ns per operation. */
    static double nsPerOp(Op op, long warmupMs, long measureMs) throws Exception {
        long end = System.nanoTime() + warmupMs * 1_000_000;
        while (System.nanoTime() < end) op.run();
        long start = System.nanoTime();
        end = start + measureMs * 1_000_000;
        long n = 0;
        long now;
        do {
            for (int i = 0; i < 16; i++) op.run();
            n += 16;
            now = System.nanoTime();
        } while (now < end);
        return (now - start) / (double) n;
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * Like {@link #nsPerOp} but in CPU time of the calling thread: time other processes take from these
     * cores is not counted, so one-thread comparisons stay fair on a shared machine.
     */
    static double cpuNsPerOp(Op op, long measureMs) throws Exception {
        long end = System.nanoTime() + measureMs * 1_000_000;
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long n = 0;
        do {
            for (int i = 0; i < 16; i++) op.run();
            n += 16;
        } while (System.nanoTime() < end);
        return (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) n;
    }

    /** Thread CPU time of one run of {@code op}, in ns. */
    static long cpuNsOnce(Op op) throws Exception {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        op.run();
        return THREADS.getCurrentThreadCpuTime() - cpu0;
    }

    /** CPU time of the whole process (all threads, including the JIT and GC), in ns. */
    static long processCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void resetHeapPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
        }
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound on the peak heap in use). */
    static long heapPeakSum() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** Samples the heap in use every 20 ms on a daemon thread until {@link #stop()}. */
    static final class HeapSampler {
        private volatile boolean stop;
        private volatile long max;
        private final Thread thread;

        HeapSampler() {
            thread = new Thread(() -> {
                while (!stop) {
                    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    if (used > max) max = used;
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops sampling; returns the largest heap in use seen. */
        long stop() throws InterruptedException {
            stop = true;
            thread.join();
            return max;
        }
    }

    static String ms(double ns) {
        return String.format("%.3f ms", ns / 1e6);
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
