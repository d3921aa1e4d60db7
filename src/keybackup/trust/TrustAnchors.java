package keybackup.trust;

import java.util.Objects;
import java.util.Set;
import keybackup.keys.Ed25519PublicKey;

/**
 * What the user has established, given explicitly: the library never guesses what was verified.
 *
 * @param userId the own Matrix user id; only signatures under it count
 * @param deviceId this device's id
 * @param deviceKey this device's Ed25519 key (its own key, not one read from the server)
 * @param trustedMasterKey the own master key the user verified (or whose private key this client
 *     holds and checked), or null when none is trusted
 * @param verifiedDevices ids of own devices the user verified directly ("locally verified")
 */
public record TrustAnchors(String userId, String deviceId, Ed25519PublicKey deviceKey,
                           Ed25519PublicKey trustedMasterKey, Set<String> verifiedDevices) {
    public TrustAnchors {
        Objects.requireNonNull(userId, "userId");
        verifiedDevices = Set.copyOf(verifiedDevices);
    }

    /** Anchors for a reader that has no device of its own (an offline audit): only the master key and verified devices count. */
    public static TrustAnchors withoutDevice(String userId, Ed25519PublicKey trustedMasterKey, Set<String> verifiedDevices) {
        return new TrustAnchors(userId, null, null, trustedMasterKey, verifiedDevices);
    }
}
