package keybackup.cli;

/**
 * The project's version: printed by {@code keybackup --version}, and read by the Makefile for the jar's
 * {@code --module-version}, so the two cannot disagree.
 */
final class Version {
    private Version() {}

    static final String NUMBER = "0.3.0";
}
