package keybackup.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import keybackup.json.JsonException;
import keybackup.keys.KeyFormatException;

/**
 * The {@code keybackup} command. Results go to stdout, diagnostics to stderr as
 * {@code keybackup: error: …}. Exit 0 success, 1 invalid input or failed verification, 2 usage error.
 * Only this class calls {@link System#exit}. Every line goes out through {@link Io}, which escapes it and
 * removes the access token; an exception's message is printed as one line, whatever it holds.
 */
public final class Main {
    private Main() {}

    static List<Command> commands() {
        List<Command> all = new ArrayList<>();
        all.addAll(JsonCommands.all());
        all.addAll(CryptoCommands.all());
        all.addAll(SignedBackupCommands.all());
        all.addAll(SecretCommands.all());
        all.addAll(StoreCommands.all());
        all.add(new DemoCommand());
        return all;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err, TerminalText.stdoutIsTerminal()));
    }

    /** Runs one command line; returns the exit code. */
    public static int run(String[] args, InputStream in, OutputStream out, OutputStream err) {
        return run(args, in, out, err, false);
    }

    /** Runs one command line whose stdout is (or is not) a terminal; returns the exit code. */
    static int run(String[] args, InputStream in, OutputStream out, OutputStream err, boolean stdoutTerminal) {
        return run(args, new Io(in, out, err, stdoutTerminal));
    }

    /** Runs one command line on {@code io}'s streams (a test gives it a fake clock). */
    static int run(String[] args, Io io) {
        List<String> argv = Arrays.asList(args);
        if (argv.isEmpty()) {
            io.errln(overview().lines().toList());
            return 2;
        }
        if (argv.get(0).equals("--version") || argv.get(0).equals("-V")) {
            io.println("keybackup " + Version.NUMBER);
            return 0;
        }
        if (argv.get(0).equals("--help") || argv.get(0).equals("-h") || argv.get(0).equals("help")) {
            io.println(overview().lines().toList());
            return 0;
        }
        Command cmd = null;
        int used = 0;
        for (Command c : commands()) {
            String[] words = c.name().split(" ");
            if (argv.size() >= words.length && argv.subList(0, words.length).equals(Arrays.asList(words))) {
                cmd = c;
                used = words.length;
                break;
            }
        }
        if (cmd == null) {
            io.errln("keybackup: error: unknown command '" + argv.get(0) + "' (see keybackup --help)");
            return 2;
        }
        List<String> rest = argv.subList(used, argv.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            io.println(cmd.usage().lines().toList());
            return 0;
        }
        try {
            return cmd.run(rest, io);
        } catch (UsageException e) {
            io.errln("keybackup: error: " + e.getMessage());
            io.errln("usage: " + cmd.usage().lines().findFirst().orElse(""));
            return 2;
        } catch (FailedException | JsonException | KeyFormatException e) {
            io.errln("keybackup: error: " + e.getMessage());
            return 1;
        } catch (UncheckedIOException e) {
            io.errln("keybackup: error: " + Errors.describe(e.getCause()));
            return 1;
        } catch (Exception e) {
            io.errln("keybackup: error: " + Errors.describe(e));
            return 1;
        } catch (OutOfMemoryError e) {
            io.errln("keybackup: error: out of memory (raise the JVM heap with -Xmx, or report the input that caused "
                    + "it)");
            return 1;
        }
    }

    static String overview() {
        StringBuilder sb = new StringBuilder();
        sb.append("keybackup — Matrix signed key backup (MSC4048, initial revision)\n\n");
        sb.append("usage: keybackup COMMAND [OPTIONS]   (keybackup COMMAND --help for details; keybackup --version)"
                + "\n\ncommands:\n");
        for (Command c : commands()) sb.append(String.format("  %-22s %s%n", c.name(), c.summary()));
        sb.append("\nExit status: 0 success, 1 invalid input or failed verification, 2 usage error.");
        return sb.toString();
    }
}
