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

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
