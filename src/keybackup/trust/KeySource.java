package keybackup.trust;

import java.util.List;

/**
 * Where a Megolm session key came from; this alone decides the {@code authenticated} flag a writer puts
 * in a signed SessionData (digest 07 §5). There is no way to pass a bare boolean.
 *
 * <p>{@code true} for: an Olm-encrypted {@code m.room_key} from the device owning {@code sender_key};
 * a trusted forward (MSC3879: {@code trusted: true} from a verified own device); a session this device
 * created; a backup entry whose verdict was {@code authenticated} (only obtainable from a verified
 * restore, {@link #fromRestore}). {@code false} for everything else: untrusted forwards, key-export
 * files, unsigned or untrusted backup entries.
 */
public final class KeySource {
    public static final KeySource OLM = new KeySource("olm", true, "Olm m.room_key from the sender");
    public static final KeySource TRUSTED_FORWARD = new KeySource("trusted-forward", true, "trusted forward from a verified own device (MSC3879)");
    public static final KeySource OWN = new KeySource("own", true, "a session this device created");
    public static final KeySource UNTRUSTED_FORWARD = new KeySource("untrusted-forward", false, "forward without the trusted flag");
    public static final KeySource EXPORT = new KeySource("export", false, "a key export file");
    public static final KeySource BACKUP_UNAUTHENTICATED = new KeySource("backup-unauthenticated", false, "an unsigned or untrusted backup entry");
    private static final KeySource BACKUP_AUTHENTICATED = new KeySource("backup-authenticated", true, "an authenticated entry of a trusted signed backup");

    /** The sources a caller may name (the command line's {@code --source} words). */
    public static final List<KeySource> NAMEABLE = List.of(OLM, TRUSTED_FORWARD, OWN, UNTRUSTED_FORWARD, EXPORT, BACKUP_UNAUTHENTICATED);

    private final String name;
    private final boolean authenticated;
    private final String description;

    private KeySource(String name, boolean authenticated, String description) {
        this.name = name;
        this.authenticated = authenticated;
        this.description = description;
    }

    /** The nameable source called {@code name}, or null. {@code backup-authenticated} is not nameable. */
    public static KeySource byName(String name) {
        for (KeySource s : NAMEABLE) {
            if (s.name.equals(name)) return s;
        }
        return null;
    }

    /** The source of a key restored from a backup: authenticated only if its verdict was. */
    public static KeySource fromRestore(SessionVerdict verdict) {
        return verdict instanceof SessionVerdict.Authenticated ? BACKUP_AUTHENTICATED : BACKUP_UNAUTHENTICATED;
    }

    public String name() {
        return name;
    }

    /** The value of the {@code authenticated} flag for keys from this source. */
    public boolean authenticated() {
        return authenticated;
    }

    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return name;
    }
}
