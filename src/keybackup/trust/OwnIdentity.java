package keybackup.trust;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;

/**
 * The own user's published identity, read from a {@code POST /keys/query} response and validated as
 * protocol.md §9.3 describes. Nothing here is trusted: this only drops what is malformed or inconsistent,
 * and says why in {@link #problems()}. Which keys are trusted, including the cross-signing chain, is
 * decided by {@link TrustResolver} from {@link TrustAnchors}.
 *
 * <ul>
 *   <li>master key: {@code usage == ["master"]}, {@code user_id} matches, exactly one
 *       {@code ed25519:<key>} entry whose id names its own value;</li>
 *   <li>self-signing key: the same shape with {@code ["self_signing"]} (its signature by a master key is
 *       checked by the resolver, against the <em>trusted</em> master key);</li>
 *   <li>devices: {@code user_id}/{@code device_id} equal the map keys, a valid self-signature by
 *       {@code ed25519:<device_id>}; a device whose id decodes to the bytes of a cross-signing key, in any
 *       base64 spelling (the key-id collision attack, spec "Cross-signing"), is dropped.</li>
 * </ul>
 */
public final class OwnIdentity {
    /**
     * A validated own device: its id, its Ed25519 key and its published device-keys object (signatures included).
     * The devices in {@link #devices()} passed the checks of {@link #fromKeysQuery}; building one by hand checks
     * nothing. Either way its key is the server's word until {@link TrustResolver} finds it verified.
     */
    public record Device(String deviceId, Ed25519PublicKey ed25519, Json.Obj published) {}

    private final String userId;
    private final Ed25519PublicKey master;
    private final Ed25519PublicKey selfSigning;
    private final Json.Obj selfSigningObject;
    private final Map<String, Device> devices;
    private final List<String> problems;

    private OwnIdentity(String userId, Ed25519PublicKey master, Ed25519PublicKey selfSigning,
            Json.Obj selfSigningObject,
                        Map<String, Device> devices, List<String> problems) {
        this.userId = userId;
        this.master = master;
        this.selfSigning = selfSigning;
        this.selfSigningObject = selfSigningObject;
        this.devices = Collections.unmodifiableMap(devices);
        this.problems = List.copyOf(problems);
    }

    /**
     * Reads the own user's part of a {@code /keys/query} response, as the class comment describes; the only
     * way to make an {@code OwnIdentity}. Never throws on bad content: whatever fails a check is left out
     * and named in {@link #problems()}. A self-signing key without a valid signature by the published master
     * key is kept (the resolver checks it against the trusted master key) but noted. The checks are of form
     * and self-consistency, a device's self-signature included; nothing is trusted.
     *
     * @param userId the own Matrix user ID; only its entries are read, and they must name it
     * @param response the {@code POST /keys/query} response body, as served
     * @return the validated identity, possibly with no master key, no self-signing key or no devices
     * @throws NullPointerException if {@code response} is null
     */
    public static OwnIdentity fromKeysQuery(String userId, Json.Obj response) {
        List<String> problems = new ArrayList<>();
        Ed25519PublicKey master = crossSigningKey(userId, response, "master_keys", "master", problems);
        Ed25519PublicKey ssk = crossSigningKey(userId, response, "self_signing_keys", "self_signing", problems);
        Json.Obj sskObj = ssk == null ? null : response.object("self_signing_keys").object(userId);
        if (ssk != null && (master == null || !SignedJson.verify(sskObj, userId, "ed25519:" + master.toBase64(),
                master).valid())) {
            problems.add("self-signing key: no valid signature by the published master key; it verifies no device");
        }
        Map<String, Device> devices = new LinkedHashMap<>();
        Json.Obj all = response.object("device_keys");
        Json.Obj mine = all == null ? null : all.object(userId);
        if (mine != null) {
            for (Map.Entry<String, Json> e : mine.members().entrySet()) {
                Device d = device(userId, e.getKey(), e.getValue(), master, ssk, problems);
                if (d != null) devices.put(d.deviceId(), d);
            }
        }
        return new OwnIdentity(userId, master, ssk, sskObj, devices, problems);
    }

    private static Ed25519PublicKey crossSigningKey(String userId, Json.Obj response, String section, String usage,
                                                    List<String> problems) {
        Json.Obj bySection = response.object(section);
        if (bySection == null || bySection.get(userId) == null) return null;
        if (!(bySection.get(userId) instanceof Json.Obj key)) {
            problems.add(section + ": not an object");
            return null;
        }
        if (!userId.equals(key.string("user_id"))) {
            problems.add(section + ": user_id does not match");
            return null;
        }
        if (!(key.get("usage") instanceof Json.Arr u) || !u.elements().equals(List.of(Json.of(usage)))) {
            problems.add(section + ": usage is not [\"" + usage + "\"]");
            return null;
        }
        Json.Obj keys = key.object("keys");
        if (keys == null || keys.members().size() != 1) {
            problems.add(section + ": keys must hold exactly one key");
            return null;
        }
        Map.Entry<String, Json> only = keys.members().entrySet().iterator().next();
        if (!(only.getValue() instanceof Json.Str v) || !only.getKey().equals("ed25519:" + v.value())) {
            problems.add(section + ": key id does not name its key");
            return null;
        }
        try {
            return Ed25519PublicKey.parse(section, v.value());
        } catch (KeyFormatException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private static Device device(String userId, String deviceId, Json value, Ed25519PublicKey master,
                                 Ed25519PublicKey ssk, List<String> problems) {
        String where = "device " + deviceId + ": ";
        if (!(value instanceof Json.Obj d)) {
            problems.add(where + "not an object");
            return null;
        }
        if (!userId.equals(d.string("user_id")) || !deviceId.equals(d.string("device_id"))) {
            problems.add(where + "user_id or device_id does not match");
            return null;
        }
        // Compared as keys, not strings: "AAAB…" and a spelling with other trailing bits or padding name the
        // same key.
        if (spells(deviceId, master) || spells(deviceId, ssk)) {
            problems.add(where + "device id is a spelling of a cross-signing key; ignored");
            return null;
        }
        Json.Obj keys = d.object("keys");
        String keyText = keys == null ? null : keys.string("ed25519:" + deviceId);
        Ed25519PublicKey key;
        try {
            key = Ed25519PublicKey.parse(where + "ed25519 key", keyText);
        } catch (KeyFormatException e) {
            problems.add(e.getMessage());
            return null;
        }
        if (!SignedJson.verify(d, userId, "ed25519:" + deviceId, key).valid()) {
            problems.add(where + "self-signature does not verify; ignored");
            return null;
        }
        return new Device(deviceId, key, d);
    }

    /**
     * True when {@code text} decodes, in any spelling the base64 reader accepts (padding, non-zero trailing
     * bits), to the 32 bytes of {@code key}. Every comparison of a name with a key goes through here.
     */
    static boolean spells(String text, Ed25519PublicKey key) {
        if (key == null || text == null) return false;
        try {
            return Ed25519PublicKey.parse("name", text).equals(key);
        } catch (KeyFormatException e) {
            return false;
        }
    }

    /**
     * Names the user this identity was read for.
     *
     * @return the user ID given to {@link #fromKeysQuery}
     */
    public String userId() {
        return userId;
    }

    /**
     * Gives the master key the server publishes: well-formed, not trusted.
     *
     * @return the published master key, or null when it is absent or failed a check
     */
    public Ed25519PublicKey masterKey() {
        return master;
    }

    /**
     * Gives the self-signing key the server publishes. It is well-formed; whether a trusted master key
     * signed it is the resolver's question.
     *
     * @return the published self-signing key, or null when it is absent or failed a check
     */
    public Ed25519PublicKey selfSigningKey() {
        return selfSigning;
    }

    /** The published self-signing key object, for checking its master-key signature; null with no key. */
    Json.Obj selfSigningObject() {
        return selfSigningObject;
    }

    /**
     * Lists the own devices that passed validation; none of them is verified by that.
     *
     * @return validated own devices by device ID, in the response's order; unmodifiable
     */
    public Map<String, Device> devices() {
        return devices;
    }

    /**
     * Says what in the response was dropped or distrusted, and why.
     *
     * @return one line per problem, in the order found; empty when nothing was wrong; unmodifiable
     */
    public List<String> problems() {
        return problems;
    }
}
