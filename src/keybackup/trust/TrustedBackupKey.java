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
    /** Whether a signer the user compared vouches for it ({@link AuthDataTrust#comparedAnchors}), decided once. */
    private final boolean compared;

    TrustedBackupKey(String userId, String asWritten, Ed25519PublicKey key, List<AuthDataTrust.TrustedVia> via) {
        this.userId = userId;
        this.asWritten = asWritten;
        this.key = key;
        this.via = List.copyOf(via);
        this.compared = !AuthDataTrust.comparedAnchors(this.via).isEmpty();
    }

    /**
     * Whether at least one signer that vouched for this key is one the user compared (not
     * {@link AuthDataTrust.Via#weak() weak}): {@link AuthDataTrust#comparedAnchors} is not empty. Decided once,
     * here, since every verdict of a version shares its signer and {@link KeySource#fromRestore} asks per key.
     */
    boolean onComparedAnchor() {
        return compared;
    }

    /**
     * Names the user whose AuthData this key came from.
     *
     * @return the own user ID the trust decision was made for: the entity SessionData signatures are looked
     *     up under first, and the one a writer signs as
     */
    public String userId() {
        return userId;
    }

    /**
     * Gives the key ID that SessionData signatures by this key are made and looked up under. It is built from
     * the AuthData's spelling, not re-encoded, so a padded {@code signing_public_key} gives a padded key ID;
     * readers compare it as an exact string.
     *
     * @return {@code ed25519:} followed by the key exactly as written in the AuthData
     */
    public String keyId() {
        return "ed25519:" + asWritten;
    }

    /** The key exactly as written in the AuthData. */
    String asWritten() {
        return asWritten;
    }

    /**
     * Gives the backup signing key that SessionData signatures must verify with.
     *
     * @return the key the trusted AuthData names, decoded
     */
    public Ed25519PublicKey publicKey() {
        return key;
    }

    /**
     * Tells which trusted signers vouched for the AuthData. A signer of kind
     * {@link AuthDataTrust.Via#DEVICE_AS_PUBLISHED} rests on the server's word for a device key: check
     * {@link AuthDataTrust.Via#weak()} before treating the key as fully trusted (as
     * {@link KeySource#fromRestore} does).
     *
     * @return the trusted signatures that made this key usable, never empty, in the order found; unmodifiable
     */
    public List<AuthDataTrust.TrustedVia> via() {
        return via;
    }

    @Override
    public String toString() {
        return "TrustedBackupKey[" + keyId() + "]";
    }
}
