package keybackup.workflow;

import java.io.IOException;
import java.io.InputStream;
import keybackup.backup.ExportedSession;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;
import keybackup.keys.KeyFormatException;

/**
 * Reads the JSON key-export format (an array of sessions with {@code room_id} and {@code session_id};
 * {@link ExportWriter} writes it) one entry at a time, so an export of any size is read in bounded
 * memory: only the entry being parsed is held, each capped at {@link #MAX_ENTRY_BYTES}.
 *
 * <p>The refusals are those of parsing the whole array first: a JSON error anywhere in the input is
 * reported before any entry's own error, and of the entries' errors the first one is reported.
 */
public final class ExportReader {
    private ExportReader() {}

    /** Largest single entry: a SessionData is a few hundred bytes; a long forwarding chain stays far below this. */
    public static final long MAX_ENTRY_BYTES = 4L * 1024 * 1024;
    /** A non-array input is parsed whole up to this size, only to report its JSON error first. */
    private static final long MAX_OTHER_BYTES = JsonReader.DEFAULT_MAX_BYTES;

    /** Receives each valid entry, in file order; an unchecked exception it throws stops the read, unwrapped. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * Takes one entry that parsed as an exported session. Later entries may still make the read fail.
         *
         * @param session the entry, with its session key: the visitor owns what it keeps of it
         */
        void visit(ExportedSession session);
    }

    /** The input is not a key export; the message is one line, without the option name. */
    public static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        FormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads the whole export from {@code in} (not closed here), calling {@code visitor} for each valid
     * entry; returns the number of entries. On an invalid input the visitor may already have seen the
     * valid entries before the error: act on them only after this returns.
     *
     * @param in the export's bytes; read to the end, never closed here
     * @param visitor gets each valid entry, in file order
     * @return the number of entries read, all of them valid
     * @throws IOException {@code in} could not be read
     * @throws FormatException the input is not a key export: not JSON, not an array, an entry over
     *         {@link #MAX_ENTRY_BYTES}, or an entry that is not a valid exported session (the user's file)
     */
    public static long read(InputStream in, Visitor visitor) throws IOException, FormatException {
        JsonReader reader = new JsonReader(in, Long.MAX_VALUE);
        FormatException firstEntryError = null;
        long i = 0;
        try {
            try {
                reader.beginArray();
            } catch (JsonException notArray) {
                reader.limitValues(MAX_OTHER_BYTES);
                reader.readValue(); // a JSON error in what is there wins over "not an array"
                reader.expectEnd();
                throw new FormatException("expected a JSON array (key export format)", null);
            }
            reader.limitValues(MAX_ENTRY_BYTES);
            for (; reader.nextElement(); i++) {
                Json entry = reader.readValue();
                if (firstEntryError != null) continue; // keep reading: a later JSON error is reported first
                if (!(entry instanceof Json.Obj o)) {
                    firstEntryError = new FormatException("entry " + i + " is not an object", null);
                    continue;
                }
                ExportedSession s;
                try {
                    s = ExportedSession.from(o);
                } catch (KeyFormatException e) {
                    firstEntryError = new FormatException("entry " + i + ": " + e.getMessage(), e);
                    continue;
                }
                visitor.visit(s);
            }
            reader.expectEnd();
        } catch (JsonException e) {
            throw new FormatException(e.getMessage(), e);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        if (firstEntryError != null) throw firstEntryError;
        return i;
    }

    /** Where an export's bytes come from: opened once per pass (a file is read twice by an upload). */
    @FunctionalInterface
    public interface Source {
        /**
         * Opens the export from its start, once per pass.
         *
         * @return a fresh stream over the same bytes as every earlier open; the caller closes it
         * @throws IOException the export could not be opened
         */
        InputStream open() throws IOException;
    }
}
