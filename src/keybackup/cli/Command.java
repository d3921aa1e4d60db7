package keybackup.cli;

import java.util.List;

/** One `keybackup` sub-command. */
interface Command {
    /** The word on the command line, e.g. "sign-json" (may contain a space: "recovery-key decode"). */
    String name();

    /** One line for the command list. */
    String summary();

    /** Full usage text for --help. */
    String usage();

    /** Runs the command; returns the exit code (0 success, 1 failed check). */
    int run(List<String> argv, Io io) throws Exception;
}
