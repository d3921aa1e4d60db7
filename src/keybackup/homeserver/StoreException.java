package keybackup.homeserver;

/**
 * A backup store could not complete a request: the network failed, the server answered something
 * unusable, retries ran out, or local files could not be read or written.
 *
 * <p>Security property: messages never contain the access token. {@link HomeserverClient} builds every
 * message itself and scrubs any server-supplied text (see {@link AccessToken#redact(String)}).
 */
public class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * A failure with no underlying exception.
     *
     * @param message one line saying what failed; must not contain the access token or other secrets
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * A failure caused by another exception, kept as the cause.
     *
     * @param message one line saying what failed; must not contain the access token or other secrets
     * @param cause the underlying failure, such as an {@code IOException}
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
