package keybackup.cli;

import keybackup.homeserver.AccessToken;
import keybackup.homeserver.MatrixException;

/**
 * Turns an exception that escaped a command into one line for stderr, without a stack trace and without a
 * Java class name: the user is told what failed and, where there is one, what to do.
 */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof MatrixException x && x.status() == 401) {
            return m + "; the homeserver refused the access token (expired, or the session logged out): get a new one"
                    + " (log in again) and give it in " + AccessToken.ENVIRONMENT_VARIABLE + " or --access-token-file FILE";
        }
        if (e instanceof java.io.IOException) return "i/o: " + (m == null ? "failed without a reason" : m);
        return m == null ? "internal error without a message (please report the command that caused it)" : m;
    }
}
