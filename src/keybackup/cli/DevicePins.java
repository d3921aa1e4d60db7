package keybackup.cli;

import java.util.ArrayList;
import java.util.List;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;
import keybackup.trust.OwnIdentity;
import keybackup.trust.TrustAnchors;

/**
 * Reads {@code --verified-device ID} / {@code ID:KEY} (and the offline audit's {@code --device-id}) into the
 * trust anchors the user gave, as given: {@code ID:KEY} is a device pinned with the key the user compared;
 * a bare {@code ID} names the device only, and {@code keybackup.trust} takes its key as the server
 * publishes it (weaker, labelled {@code device_as_published}). What an anchor is worth is not decided
 * here; this only says on stderr, each time, that a bare id trusts the server's key.
 */
final class DevicePins {
    private DevicePins() {}

    /** A device id and the key given with it (null when only the id was given). */
    record Pin(String deviceId, Ed25519PublicKey key) {}

    static Pin parse(String option, String spec) throws UsageException {
        int colon = spec.lastIndexOf(':');
        if (colon > 0) {
            try {
                return new Pin(spec.substring(0, colon), Ed25519PublicKey.parse(option, spec.substring(colon + 1)));
            } catch (KeyFormatException e) {
                // not ID:KEY; a device id may itself contain ':'
            }
        }
        if (spec.isEmpty()) throw new UsageException(option + " needs a device id");
        return new Pin(spec, null);
    }

    /**
     * The warning for a bare id; {@code identity} (may be null) only adds the published key to the hint,
     * or says that no such device is published.
     */
    static void warnBare(String option, Pin pin, OwnIdentity identity, Io io) {
        OwnIdentity.Device d = identity == null ? null : identity.devices().get(pin.deviceId());
        if (identity != null && d == null) {
            io.errln("keybackup: warning: " + option + " " + pin.deviceId()
                    + ": no such valid device published; it counts for nothing");
            return;
        }
        io.errln("keybackup: warning: " + option + " " + pin.deviceId()
                + ": its key is taken as the server publishes it (device_as_published); pin it with "
                + option + " " + pin.deviceId() + ":" + (d == null ? "KEY" : d.ed25519().toBase64())
                + " once you have compared it");
    }

    /** The {@code --verified-device} anchors: pinned devices, and devices named by id only (with a warning). */
    static List<TrustAnchors.Anchor> verifiedDevices(List<String> specs, OwnIdentity identity,
            Io io) throws UsageException {
        List<TrustAnchors.Anchor> out = new ArrayList<>();
        for (String spec : specs) {
            Pin pin = parse("--verified-device", spec);
            if (pin.key() != null) {
                out.add(new TrustAnchors.PinnedDevice(pin.deviceId(), pin.key()));
            } else {
                warnBare("--verified-device", pin, identity, io);
                out.add(new TrustAnchors.DeviceAsPublished(pin.deviceId()));
            }
        }
        return out;
    }
}
