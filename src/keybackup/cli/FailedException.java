package keybackup.cli;

/** Invalid input or a failed check, already explained in the message: exit code 1. */
final class FailedException extends Exception {
    private static final long serialVersionUID = 1L;

    FailedException(String message) {
        super(message);
    }
}
