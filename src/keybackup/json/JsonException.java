package keybackup.json;

/** Malformed JSON input: says what is wrong and at which byte offset (−1 when no offset applies). */
public final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long offset;

    public JsonException(String message, long offset) {
        super(offset >= 0 ? message + " at offset " + offset : message);
        this.offset = offset;
    }

    /** Byte offset in the input where the problem was found, or −1. */
    public long offset() {
        return offset;
    }
}
