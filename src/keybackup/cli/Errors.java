package keybackup.cli;

/** Turns an exception that escaped a command into one line for stderr, without a stack trace. */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        if (e instanceof java.io.IOException) return "i/o: " + (m == null ? kind : m);
        return m == null ? "unexpected " + kind : m;
    }
}
