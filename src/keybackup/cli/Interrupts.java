package keybackup.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a long command says when it is stopped (Ctrl-C, SIGTERM): a JVM shutdown hook, registered for the
 * command's long part only, that prints the command's report on stderr: what was done, and the exact
 * command to go on. The report is computed when the hook runs, from state the command keeps up to date, and
 * may clean up (a restore removes its partial file). The exit status stays the JVM's (130 after SIGINT).
 *
 * <pre>{@code
 * Upload.Result r = Interrupts.during(io, () -> List.of("interrupted after " + done.get() + " keys",
 *                 "to go on, run: ..."),
 *         () -> Upload.run(...));
 * }</pre>
 *
 * The hook is removed when the work returns or throws; {@link Main#main} calls {@link System#exit} only
 * afterwards, so a normal end never prints the report.
 */
final class Interrupts {
    private Interrupts() {}

    /** The command's long part. */
    interface Work<T> {
        T run() throws Exception;
    }

    /**
     * Runs {@code work} with the hook registered; if the JVM is stopped meanwhile, each line of
     * {@code report} is printed to stderr after {@code "keybackup: "}.
     */
    static <T> T during(Io io, Supplier<List<String>> report, Work<T> work) throws Exception {
        Thread hook = new Thread(() -> {
            List<String> lines;
            try {
                lines = report.get();
            } catch (RuntimeException e) {
                lines = List.of("interrupted (" + Errors.describe(e) + ")");
            }
            List<String> prefixed = new ArrayList<>();
            for (String l : lines) prefixed.add("keybackup: " + l);
            io.errln(prefixed);
        }, "keybackup-interrupted");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            throw new FailedException("interrupted before it started");
        }
        try {
            return work.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs (or ran) and prints the report
            }
        }
    }

    /**
     * "run the same command again", and, when an option of it read stdin, that its input must be piped to
     * it again: stdin was read once and is gone.
     */
    static String sameCommandAgain(Io io) {
        return "run the same command again" + pipedAgain(io);
    }

    /** {@code ", with the same input piped to it (OPTION read stdin)"} when an option read stdin; else "". */
    static String pipedAgain(Io io) {
        String reader = io.stdinReader();
        return reader == null ? "" : ", with the same input piped to it (" + reader + " read stdin)";
    }

    /**
     * {@code keybackup NAME ARGS… EXTRA…} as a POSIX shell reads it back: every argument that is not made
     * of plain characters is single-quoted. Secrets never are on the command line, so nothing secret is
     * repeated.
     */
    static String commandLine(String name, List<String> argv, String... extra) {
        StringBuilder sb = new StringBuilder("keybackup ").append(name);
        List<String> all = new ArrayList<>(argv);
        for (String e : extra) if (!all.contains(e)) all.add(e);
        for (String arg : all) sb.append(' ').append(quote(arg));
        return sb.toString();
    }

    static String quote(String arg) {
        if (!arg.isEmpty() && arg.matches("[A-Za-z0-9@%+=:,./_-]+")) return arg;
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
