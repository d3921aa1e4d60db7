package keybackup.fuzz;

import java.util.Arrays;
import keybackup.json.CanonicalJson;
import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * Fuzz target: {@link JsonReader#parse(byte[])} throws only {@link JsonException}, and whatever it accepts
 * {@link CanonicalJson} encodes to bytes that parse back to the same value and encode to the same bytes.
 */
public final class JsonFuzz {
    private JsonFuzz() {}

    public static void fuzzerTestOneInput(byte[] data) {
        Json value;
        try {
            value = JsonReader.parse(data);
        } catch (JsonException e) {
            return; // documented
        }
        byte[] canonical = CanonicalJson.encode(value);
        Json again;
        try {
            again = JsonReader.parse(canonical);
        } catch (JsonException e) {
            throw new AssertionError("canonical form does not parse: " + e.getMessage(), e);
        }
        if (!again.equals(value)) throw new AssertionError("canonical form parses to another value");
        if (!Arrays.equals(CanonicalJson.encode(again), canonical)) {
            throw new AssertionError("canonical form is not stable");
        }
    }
}
