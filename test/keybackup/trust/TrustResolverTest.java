package keybackup.trust;

import static keybackup.trust.TrustVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PrivateKey;
import org.junit.jupiter.api.Test;

/** AuthData trust (protocol.md §9.7) over the signed auth_data and @alice:localhost identity of protocol.md §13.7. */
class TrustResolverTest {
    static final String MASTER_ID = "ed25519:" + MASTER;

    static AuthDataTrust resolve(Json.Obj version, TrustAnchors anchors) throws Exception {
        return TrustResolver.resolve(version, identity(), anchors);
    }

    /** Trusted by type: a trusted signer vouched for the AuthData (with or without a usable key). */
    static boolean trusted(AuthDataTrust t) {
        return !(t instanceof AuthDataTrust.NotTrusted);
    }

    static AuthDataTrust.SignatureStatus status(AuthDataTrust t, String keyId) {
        return t.signatures().stream().filter(s -> s.keyId().equals(keyId)).findFirst().orElseThrow().status();
    }

    @Test
    void identity_digestVectors_validateMasterSskAndCrossSignedDevice() throws Exception {
        OwnIdentity id = identity();
        assertEquals(MASTER, id.masterKey().toBase64());
        assertEquals(SSK, id.selfSigningKey().toBase64());
        assertEquals(DEVICE_KEY, id.devices().get("test_device").ed25519().toBase64());
        // the chain: the master key signed the SSK, which signed test_device
        assertEquals(AuthDataTrust.Via.VERIFIED_DEVICE,
                TrustResolver.verifiedDevice(id.devices().get("test_device"), id, TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of())));
        assertEquals(List.of(), id.problems());
    }

    @Test
    void resolve_trustedMasterKey_isTrustedViaMasterAndCrossSignedDevice() throws Exception {
        AuthDataTrust t = resolve(load("version-unstable.json"), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
        assertTrue(trusted(t));
        assertEquals(AuthDataTrust.SignatureStatus.VALID_TRUSTED, status(t, MASTER_ID));
        // test_device is cross-signed by the SSK the trusted master key signed: verified.
        assertEquals(AuthDataTrust.SignatureStatus.VALID_TRUSTED, status(t, "ed25519:test_device"));
        assertEquals(SIGNING_KEY, t.usableSigningKey().orElseThrow().publicKey().toBase64());
        assertEquals("ed25519:" + SIGNING_KEY, t.usableSigningKey().orElseThrow().keyId());
        assertNull(t.reason());
    }

    @Test
    void resolve_stableNames_trustedToo() throws Exception {
        AuthDataTrust t = resolve(load("version-stable.json"), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
        assertTrue(trusted(t));
        assertTrue(t.usableSigningKey().isPresent());
    }

    @Test
    void resolve_noAnchors_signaturesValidButUntrusted_backupNotTrusted() throws Exception {
        AuthDataTrust t = resolve(load("version-unstable.json"), TrustAnchors.withoutDevice(USER, null, Map.of()));
        assertFalse(trusted(t));
        assertEquals(AuthDataTrust.SignatureStatus.VALID_UNTRUSTED, status(t, MASTER_ID));
        assertEquals(AuthDataTrust.SignatureStatus.VALID_UNTRUSTED, status(t, "ed25519:test_device"));
        assertTrue(t.usableSigningKey().isEmpty());
        assertEquals(Reason.BACKUP_NOT_TRUSTED, t.reason());
        assertEquals(SIGNING_KEY, t.signingPublicKey());
    }

    @Test
    void resolve_locallyVerifiedDevice_isTrustedViaVerifiedDevice() throws Exception {
        AuthDataTrust t = resolve(load("version-unstable.json"), TrustAnchors.withoutDevice(USER, null, Map.of("test_device", pub(DEVICE_KEY))));
        assertTrue(trusted(t));
        assertEquals(List.of(new AuthDataTrust.TrustedVia(AuthDataTrust.Via.VERIFIED_DEVICE, "ed25519:test_device")), t.trustedVia());
    }

    @Test
    void resolve_verifiedDeviceWhoseKeyTheServerSwapped_notTrusted() throws Exception {
        // The user verified test_device with another key; the server now publishes (and signs with) DEVICE_KEY.
        try (Ed25519PrivateKey verifiedEarlier = Ed25519PrivateKey.generate()) {
            AuthDataTrust t = resolve(load("version-unstable.json"),
                    TrustAnchors.withoutDevice(USER, null, Map.of("test_device", verifiedEarlier.publicKey())));
            assertFalse(trusted(t));
            assertEquals(AuthDataTrust.SignatureStatus.VALID_UNTRUSTED, status(t, "ed25519:test_device"));
        }
    }

    @Test
    void resolve_thisDevice_isTrustedViaThisDevice() throws Exception {
        AuthDataTrust t = resolve(load("version-unstable.json"), new TrustAnchors(USER, "test_device", pub(DEVICE_KEY), null, Map.of()));
        assertTrue(trusted(t));
        assertEquals(AuthDataTrust.Via.THIS_DEVICE, t.trustedVia().get(0).kind());
    }

    @Test
    void resolve_thisDeviceWithOtherKey_signatureInvalid() throws Exception {
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            AuthDataTrust t = resolve(load("version-unstable.json"), new TrustAnchors(USER, "test_device", other.publicKey(), null, Map.of()));
            assertFalse(trusted(t));
            assertEquals(AuthDataTrust.SignatureStatus.INVALID, status(t, "ed25519:test_device"));
        }
    }

    @Test
    void resolve_otherUsersEntity_isIgnored() throws Exception {
        Json.Obj v = load("version-unstable.json");
        Json.Obj ad = v.object("auth_data");
        Json.Obj sigs = ad.object("signatures");
        Json.Obj moved = ad.with("signatures", Json.obj("@mallory:localhost", sigs.get(USER)));
        AuthDataTrust t = resolve(v.with("auth_data", moved), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of("test_device", pub(DEVICE_KEY))));
        assertFalse(trusted(t));
        assertEquals(List.of(), t.signatures());
        assertEquals(Reason.BACKUP_NOT_TRUSTED, t.reason());
    }

    @Test
    void resolve_signingKeySwappedInSignedAuthData_signaturesInvalid() throws Exception {
        Json.Obj v = load("version-unstable.json");
        try (Ed25519PrivateKey attacker = Ed25519PrivateKey.generate()) {
            Json.Obj ad = v.object("auth_data").with("org.matrix.mscxxxx.signing_public_key", Json.of(attacker.publicKey().toBase64()));
            AuthDataTrust t = resolve(v.with("auth_data", ad), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
            assertFalse(trusted(t));
            assertEquals(AuthDataTrust.SignatureStatus.INVALID, status(t, MASTER_ID));
            assertTrue(t.usableSigningKey().isEmpty());
        }
    }

    @Test
    void resolve_unsignedAuthDataWithSigningKey_backupNotTrusted() throws Exception {
        Json.Obj v = load("version-unstable.json");
        AuthDataTrust t = resolve(v.with("auth_data", v.object("auth_data").without("signatures")),
                TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of("test_device", pub(DEVICE_KEY))));
        assertFalse(trusted(t));
        assertEquals(Reason.BACKUP_NOT_TRUSTED, t.reason());
    }

    @Test
    void resolve_signedOnlyByUnverifiedDevice_notTrusted() throws Exception {
        // Master not trusted, so the cross-signature does not make test_device verified.
        Json.Obj v = load("version-unstable.json");
        Json.Obj ad = v.object("auth_data");
        Json.Obj onlyDevice = ad.with("signatures", Json.obj(USER, Json.obj("ed25519:test_device",
                ad.object("signatures").object(USER).get("ed25519:test_device"))));
        AuthDataTrust t = resolve(v.with("auth_data", onlyDevice), TrustAnchors.withoutDevice(USER, null, Map.of()));
        assertFalse(trusted(t));
        assertEquals(AuthDataTrust.SignatureStatus.VALID_UNTRUSTED, status(t, "ed25519:test_device"));
    }

    @Test
    void resolve_untrustedMasterKey_notTrusted() throws Exception {
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            // The user trusts some other master key; the published one signed the AuthData.
            AuthDataTrust t = resolve(load("version-unstable.json"), TrustAnchors.withoutDevice(USER, other.publicKey(), Map.of()));
            assertFalse(trusted(t));
            assertEquals(AuthDataTrust.SignatureStatus.VALID_UNTRUSTED, status(t, MASTER_ID));
        }
    }

    @Test
    void resolve_unknownSigner_isUnknownKey() throws Exception {
        try (Ed25519PrivateKey stranger = Ed25519PrivateKey.generate()) {
            Json.Obj v = load("version-unstable.json");
            Json.Obj ad = SignedJson.sign(v.object("auth_data"), USER, "ed25519:GHOSTDEVICE", stranger);
            AuthDataTrust t = resolve(v.with("auth_data", ad), TrustAnchors.withoutDevice(USER, null, Map.of("GHOSTDEVICE", pub(DEVICE_KEY))));
            assertEquals(AuthDataTrust.SignatureStatus.UNKNOWN_KEY, status(t, "ed25519:GHOSTDEVICE"));
            assertFalse(trusted(t));
        }
    }

    @Test
    void resolve_stableAndUnstableConflict_noSigningKey() throws Exception {
        Json.Obj v = load("version-unstable.json");
        try (Ed25519PrivateKey master = masterSeed(); Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            Json.Obj ad = v.object("auth_data").without("signatures").with("signing_public_key", Json.of(other.publicKey().toBase64()));
            ad = SignedJson.sign(ad, USER, MASTER_ID, master);
            AuthDataTrust t = resolve(v.with("auth_data", ad), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
            assertTrue(trusted(t)); // signed by the trusted master key ...
            assertTrue(t.usableSigningKey().isEmpty()); // ... but which signing key is meant is unclear
            assertEquals(Reason.NO_SIGNING_KEY, t.reason());
            assertNull(t.signingPublicKey());
        }
    }

    @Test
    void resolve_stableAndUnstableAgree_usable() throws Exception {
        Json.Obj v = load("version-unstable.json");
        try (Ed25519PrivateKey master = masterSeed()) {
            Json.Obj ad = v.object("auth_data").without("signatures").with("signing_public_key", Json.of(SIGNING_KEY))
                    .with("org.matrix.msc4048.signing_public_key", Json.of(SIGNING_KEY));
            ad = SignedJson.sign(ad, USER, MASTER_ID, master);
            AuthDataTrust t = resolve(v.with("auth_data", ad), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
            assertEquals(SIGNING_KEY, t.usableSigningKey().orElseThrow().publicKey().toBase64());
        }
    }

    @Test
    void resolve_malformedSigningKey_noSigningKey() throws Exception {
        Json.Obj v = load("version-unstable.json");
        try (Ed25519PrivateKey master = masterSeed()) {
            for (Json bad : List.of(Json.of("AAAA"), Json.of(5), Json.of("not base64!"))) {
                Json.Obj ad = v.object("auth_data").without("signatures").with("org.matrix.mscxxxx.signing_public_key", bad);
                ad = SignedJson.sign(ad, USER, MASTER_ID, master);
                AuthDataTrust t = resolve(v.with("auth_data", ad), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
                assertEquals(Reason.NO_SIGNING_KEY, t.reason(), bad.toString());
                assertTrue(t.usableSigningKey().isEmpty());
            }
        }
    }

    @Test
    void resolve_noSigningKeyAtAll_noSigningKeyEvenWhenTrusted() throws Exception {
        Json.Obj v = load("version-unstable.json");
        try (Ed25519PrivateKey master = masterSeed()) {
            Json.Obj ad = SignedJson.sign(Json.obj("public_key", Json.of(BACKUP_PUBLIC_KEY)), USER, MASTER_ID, master);
            AuthDataTrust t = resolve(v.with("auth_data", ad), TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
            assertTrue(trusted(t));
            assertEquals(Reason.NO_SIGNING_KEY, t.reason());
        }
    }

    @Test
    void resolve_addedUnsignedMember_stillTrusted_addedOtherMember_notTrusted() throws Exception {
        Json.Obj v = load("version-unstable.json");
        TrustAnchors anchors = TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of());
        Json.Obj withUnsigned = v.object("auth_data").with("unsigned", Json.obj("x", Json.of(1)));
        assertTrue(trusted(resolve(v.with("auth_data", withUnsigned), anchors)));
        Json.Obj withSalt = v.object("auth_data").with("private_key_salt", Json.of("x"));
        assertFalse(trusted(resolve(v.with("auth_data", withSalt), anchors)));
    }

    @Test
    void resolve_publishedMasterDiffersFromAnchor_notTrusted() throws Exception {
        // Server publishes a new master key (identity reset); the AuthData was signed by the anchor's key.
        Json.Obj q = load("keys-query-alice.json");
        try (Ed25519PrivateKey newMaster = Ed25519PrivateKey.generate()) {
            String nk = newMaster.publicKey().toBase64();
            Json.Obj msk = SignedJson.sign(Json.obj("keys", Json.obj("ed25519:" + nk, Json.of(nk)),
                    "usage", Json.arr(List.of(Json.of("master"))), "user_id", Json.of(USER)), USER, "ed25519:" + nk, newMaster);
            OwnIdentity id = OwnIdentity.fromKeysQuery(USER, q.with("master_keys", Json.obj(USER, msk)));
            AuthDataTrust t = TrustResolver.resolve(load("version-unstable.json"), id, TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
            assertFalse(trusted(t));
        }
    }

    @Test
    void identity_deviceIdCollidingWithCrossSigningKey_isDropped() throws Exception {
        Json.Obj q = load("keys-query-alice.json");
        try (Ed25519PrivateKey evil = Ed25519PrivateKey.generate()) {
            String evilPub = evil.publicKey().toBase64();
            Json.Obj dev = Json.obj("user_id", Json.of(USER), "device_id", Json.of(MASTER),
                    "algorithms", Json.arr(List.of()), "keys", Json.obj("ed25519:" + MASTER, Json.of(evilPub)));
            dev = SignedJson.sign(dev, USER, "ed25519:" + MASTER, evil);
            Json.Obj devices = q.object("device_keys").object(USER).with(MASTER, dev);
            OwnIdentity id = OwnIdentity.fromKeysQuery(USER, q.with("device_keys", Json.obj(USER, devices)));
            assertFalse(id.devices().containsKey(MASTER));
            assertTrue(id.problems().stream().anyMatch(p -> p.contains("cross-signing key")));
        }
    }

    @Test
    void identity_badDeviceSelfSignature_isDropped() throws Exception {
        Json.Obj q = load("keys-query-alice.json");
        Json.Obj dev = q.object("device_keys").object(USER).object("test_device").with("algorithms", Json.arr(List.of()));
        OwnIdentity id = OwnIdentity.fromKeysQuery(USER, q.with("device_keys", Json.obj(USER, Json.obj("test_device", dev))));
        assertTrue(id.devices().isEmpty());
    }

    @Test
    void identity_sskNotSignedByMaster_ignored_deviceNotCrossSigned() throws Exception {
        Json.Obj q = load("keys-query-alice.json");
        Json.Obj ssk = q.object("self_signing_keys").object(USER).without("signatures");
        OwnIdentity id = OwnIdentity.fromKeysQuery(USER, q.with("self_signing_keys", Json.obj(USER, ssk)));
        assertNull(TrustResolver.verifiedDevice(id.devices().get("test_device"), id, TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of())));
        assertTrue(id.problems().stream().anyMatch(p -> p.contains("self-signing key")), id.problems().toString());
        AuthDataTrust t = TrustResolver.resolve(load("version-unstable.json"), id, TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of()));
        assertEquals(AuthDataTrust.SignatureStatus.VALID_UNTRUSTED, status(t, "ed25519:test_device"));
        assertTrue(trusted(t)); // still trusted through the master key itself
    }
}
