package keybackup.backup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import keybackup.json.Json;
import keybackup.keys.Base64Unpadded;
import keybackup.keys.Curve25519PublicKey;
import keybackup.keys.KeyFormatException;

/**
 * The decrypted plaintext of one backed-up session, {@code BackedUpSessionData} (protocol.md §6.3), kept
 * as the original JSON object so that unknown fields ({@code m.shared_history}, {@code signatures},
 * {@code org.matrix.mscxxxx.authenticated}, a stray {@code room_id}, …) survive and a signature over
 * it can still be checked. Immutable.
 *
 * <p>Validated: {@code algorithm}, {@code sender_key} (32 bytes), {@code session_key} (a version 0x01,
 * 165-byte {@link SessionExport}), and the types of {@code forwarding_curve25519_key_chain} and
 * {@code sender_claimed_keys} when present. Not decided here: whether the data is authentic (it is
 * unauthenticated unless a trusted signature says otherwise) and whether it was stored under the right
 * session ID — call {@link #matchesSessionId}. {@code toString} leaves out {@code session_key}.
 */
public final class SessionData {
    static final String ALGORITHM = "algorithm";
    static final String SENDER_KEY = "sender_key";
    static final String SESSION_KEY = "session_key";
    static final String FORWARDING_CHAIN = "forwarding_curve25519_key_chain";
    static final String SENDER_CLAIMED_KEYS = "sender_claimed_keys";

    private final Json.Obj json;
    private final SessionExport export;
    private final List<String> forwardingChain;
    private final Map<String, String> senderClaimedKeys;

    private SessionData(Json.Obj json, SessionExport export, List<String> chain, Map<String, String> claimed) {
        this.json = json;
        this.export = export;
        this.forwardingChain = chain;
        this.senderClaimedKeys = claimed;
    }

    /**
     * Validates a decrypted plaintext object. The object is kept as it is; the session key's decoded bytes
     * are zeroed once its public facts are read.
     *
     * @param o the plaintext object, as decrypted or read from an export
     * @return the validated session, not yet authenticated
     * @throws NullPointerException if {@code o} is null
     * @throws KeyFormatException a field named above is missing, of the wrong type or malformed (the only
     *     exception for any object)
     */
    public static SessionData from(Json.Obj o) throws KeyFormatException {
        Objects.requireNonNull(o, "sessionData");
        String algorithm = o.string(ALGORITHM);
        if (algorithm == null) throw new KeyFormatException(ALGORITHM + (o.has(ALGORITHM) ? ": expected a string" : ": missing"));
        if (!algorithm.equals(MegolmBackupV1.ROOM_KEY_ALGORITHM)) {
            throw new KeyFormatException(ALGORITHM + ": expected " + MegolmBackupV1.ROOM_KEY_ALGORITHM);
        }
        Curve25519PublicKey.parse(SENDER_KEY, requireString(o, SENDER_KEY));
        SessionExport export = SessionExport.parse(requireString(o, SESSION_KEY));

        List<String> chain = List.of();
        if (o.has(FORWARDING_CHAIN)) {
            if (!(o.get(FORWARDING_CHAIN) instanceof Json.Arr arr)) throw new KeyFormatException(FORWARDING_CHAIN + ": expected an array");
            List<String> list = new ArrayList<>(arr.elements().size());
            for (Json e : arr.elements()) {
                if (!(e instanceof Json.Str s)) throw new KeyFormatException(FORWARDING_CHAIN + ": expected an array of strings");
                list.add(s.value());
            }
            chain = Collections.unmodifiableList(list);
        }

        Map<String, String> claimed = Map.of();
        if (o.has(SENDER_CLAIMED_KEYS)) {
            Json.Obj keys = o.object(SENDER_CLAIMED_KEYS);
            if (keys == null) throw new KeyFormatException(SENDER_CLAIMED_KEYS + ": expected an object");
            LinkedHashMap<String, String> map = new LinkedHashMap<>();
            for (Map.Entry<String, Json> e : keys.members().entrySet()) {
                if (!(e.getValue() instanceof Json.Str s)) throw new KeyFormatException(SENDER_CLAIMED_KEYS + "." + e.getKey() + ": expected a string");
                map.put(e.getKey(), s.value());
            }
            claimed = Collections.unmodifiableMap(map);
        }
        return new SessionData(o, export, chain, claimed);
    }

    /**
     * One element of the JSON key-export format: a SessionData plus {@code room_id} and
     * {@code session_id}. Those two are checked (the session ID must be that of {@code session_key})
     * and stripped; use {@link ExportedSession#from} to keep them. A recorded verdict
     * ({@value ExportedSession#VERDICT_MEMBER}, checked as there) stays on the data, so that a signer lowers
     * the entry's flag by it; it never raises one.
     *
     * @param keyExportEntry one element of a key export's array, as read
     * @return the session, without {@code room_id} and {@code session_id}
     * @throws KeyFormatException in the cases {@link ExportedSession#from} throws it
     */
    public static SessionData fromExportEntry(Json.Obj keyExportEntry) throws KeyFormatException {
        ExportedSession e = ExportedSession.from(keyExportEntry);
        if (e.recordedVerdict() == null) return e.data();
        return from(e.data().json().with(ExportedSession.VERDICT_MEMBER, keyExportEntry.get(ExportedSession.VERDICT_MEMBER)));
    }

    /**
     * Gives the plaintext object, which holds the session key: never log it.
     *
     * @return the object exactly as decrypted (all fields, unknown ones included)
     */
    public Json.Obj json() {
        return json;
    }

    /**
     * Reads the Curve25519 key of the device that created the session, as claimed by the plaintext.
     *
     * @return {@code sender_key} as written (validated to decode to 32 bytes)
     */
    public String senderKey() {
        return json.string(SENDER_KEY);
    }

    /**
     * Reads the session key. Secret: never log it; as a {@code String} it cannot be wiped.
     *
     * @return {@code session_key} as written: the base64 session export
     */
    public String sessionKey() {
        return json.string(SESSION_KEY);
    }

    /**
     * Gives the public facts of the session export in {@code session_key}.
     *
     * @return the parsed export (first index and session ID; no secret bytes)
     */
    public SessionExport export() {
        return export;
    }

    /**
     * Gives the session ID as computed from the session key itself, never taken from the cleartext around
     * the session.
     *
     * @return the session ID computed from {@code session_key}: unpadded b64(Kpub)
     */
    public String sessionId() {
        return export.sessionId();
    }

    /**
     * Whether this session may be stored under {@code storedUnder} (a {@code sessions} map key or URL
     * segment): exact string equality with the canonical unpadded b64(Kpub), never decoded and
     * re-encoded (protocol.md §3.2). False means {@code session_id_mismatch}: import it under no ID.
     *
     * @param storedUnder the session ID the session was found under
     * @return true when it equals {@link #sessionId()} exactly
     */
    public boolean matchesSessionId(String storedUnder) {
        return export.sessionId().equals(storedUnder);
    }

    /**
     * Reads the forwarding chain, claimed by the plaintext and not verified.
     *
     * @return {@code forwarding_curve25519_key_chain}, unmodifiable, empty when absent
     */
    public List<String> forwardingChain() {
        return forwardingChain;
    }

    /**
     * Reads the keys the sender claims to own. Claimed by the sender, not verified.
     *
     * @return {@code sender_claimed_keys} (algorithm to key), unmodifiable, empty when absent
     */
    public Map<String, String> senderClaimedKeys() {
        return senderClaimedKeys;
    }

    static String requireString(Json.Obj o, String field) throws KeyFormatException {
        String s = o.string(field);
        if (s == null) throw new KeyFormatException(field + (o.has(field) ? ": expected a string" : ": missing"));
        return s;
    }

    /** Sessions are equal when their plaintext objects are equal member by member (order aside). */
    @Override
    public boolean equals(Object o) {
        return o instanceof SessionData other && json.equals(other.json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return "SessionData[session_id=" + export.sessionId() + ", sender_key=" + senderKey() + ", session_key=<redacted>]";
    }
}
