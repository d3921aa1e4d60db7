package keybackup.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/** Runs one command line through {@link Main#run} with byte streams, for the CLI tests of every package. */
public final class CliRun {
    private CliRun() {}

    /** Exit code, exact stdout bytes, stderr text. */
    public record Result(int code, byte[] out, String err) {
        public String outText() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    public static Result run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new ByteArrayInputStream(stdin), out, err);
        return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    public static Result run(String stdin, String... args) {
        return run(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    /**
     * As {@link #run(String, String...)} with a fake clock (nanoseconds) for the progress reports; stderr is not a
     * terminal.
     */
    public static Result run(LongSupplier clock, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err, false, clock, false);
        int code = Main.run(args, io);
        return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
