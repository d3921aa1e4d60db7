package keybackup.backup;

import java.util.Objects;
import keybackup.json.Json;
import keybackup.keys.KeyFormatException;

/**
 * {@code KeyBackupData} (spec {@code key_backup_data.yaml}): one session as stored on the homeserver.
 * Every field is cleartext metadata written by whoever uploaded it, so none of it is authoritative:
 * the first index and the session ID come from the decrypted {@code session_key} (protocol.md §6.3).
 *
 * @param firstMessageIndex {@code first_message_index}: the uploader's claim of the first index the key decrypts
 * @param forwardedCount {@code forwarded_count}: the uploader's claim of how often the key was forwarded
 * @param isVerified {@code is_verified}: the uploader's claim that it had verified the device the key came from
 * @param sessionData the encrypted {@code {ephemeral, ciphertext, mac}} object, kept as received
 */
public record KeyBackupData(long firstMessageIndex, long forwardedCount, boolean isVerified, Json.Obj sessionData) {
    /**
     * Checks the fields of a value built in code; {@link #from} checks those read from JSON.
     *
     * @param firstMessageIndex the first message index, at least 0
     * @param forwardedCount the forwarded count, at least 0
     * @param isVerified whether the uploader says it had verified the device the key came from
     * @param sessionData the encrypted session object
     * @throws NullPointerException if {@code sessionData} is null
     * @throws IllegalArgumentException if {@code firstMessageIndex} or {@code forwardedCount} is negative
     */
    public KeyBackupData {
        Objects.requireNonNull(sessionData, "sessionData");
        if (firstMessageIndex < 0 || forwardedCount < 0) throw new IllegalArgumentException("negative index or count");
    }

    /**
     * Parses with strict types: all four fields required, integers non-negative, no coercion. The
     * {@code session_data} object is kept as it is, not decrypted or checked.
     *
     * @param o one session's object from a {@code /room_keys/keys} response or a local store, as read
     * @return the parsed value
     * @throws KeyFormatException if a field is missing, of the wrong type, or a negative integer (the only
     *     exception for any object)
     */
    public static KeyBackupData from(Json.Obj o) throws KeyFormatException {
        long first = nonNegative(o, "first_message_index");
        long forwarded = nonNegative(o, "forwarded_count");
        if (!(o.get("is_verified") instanceof Json.Bool verified)) throw new KeyFormatException(missingOr(o, "is_verified", "a boolean"));
        Json.Obj data = o.object("session_data");
        if (data == null) throw new KeyFormatException(missingOr(o, "session_data", "an object"));
        return new KeyBackupData(first, forwarded, verified.value(), data);
    }

    /**
     * Writes the value as the spec's JSON object, for upload.
     *
     * @return the object, with the four fields under their spec names
     * @throws IllegalArgumentException if an integer field is above {@link Json#MAX_INTEGER}
     */
    public Json.Obj toJson() {
        return Json.obj(
                "first_message_index", Json.of(firstMessageIndex),
                "forwarded_count", Json.of(forwardedCount),
                "is_verified", Json.of(isVerified),
                "session_data", sessionData);
    }

    private static long nonNegative(Json.Obj o, String field) throws KeyFormatException {
        if (!(o.get(field) instanceof Json.Int n)) throw new KeyFormatException(missingOr(o, field, "an integer"));
        if (n.value() < 0) throw new KeyFormatException(field + ": must not be negative");
        return n.value();
    }

    private static String missingOr(Json.Obj o, String field, String what) {
        return field + (o.has(field) ? ": expected " + what : ": missing");
    }
}
