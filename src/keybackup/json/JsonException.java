package keybackup.json;

/** Malformed JSON input: says what is wrong and at which byte offset (−1 when no offset applies). */
public final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;
    /** Byte offset of the problem in the input, or −1 when none applies. */
    private final long offset;

    /**
     * Makes the exception; the message gets " at offset N" appended when an offset is given.
     *
     * @param message what is wrong with the input, one line, no input bytes beyond a short excerpt
     * @param offset the byte offset where the problem was found, or −1 when no offset applies
     */
    public JsonException(String message, long offset) {
        super(offset >= 0 ? message + " at offset " + offset : message);
        this.offset = offset;
    }

    /**
     * Where the problem is.
     *
     * @return the byte offset in the input where the problem was found, or −1 when none applies
     */
    public long offset() {
        return offset;
    }
}
