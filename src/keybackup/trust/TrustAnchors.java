package keybackup.trust;

import java.util.Map;
import java.util.Objects;
import keybackup.keys.Ed25519PublicKey;

/**
 * What the user has established, given explicitly: the library never guesses what was verified.
 *
 * @param userId the own Matrix user id; only signatures under it count
 * @param deviceId this device's id
 * @param deviceKey this device's Ed25519 key (its own key, not one read from the server)
 * @param trustedMasterKey the own master key the user verified (or whose private key this client
 *     holds and checked), or null when none is trusted
 * @param verifiedDevices own devices the user verified directly ("locally verified"), each with the
 *     Ed25519 key that was verified: a device counts only while the server publishes that same key, so a
 *     server cannot swap in a key of its own under a verified device id
 */
public record TrustAnchors(String userId, String deviceId, Ed25519PublicKey deviceKey,
                           Ed25519PublicKey trustedMasterKey, Map<String, Ed25519PublicKey> verifiedDevices) {
    public TrustAnchors {
        Objects.requireNonNull(userId, "userId");
        if ((deviceId == null) != (deviceKey == null)) throw new IllegalArgumentException("deviceId and deviceKey go together");
        verifiedDevices = Map.copyOf(verifiedDevices);
    }

    /** Anchors for a reader that has no device of its own (an offline audit): only the master key and verified devices count. */
    public static TrustAnchors withoutDevice(String userId, Ed25519PublicKey trustedMasterKey, Map<String, Ed25519PublicKey> verifiedDevices) {
        return new TrustAnchors(userId, null, null, trustedMasterKey, verifiedDevices);
    }
}
