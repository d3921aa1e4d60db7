package keybackup.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import keybackup.keys.Ed25519PublicKey;
import keybackup.keys.KeyFormatException;
import keybackup.trust.OwnIdentity;

/**
 * Turns {@code --verified-device ID} / {@code ID:KEY} into the pinned keys the trust layer requires. With
 * {@code ID:KEY} the device counts only while the server publishes exactly that key. With a bare
 * {@code ID} the key can only come from the server's own {@code /keys/query} answer, which a malicious
 * server controls: allowed (it is how the command line was specified), but said on stderr each time.
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

    /** The key of {@code pin}: the given one, or the published one with a warning; null when the device is unknown. */
    static Ed25519PublicKey resolve(String option, Pin pin, OwnIdentity identity, Io io) {
        if (pin.key() != null) return pin.key();
        OwnIdentity.Device d = identity.devices().get(pin.deviceId());
        if (d == null) {
            io.errln("keybackup: warning: " + option + " " + pin.deviceId() + ": no such valid device published; ignored");
            return null;
        }
        io.errln("keybackup: warning: " + option + " " + pin.deviceId() + ": its key is taken from the server's identity; pin it with "
                + option + " " + pin.deviceId() + ":" + d.ed25519().toBase64() + " once you have compared it");
        return d.ed25519();
    }

    static Map<String, Ed25519PublicKey> verifiedDevices(List<String> specs, OwnIdentity identity, Io io) throws UsageException {
        Map<String, Ed25519PublicKey> out = new HashMap<>();
        for (String spec : specs) {
            Pin pin = parse("--verified-device", spec);
            Ed25519PublicKey key = resolve("--verified-device", pin, identity, io);
            if (key != null) out.put(pin.deviceId(), key);
        }
        return out;
    }
}
