package keybackup.fuzz;

import keybackup.json.Json;
import keybackup.json.JsonException;
import keybackup.json.JsonReader;

/**
 * The skeleton every fuzz target shares: run a call and let pass only the exception its API documents.
 * Anything else (an unchecked exception, an error) leaves the target: a finding.
 */
final class Documented {
    private Documented() {}

    /** A call that may throw {@code E}. */
    @FunctionalInterface
    interface Call<E extends Exception> {
        void run() throws E;
    }

    /** Runs {@code call}; {@code allowed} is its documented refusal. */
    static <E extends Exception> void allow(Class<E> allowed, Call<E> call) {
        try {
            call.run();
        } catch (Exception e) {
            if (!allowed.isInstance(e)) throw unchecked(e);
        }
    }

    /** The input as a JSON object, or null if the strict parser refuses it (its documented refusal). */
    static Json.Obj object(byte[] data) {
        try {
            return JsonReader.parseObject(data);
        } catch (JsonException e) {
            return null;
        }
    }

    // Only an unchecked exception can get here: the call's checked ones are the allowed types.
    private static RuntimeException unchecked(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException("undocumented exception", e);
    }
}
