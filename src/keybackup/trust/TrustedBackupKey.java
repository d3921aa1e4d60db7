package keybackup.trust;

import java.util.List;
import keybackup.keys.Ed25519PublicKey;

/**
 * A backup signing key taken from an AuthData that is signed by a trusted signer (the trusted master key,
 * this device, or a verified own device; see {@link TrustAnchors}). A final class, not a record, with a
 * package-private constructor: the only producer is {@link TrustResolver#resolve}, so holding one proves
 * the trust decision was made.
 */
public final class TrustedBackupKey {
    private final String userId;
    private final String asWritten;
    private final Ed25519PublicKey key;
    private final List<AuthDataTrust.TrustedVia> via;

    TrustedBackupKey(String userId, String asWritten, Ed25519PublicKey key, List<AuthDataTrust.TrustedVia> via) {
        this.userId = userId;
        this.asWritten = asWritten;
        this.key = key;
        this.via = List.copyOf(via);
    }

    /** The own user id: the entity SessionData signatures are looked up under first. */
    public String userId() {
        return userId;
    }

    /** {@code ed25519:} followed by the key exactly as written in the AuthData. */
    public String keyId() {
        return "ed25519:" + asWritten;
    }

    /** The key exactly as written in the AuthData. */
    String asWritten() {
        return asWritten;
    }

    public Ed25519PublicKey publicKey() {
        return key;
    }

    /** The trusted signatures that made this key usable. */
    public List<AuthDataTrust.TrustedVia> via() {
        return via;
    }

    @Override
    public String toString() {
        return "TrustedBackupKey[" + keyId() + "]";
    }
}
