package keybackup.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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
                    + " (log in again) and give it in " + AccessToken.ENVIRONMENT_VARIABLE
                    + " or --access-token-file FILE";
        }
        if (e instanceof IOException) return "i/o: " + fileProblem(e) + (m == null ? "failed without a reason" : m);
        if (e instanceof UncheckedIOException u) return describe(u.getCause());
        return m == null ? "internal error without a message (please report the command that caused it)" : m;
    }

    /** The words the JDK leaves to the class name: its file exceptions carry only the path as their message. */
    private static String fileProblem(Throwable e) {
        if (e instanceof NoSuchFileException) return "no such file or directory: ";
        if (e instanceof AccessDeniedException) return "permission denied: ";
        if (e instanceof FileAlreadyExistsException) return "already exists: ";
        if (e instanceof NotDirectoryException) return "not a directory: ";
        if (e instanceof DirectoryNotEmptyException) return "directory not empty: ";
        return "";
    }
}
