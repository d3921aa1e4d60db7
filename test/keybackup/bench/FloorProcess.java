package keybackup.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The process floor: a JVM that does nothing but the JDK primitives of N keys, from its start to its exit, on
 * the same number of threads as a command. {@link CommandBench} runs it with the launcher's heap and collector
 * and sets each command's CPU beside it. Its CPU is what the JDK itself costs for the work, JVM start and the
 * JIT compiling its own Ed25519 and X25519 code included; what a command spends above it is the project's.
 *
 * <p>Usage: {@code FloorProcess restore|upload N THREADS}. Restore per key: Ed25519 verify with a fresh
 * {@code initVerify} + X25519 agreement; upload: Ed25519 sign + X25519 key pair + agreement (the same
 * operations as the in-process floor, {@link CommandBench.Floors}).
 */
public final class FloorProcess {
    private FloorProcess() {}

    public static void main(String[] args) throws Exception {
        boolean upload = switch (args[0]) {
            case "restore" -> false;
            case "upload" -> true;
            default -> throw new IllegalArgumentException("restore or upload, not " + args[0]);
        };
        long n = Long.parseLong(args[1]);
        int threads = Integer.parseInt(args[2]);
        List<Thread> all = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            long share = n / threads + (t < n % threads ? 1 : 0);
            Thread thread = new Thread(() -> {
                try {
                    work(upload, share);
                } catch (Exception | Error e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            }, "floor-" + t);
            thread.start();
            all.add(thread);
        }
        for (Thread thread : all) thread.join();
        if (failure[0] != null) throw new IllegalStateException("floor process failed", failure[0]);
    }

    private static void work(boolean upload, long count) throws Exception {
        FloorOps f = new FloorOps();
        for (long i = 0; i < count; i++) {
            if (upload) {
                f.sign();
                f.agree(f.keyPair());
            } else {
                f.verify();
                f.agree();
            }
        }
    }
}
