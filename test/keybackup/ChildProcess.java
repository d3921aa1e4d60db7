package keybackup;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Starts the command in a child process (a JVM, or the launcher script) for the tests that need one. */
public final class ChildProcess {
    private ChildProcess() {}

    /** Exit code, exact stdout bytes, stderr text. */
    public record Result(int code, byte[] out, String err) {}

    /** The {@code java} of the JVM running the tests. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java ARGS...} with this JVM's {@code java}. */
    public static ProcessBuilder java(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(args);
        return builder(cmd);
    }

    /** A process builder whose child does not see {@code JAVA_TOOL_OPTIONS} (the JVM would add a line to stderr). */
    public static ProcessBuilder builder(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        return pb;
    }

    /** Starts {@code pb}, writes {@code stdin} and closes it, and waits up to {@code seconds} for the end. */
    public static Result run(ProcessBuilder pb, byte[] stdin, int seconds) throws Exception {
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        }
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "the child process did not exit: " + pb.command());
        return new Result(p.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
    }

    /** Everything {@code s} gives until its end; closes it. */
    public static byte[] readAll(InputStream s) {
        try (s) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            s.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
