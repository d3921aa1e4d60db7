package keybackup.trust;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import keybackup.backup.AuthData;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PublicKey;

/**
 * Decides whether a backup version's AuthData is trusted, and so whether its backup signing key may be
 * used (protocol.md §9.4–§9.7 and §10.3). The whole decision is {@link #resolve}, with the two rules it
 * rests on next to it: {@link #trustedMasterKey} and {@link #verifiedDevice}. Read it top to bottom.
 *
 * <p>Rules: only signatures under the own user id count. Names are compared with keys as decoded bytes:
 * a key id that spells the master key in another way than its canonical unpadded base64 counts for
 * nothing (it is {@code invalid}), and a device whose id spells a cross-signing key is dropped by
 * {@link OwnIdentity}. The signing key is usable only when the AuthData is trusted and names exactly one
 * well-formed key; holding the backup decryption key is not enough (protocol.md §10.3).
 */
public final class TrustResolver {
    private TrustResolver() {}

    /**
     * Decides whether one backup version's AuthData is trusted and whether its signing key may be used; this
     * is the only producer of {@link TrustedBackupKey} and of the three {@link AuthDataTrust} outcomes.
     *
     * <p>Each signature under the own user ID is checked with the key its ID names: the master key (trusted
     * only as {@link #trustedMasterKey} says, and counted only under its canonical spelling), this device
     * (with the key in the anchors, never the server's), or a validated own device (trusted only as
     * {@link #verifiedDevice} says); other key IDs, the self-signing key's included, are
     * {@code unknown_key}. The AuthData is trusted when the algorithm is
     * {@code m.megolm_backup.v1.curve25519-aes-sha2} and at least one trusted signer's signature verifies.
     * Only then, and only when {@code signing_public_key} is one well-formed key, is the outcome
     * {@link AuthDataTrust.Usable}. The signatures cover {@code auth_data} only (but its {@code signatures}
     * and {@code unsigned}): {@code version} and the other members of the version info stay the server's
     * claims, and whether {@code public_key} matches the caller's decryption key is not checked here.
     *
     * @param versionInfo a {@code GET /room_keys/version} body: {@code algorithm}, {@code auth_data},
     *     {@code version}; an absent or non-object {@code auth_data} counts as empty
     * @param identity the own user's published identity, validated but not trusted
     * @param anchors what the user established; decides which signers are trusted
     * @return {@link AuthDataTrust.Usable} with the {@link TrustedBackupKey}, {@link AuthDataTrust.TrustedWithoutKey}
     *     when trusted but the signing key is absent, malformed or conflicting, else {@link AuthDataTrust.NotTrusted}
     *     (also for an unsupported algorithm); never null, and bad server content never throws
     * @throws IllegalArgumentException if {@code identity} and {@code anchors} are of different users
     * @throws NullPointerException if an argument is null
     */
    public static AuthDataTrust resolve(Json.Obj versionInfo, OwnIdentity identity, TrustAnchors anchors) {
        sameUser(identity, anchors);
        Json.Obj authJson = versionInfo.object("auth_data");
        AuthData authData = AuthData.of(authJson == null ? Json.obj() : authJson);
        String algorithm = versionInfo.string("algorithm");
        boolean knownAlgorithm = "m.megolm_backup.v1.curve25519-aes-sha2".equals(algorithm);
        Ed25519PublicKey trustedMaster = trustedMasterKey(identity, anchors);
        TrustAnchors.ThisDevice me = anchors.thisDevice();

        // Every signature under the own user id, classified: which key the id names, is it valid, is the signer
        // trusted.
        List<AuthDataTrust.Signature> signatures = new ArrayList<>();
        List<AuthDataTrust.TrustedVia> via = new ArrayList<>();
        Json.Obj all = authData.json().object("signatures");
        Json.Obj mine = all == null ? null : all.object(anchors.userId());
        for (Map.Entry<String, Json> sig : mine == null ? Map.<String,
                Json>of().entrySet() : mine.members().entrySet()) {
            String keyId = sig.getKey();
            String name = keyId.startsWith("ed25519:") ? keyId.substring("ed25519:".length()) : null;
            Ed25519PublicKey key = null;
            AuthDataTrust.Via kind = null; // the trusted kind of signer, or null when the signer is not trusted
            String untrusted = "valid, but the device is not verified";
            Ed25519PublicKey master = masterNamed(name, identity, anchors);
            if (name == null) {
                // not an ed25519 key id: nothing this client can check
            } else if (master != null) {
                if (!name.equals(master.toBase64())) {
                    // Fail closed: the same key under a second spelling of its id is not the master key's signature.
                    signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.INVALID,
                            "key id spells the master key non-canonically; not counted"));
                    continue;
                }
                key = master;
                kind = master.equals(trustedMaster) ? AuthDataTrust.Via.MASTER_KEY : null;
                untrusted = "valid, but the master key is not trusted";
            } else if (OwnIdentity.spells(name, identity.selfSigningKey())) {
                // a self-signing key never signs AuthData, whatever the spelling
            } else if (me != null && name.equals(me.deviceId())) {
                key = me.key(); // checked with this device's own key, never the server's
                kind = AuthDataTrust.Via.THIS_DEVICE;
            } else if (identity.devices().containsKey(name)) {
                OwnIdentity.Device d = identity.devices().get(name);
                key = d.ed25519();
                kind = verifiedDevice(d, identity, anchors, trustedMaster);
            }
            if (key == null) {
                signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.UNKNOWN_KEY,
                        "key id names no known key of " + anchors.userId()));
                continue;
            }
            SignedJson.Check check = SignedJson.verifyValue(authData.json(), sig.getValue(), key);
            if (!check.valid()) {
                signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.INVALID,
                        check.detail()));
            } else if (kind != null) {
                signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.VALID_TRUSTED,
                        kind.weak() ? "valid; the device's key is taken as the server publishes it"
                                : "valid, trusted signer"));
                via.add(new AuthDataTrust.TrustedVia(kind, keyId));
            } else {
                signatures.add(new AuthDataTrust.Signature(keyId, AuthDataTrust.SignatureStatus.VALID_UNTRUSTED,
                        untrusted));
            }
        }
        boolean trusted = knownAlgorithm && !via.isEmpty();

        // The outcome: the signing key's shape first (absent/malformed/conflicting), then trust.
        AuthData.SigningKeyField field = authData.signingKey();
        if (!(field instanceof AuthData.SigningKeyField.Present p)) {
            String why = field instanceof AuthData.SigningKeyField.Malformed m ? "signing_public_key malformed: "
                    + m.detail()
                    : field instanceof AuthData.SigningKeyField.Conflict c ? "signing_public_key spellings disagree: "
                    + c.spellings()
                    : "auth_data has no signing_public_key";
            return trusted ? new AuthDataTrust.TrustedWithoutKey(versionInfo, authData, signatures, via, why)
                    : new AuthDataTrust.NotTrusted(versionInfo, authData, signatures, null, Reason.NO_SIGNING_KEY, why);
        }
        if (!trusted) {
            String why = knownAlgorithm
                    ? "auth_data is not signed by the trusted master key, this device or a verified own device"
                    : "unsupported backup algorithm: " + algorithm;
            return new AuthDataTrust.NotTrusted(versionInfo, authData, signatures, p.asWritten(),
                    Reason.BACKUP_NOT_TRUSTED, why);
        }
        TrustedBackupKey key = new TrustedBackupKey(anchors.userId(), p.asWritten(), p.key(), via);
        return new AuthDataTrust.Usable(versionInfo, authData, signatures, key);
    }

    /**
     * The trusted own master key, or null: a {@link TrustAnchors.PinnedMasterKey} unless the server
     * publishes a different master key; a {@link TrustAnchors.SecretStorageMasterKey} only while it equals
     * the published one (protocol.md §9.4). Compared as keys (bytes). Writers use it too: a master key is
     * worth signing an AuthData with only if readers would trust it.
     *
     * <p>The first anchor in order that qualifies wins. Trust here rests on what the user gave: a pinned key
     * is the user's claim, and the published key only ever takes trust away (or, for a Secret Storage key,
     * confirms it); a server that publishes no master key does not disarm a pinned one.
     *
     * @param identity the own user's published identity
     * @param anchors what the user established
     * @return the trusted master key, or null when no anchor makes one trusted
     * @throws IllegalArgumentException if {@code identity} and {@code anchors} are of different users
     * @throws NullPointerException if an argument is null
     */
    public static Ed25519PublicKey trustedMasterKey(OwnIdentity identity, TrustAnchors anchors) {
        sameUser(identity, anchors);
        Ed25519PublicKey published = identity.masterKey();
        for (TrustAnchors.Anchor a : anchors.anchors()) {
            if (a instanceof TrustAnchors.PinnedMasterKey p && (published == null || published.equals(p.key()))) {
                return p.key();
            }
            if (a instanceof TrustAnchors.SecretStorageMasterKey s && s.key().equals(published)) return s.key();
        }
        return null;
    }

    /**
     * Which own devices count as verified: the one rule, stating the whole chain. A published, validated
     * own device {@code d} is
     * <ol>
     *   <li>{@code VERIFIED_DEVICE} if the user pinned it with the key they compared and the server
     *       publishes that same key; or</li>
     *   <li>{@code VERIFIED_DEVICE} if the trusted master key signed the self-signing key, and that
     *       self-signing key signed the device (protocol.md §9.5); or</li>
     *   <li>{@code DEVICE_AS_PUBLISHED} (weaker) if the user named it by id only, taking the server's key;</li>
     * </ol>
     * and not verified (null) otherwise. (This device is not asked here: it is checked with its own key.)
     */
    static AuthDataTrust.Via verifiedDevice(OwnIdentity.Device d, OwnIdentity identity, TrustAnchors anchors,
                                            Ed25519PublicKey trustedMaster) {
        String user = anchors.userId();
        for (TrustAnchors.Anchor a : anchors.anchors()) {
            if (a instanceof TrustAnchors.PinnedDevice p && p.deviceId().equals(d.deviceId())
                    && p.key().equals(d.ed25519())) {
                return AuthDataTrust.Via.VERIFIED_DEVICE;
            }
        }
        Ed25519PublicKey ssk = identity.selfSigningKey();
        if (trustedMaster != null && ssk != null
                && SignedJson.verify(identity.selfSigningObject(), user, "ed25519:" + trustedMaster.toBase64(),
                trustedMaster).valid()
                && SignedJson.verify(d.published(), user, "ed25519:" + ssk.toBase64(), ssk).valid()) {
            return AuthDataTrust.Via.VERIFIED_DEVICE;
        }
        for (TrustAnchors.Anchor a : anchors.anchors()) {
            if (a instanceof TrustAnchors.DeviceAsPublished p && p.deviceId().equals(d.deviceId())) {
                return AuthDataTrust.Via.DEVICE_AS_PUBLISHED;
            }
        }
        return null;
    }

    /** Whether the identity and anchors make {@code d} a verified device (see {@link #verifiedDevice}). */
    static AuthDataTrust.Via verifiedDevice(OwnIdentity.Device d, OwnIdentity identity, TrustAnchors anchors) {
        return verifiedDevice(d, identity, anchors, trustedMasterKey(identity, anchors));
    }

    /** One user: another user's published keys never stand in for the own user's (a caller error). */
    private static void sameUser(OwnIdentity identity, TrustAnchors anchors) {
        if (!identity.userId().equals(anchors.userId())) {
            throw new IllegalArgumentException("the identity is of " + identity.userId() + ", the anchors of "
                    + anchors.userId());
        }
    }

    /** The master key (published, or one of the anchors) that {@code name} decodes to, in any spelling; else null. */
    private static Ed25519PublicKey masterNamed(String name, OwnIdentity identity, TrustAnchors anchors) {
        if (OwnIdentity.spells(name, identity.masterKey())) return identity.masterKey();
        for (TrustAnchors.Anchor a : anchors.anchors()) {
            if (a instanceof TrustAnchors.PinnedMasterKey p && OwnIdentity.spells(name, p.key())) return p.key();
            if (a instanceof TrustAnchors.SecretStorageMasterKey s && OwnIdentity.spells(name, s.key())) return s.key();
        }
        return null;
    }
}
