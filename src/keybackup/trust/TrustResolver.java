package keybackup.trust;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import keybackup.backup.AuthData;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PublicKey;

/**
 * Decides whether a backup version's AuthData is trusted, and so whether its backup signing key may
 * be used (digest 06 §6.5 and 07 §3). The whole decision is {@link #resolve}; read it top to bottom.
 *
 * <p>Rules: only signatures under the own user id count. A signature by the master key counts only if
 * that master key is the one in {@link TrustAnchors#trustedMasterKey()} and the server publishes no
 * other. A signature by this device counts (checked with the device's own key from the anchors). A
 * signature by another own device counts only if that device is verified: verified locally (listed in
 * the anchors with the key that was verified, which the server must still publish) or cross-signed by a self-signing key that the trusted master key signed. The signing
 * key is usable only when the AuthData is trusted and names exactly one well-formed key; holding the
 * backup decryption key is not enough (this project does not offer that option, digest 07 §3).
 */
public final class TrustResolver {
    private TrustResolver() {}

    /**
     * @param versionInfo a {@code GET /room_keys/version} body: {@code algorithm}, {@code auth_data}, {@code version}
     */
    public static AuthDataTrust resolve(Json.Obj versionInfo, OwnIdentity identity, TrustAnchors anchors) {
        String version = versionInfo.string("version");
        Json.Obj authJson = versionInfo.object("auth_data");
        AuthData authData = AuthData.of(authJson == null ? Json.obj() : authJson);
        String algorithm = versionInfo.string("algorithm");
        boolean knownAlgorithm = "m.megolm_backup.v1.curve25519-aes-sha2".equals(algorithm);

        // 1. Which master key is trusted: the anchor's, and only while the server publishes the same one.
        Ed25519PublicKey published = identity.masterKey();
        Ed25519PublicKey anchorMaster = anchors.trustedMasterKey();
        boolean masterTrusted = anchorMaster != null && (published == null || published.equals(anchorMaster));

        // 2. Every signature under the own user id, classified.
        List<AuthDataTrust.Signature> signatures = new ArrayList<>();
        List<AuthDataTrust.TrustedVia> via = new ArrayList<>();
        Json.Obj all = authData.json().object("signatures");
        Json.Obj mine = all == null ? null : all.object(anchors.userId());
        if (mine != null) {
            for (Map.Entry<String, Json> sig : mine.members().entrySet()) {
                String keyId = sig.getKey();
                String name = keyId.startsWith("ed25519:") ? keyId.substring("ed25519:".length()) : null;
                Ed25519PublicKey key = null;
                boolean signerTrusted = false;
                AuthDataTrust.Via kind = null;
                if (name == null) {
                    // not an ed25519 key id: nothing this client can check
                } else if (published != null && name.equals(published.toBase64())) {
                    key = published;
                    signerTrusted = masterTrusted;
                    kind = AuthDataTrust.Via.MASTER_KEY;
                } else if (anchorMaster != null && name.equals(anchorMaster.toBase64())) {
                    key = anchorMaster;
                    signerTrusted = masterTrusted;
                    kind = AuthDataTrust.Via.MASTER_KEY;
                } else if (anchors.deviceId() != null && name.equals(anchors.deviceId())) {
                    key = anchors.deviceKey();
                    signerTrusted = true;
                    kind = AuthDataTrust.Via.THIS_DEVICE;
                } else if (identity.devices().containsKey(name)) {
                    OwnIdentity.Device d = identity.devices().get(name);
                    key = d.ed25519();
                    signerTrusted = isVerified(d, identity, anchors, masterTrusted);
                    kind = AuthDataTrust.Via.VERIFIED_DEVICE;
                }
                if (key == null) {
                    signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.UNKNOWN_KEY,
                            "key id names no known key of " + anchors.userId()));
                    continue;
                }
                SignedJson.Check check = SignedJson.verifyValue(authData.json(), sig.getValue(), key);
                if (!check.valid()) {
                    signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.INVALID, check.detail()));
                } else if (signerTrusted) {
                    signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.VALID_TRUSTED, "valid, trusted signer"));
                    via.add(new AuthDataTrust.TrustedVia(kind, keyId));
                } else {
                    signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.VALID_UNTRUSTED,
                            kind == AuthDataTrust.Via.MASTER_KEY ? "valid, but the master key is not trusted" : "valid, but the device is not verified"));
                }
            }
        }
        boolean trusted = knownAlgorithm && !via.isEmpty();

        // 3. The signing key: absent/malformed/conflicting first, whatever the trust; then trust.
        AuthData.SigningKeyField field = authData.signingKey();
        if (!(field instanceof AuthData.SigningKeyField.Present p)) {
            String why = field instanceof AuthData.SigningKeyField.Malformed m ? "signing_public_key malformed: " + m.detail()
                    : field instanceof AuthData.SigningKeyField.Conflict c ? "signing_public_key spellings disagree: " + c.spellings()
                    : "auth_data has no signing_public_key";
            return new AuthDataTrust(version, authData, trusted, via, signatures, null, null, Reason.NO_SIGNING_KEY, why);
        }
        if (!trusted) {
            String why = knownAlgorithm ? "auth_data is not signed by the trusted master key, this device or a verified own device"
                    : "unsupported backup algorithm: " + algorithm;
            return new AuthDataTrust(version, authData, false, via, signatures, p.asWritten(), null, Reason.BACKUP_NOT_TRUSTED, why);
        }
        TrustedBackupKey key = new TrustedBackupKey(anchors.userId(), p.asWritten(), p.key(), via);
        return new AuthDataTrust(version, authData, true, via, signatures, p.asWritten(), key, null, null);
    }

    /**
     * Verified locally (the user verified this id with this very key), or cross-signed by a self-signing
     * key that the trusted master key signed. (This device is handled before, with its own key.)
     */
    static boolean isVerified(OwnIdentity.Device d, OwnIdentity identity, TrustAnchors anchors, boolean masterTrusted) {
        Ed25519PublicKey pinned = anchors.verifiedDevices().get(d.deviceId());
        if (pinned != null && pinned.equals(d.ed25519())) return true;
        return masterTrusted && identity.selfSigningKey() != null && d.crossSigned();
    }
}
