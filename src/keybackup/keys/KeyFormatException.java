package keybackup.keys;

/**
 * A key, signature, MAC or other binary value that is malformed: bad base64, wrong length, bad recovery
 * key. Messages name the field and never include key material.
 */
public final class KeyFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Makes the exception.
     *
     * @param message one line naming the field and what is wrong with it, never the value itself
     */
    public KeyFormatException(String message) {
        super(message);
    }
}
