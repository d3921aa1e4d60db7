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

    /**
     * One thing the user established. Anchors are public records: anyone can build one, and building one
     * vouches for nothing by itself; it states what the caller says the user verified, and
     * {@link TrustResolver} alone decides what it is worth.
     */
    public sealed interface Anchor permits ThisDevice, PinnedDevice, DeviceAsPublished, PinnedMasterKey, SecretStorageMasterKey {}

    /** This device and its own Ed25519 key (not one read from the server). */
    public record ThisDevice(String deviceId, Ed25519PublicKey key) implements Anchor {
        /**
         * Holds this device's ID and key. The key is taken as given: pass the one derived from this device's
         * private key, or one the user compared, never one read from the server.
         *
         * @param deviceId this device's ID
         * @param key this device's Ed25519 key
         * @throws NullPointerException if an argument is null
         */
        public ThisDevice {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(key, "key");
        }
    }

    /** An own device verified by comparing its Ed25519 key. */
    public record PinnedDevice(String deviceId, Ed25519PublicKey key) implements Anchor {
        /**
         * Holds a device and the key the user compared for it. It counts only while the server publishes this
         * same key for the device.
         *
         * @param deviceId the own device's ID
         * @param key the Ed25519 key the user compared
         * @throws NullPointerException if an argument is null
         */
        public PinnedDevice {
            Objects.requireNonNull(deviceId, "deviceId");
            Objects.requireNonNull(key, "key");
        }
    }

    /** An own device named by id alone: its key is whatever the server publishes (weaker). */
    public record DeviceAsPublished(String deviceId) implements Anchor {
        /**
         * Names a device the user trusts without having compared its key.
         *
         * @param deviceId the own device's ID
         * @throws NullPointerException if {@code deviceId} is null
         */
        public DeviceAsPublished {
            Objects.requireNonNull(deviceId, "deviceId");
        }
    }

    /** The own master key, verified by the user. */
    public record PinnedMasterKey(Ed25519PublicKey key) implements Anchor {
        /**
         * Holds the master key the user verified. It counts unless the server publishes a different one.
         *
         * @param key the own master key, as the user verified it
         * @throws NullPointerException if {@code key} is null
         */
        public PinnedMasterKey {
            Objects.requireNonNull(key, "key");
        }
    }

    /** The public half of the master key found in Secret Storage ({@code m.cross_signing.master}). */
    public record SecretStorageMasterKey(Ed25519PublicKey key) implements Anchor {
        /**
         * Holds the public half of the master key read from Secret Storage. It counts only while it equals
         * the published master key.
         *
         * @param key the public key of the {@code m.cross_signing.master} secret
         * @throws NullPointerException if {@code key} is null
         */
        public SecretStorageMasterKey {
            Objects.requireNonNull(key, "key");
        }
    }

    private final String userId;
    private final List<Anchor> anchors;

    /**
     * Collects the anchors of one user. Nothing is checked against the server here; the user ID's form is
     * not checked either.
     *
     * @param userId the own Matrix user id; only signatures under it count
     * @param anchors what the user established; at most one {@link ThisDevice}; copied, order kept
     * @throws IllegalArgumentException if {@code anchors} holds more than one {@link ThisDevice}
     * @throws NullPointerException if {@code userId}, {@code anchors} or one of its elements is null
     */
    public TrustAnchors(String userId, List<? extends Anchor> anchors) {
        this.userId = Objects.requireNonNull(userId, "userId");
        this.anchors = List.copyOf(anchors);
        if (this.anchors.stream().filter(a -> a instanceof ThisDevice).count() > 1) throw new IllegalArgumentException("more than one this-device anchor");
    }

    /**
     * This device (or none: both null), a pinned master key (or null) and pinned devices: the common shape.
     * The anchors are, in order: {@link ThisDevice} and {@link PinnedMasterKey} when given, then one
     * {@link PinnedDevice} per map entry in the map's iteration order.
     *
     * @param userId the own Matrix user id; only signatures under it count
     * @param deviceId this device's ID, or null when there is no device of its own
     * @param deviceKey this device's own Ed25519 key (not the server's), or null exactly when {@code deviceId} is
     * @param pinnedMasterKey the master key the user verified, or null for none
     * @param pinnedDevices own devices the user verified, by device ID, with the keys the user compared; may be
     *     empty
     * @throws IllegalArgumentException if exactly one of {@code deviceId} and {@code deviceKey} is null
     * @throws NullPointerException if {@code userId} or {@code pinnedDevices} is null, or the map holds a null
     *     key or value
     */
    public TrustAnchors(String userId, String deviceId, Ed25519PublicKey deviceKey, Ed25519PublicKey pinnedMasterKey,
                        Map<String, Ed25519PublicKey> pinnedDevices) {
        this(userId, list(deviceId, deviceKey, pinnedMasterKey, pinnedDevices));
    }

    /**
     * Anchors for a reader that has no device of its own (an offline audit): no signature counts as this
     * device's.
     *
     * @param userId the own Matrix user id; only signatures under it count
     * @param pinnedMasterKey the master key the user verified, or null for none
     * @param pinnedDevices own devices the user verified, by device ID, with the keys the user compared; may be
     *     empty
     * @return the anchors: the pinned master key when given, then one {@link PinnedDevice} per map entry
     * @throws NullPointerException if {@code userId} or {@code pinnedDevices} is null, or the map holds a null
     *     key or value
     */
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

    /**
     * Adds one anchor; these anchors are left unchanged.
     *
     * @param more the anchor to add, placed last
     * @return new anchors of the same user: these plus {@code more}
     * @throws IllegalArgumentException if {@code more} is a second {@link ThisDevice}
     * @throws NullPointerException if {@code more} is null
     */
    public TrustAnchors with(Anchor more) {
        List<Anchor> all = new ArrayList<>(anchors);
        all.add(Objects.requireNonNull(more, "anchor"));
        return new TrustAnchors(userId, all);
    }

    /**
     * Names the user these anchors are for.
     *
     * @return the own Matrix user ID, under which alone signatures count
     */
    public String userId() {
        return userId;
    }

    /**
     * Lists the anchors; each still has to be weighed against the published identity.
     *
     * @return the anchors, in the order given; unmodifiable
     */
    public List<Anchor> anchors() {
        return anchors;
    }

    /**
     * Finds the anchor for this device, whose key is used as given for its signatures.
     *
     * @return the {@link ThisDevice} anchor, or null when there is none
     */
    public ThisDevice thisDevice() {
        for (Anchor a : anchors) if (a instanceof ThisDevice d) return d;
        return null;
    }
}
