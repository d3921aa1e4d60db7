package keybackup.trust;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import keybackup.keys.Ed25519PublicKey;

/**
 * What the user established, given explicitly as named kinds of anchor: the library never guesses what
 * was verified. Callers pass what the user gave; {@link TrustResolver} alone decides what each anchor is
 * worth against the published identity:
 * <ul>
 *   <li>{@link ThisDevice}: this device, with its own key (from its private key, or one the user compared);</li>
 *   <li>{@link PinnedDevice}: an own device the user verified, with the key the user compared; it counts only
 *       while the server publishes that same key;</li>
 *   <li>{@link DeviceAsPublished}: an own device named by id only, its key taken as the server publishes it.
 *       A malicious server controls that key, so this is weaker and is labelled
 *       {@link AuthDataTrust.Via#DEVICE_AS_PUBLISHED} in every output;</li>
 *   <li>{@link PinnedMasterKey}: the own master key the user verified; it counts unless the server
 *       publishes another one;</li>
 *   <li>{@link SecretStorageMasterKey}: the public half of the master key held in Secret Storage; it
 *       counts only while it equals the published master key (protocol.md §9.4: a stale secret after an
 *       identity reset is not trust).</li>
 * </ul>
 */
public final class TrustAnchors {

    /** One thing the user established. */
    public sealed interface Anchor permits ThisDevice, PinnedDevice, DeviceAsPublished, PinnedMasterKey, SecretStorageMasterKey {}

    /** This device and its own Ed25519 key (not one read from the server). */
    public record ThisDevice(String deviceId, Ed25519PublicKey key) implements Anchor {
        public ThisDevice {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(key, "key");
        }
    }

    /** An own device verified by comparing its Ed25519 key. */
    public record PinnedDevice(String deviceId, Ed25519PublicKey key) implements Anchor {
        public PinnedDevice {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(key, "key");
        }
    }

    /** An own device named by id alone: its key is whatever the server publishes (weaker). */
    public record DeviceAsPublished(String deviceId) implements Anchor {
        public DeviceAsPublished {
            Objects.requireNonNull(deviceId, "deviceId");
        }
    }

    /** The own master key, verified by the user. */
    public record PinnedMasterKey(Ed25519PublicKey key) implements Anchor {
        public PinnedMasterKey {
            Objects.requireNonNull(key, "key");
        }
    }

    /** The public half of the master key found in Secret Storage ({@code m.cross_signing.master}). */
    public record SecretStorageMasterKey(Ed25519PublicKey key) implements Anchor {
        public SecretStorageMasterKey {
            Objects.requireNonNull(key, "key");
        }
    }

    private final String userId;
    private final List<Anchor> anchors;

    /**
     * @param userId the own Matrix user id; only signatures under it count
     * @param anchors what the user established; at most one {@link ThisDevice}
     */
    public TrustAnchors(String userId, List<? extends Anchor> anchors) {
        this.userId = Objects.requireNonNull(userId, "userId");
        this.anchors = List.copyOf(anchors);
        if (this.anchors.stream().filter(a -> a instanceof ThisDevice).count() > 1) throw new IllegalArgumentException("more than one this-device anchor");
    }

    /**
     * This device (or none: both null), a pinned master key (or null) and pinned devices: the common shape.
     */
    public TrustAnchors(String userId, String deviceId, Ed25519PublicKey deviceKey, Ed25519PublicKey pinnedMasterKey,
                        Map<String, Ed25519PublicKey> pinnedDevices) {
        this(userId, list(deviceId, deviceKey, pinnedMasterKey, pinnedDevices));
    }

    /** Anchors for a reader that has no device of its own (an offline audit). */
    public static TrustAnchors withoutDevice(String userId, Ed25519PublicKey pinnedMasterKey, Map<String, Ed25519PublicKey> pinnedDevices) {
        return new TrustAnchors(userId, null, null, pinnedMasterKey, pinnedDevices);
    }

    private static List<Anchor> list(String deviceId, Ed25519PublicKey deviceKey, Ed25519PublicKey master, Map<String, Ed25519PublicKey> pinned) {
        if ((deviceId == null) != (deviceKey == null)) throw new IllegalArgumentException("deviceId and deviceKey go together");
        List<Anchor> out = new ArrayList<>();
        if (deviceId != null) out.add(new ThisDevice(deviceId, deviceKey));
        if (master != null) out.add(new PinnedMasterKey(master));
        pinned.forEach((id, key) -> out.add(new PinnedDevice(id, key)));
        return out;
    }

    /** These anchors plus {@code more}. */
    public TrustAnchors with(Anchor more) {
        List<Anchor> all = new ArrayList<>(anchors);
        all.add(Objects.requireNonNull(more, "anchor"));
        return new TrustAnchors(userId, all);
    }

    public String userId() {
        return userId;
    }

    /** The anchors, in the order given. */
    public List<Anchor> anchors() {
        return anchors;
    }

    /** This device, or null. */
    public ThisDevice thisDevice() {
        for (Anchor a : anchors) if (a instanceof ThisDevice d) return d;
        return null;
    }
}
