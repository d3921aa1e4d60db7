package keybackup.trust;

import static keybackup.trust.TrustVectors.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.keys.Ed25519PublicKey;
import org.junit.jupiter.api.Test;

/**
 * The named anchor kinds and what each is worth (decided in this package only), the AuthData outcome
 * that cannot contradict itself, and keys compared as bytes rather than spellings. Over the
 * @alice:localhost identity of protocol.md §13.3 (test/vectors/trust).
 */
class AnchorsAndSpellingsTest {
    static final String MASTER_ID = "ed25519:" + MASTER;

    /** Another spelling of {@code canonical} (43 characters): the last character's two unused bits set. Decodes to the same bytes. */
    static String otherBits(String canonical) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int last = alphabet.indexOf(canonical.charAt(canonical.length() - 1));
        return canonical.substring(0, canonical.length() - 1) + alphabet.charAt(last | 1);
    }

    static AuthDataTrust resolve(Json.Obj version, OwnIdentity id, TrustAnchors.Anchor... anchors) {
        return TrustResolver.resolve(version, id, new TrustAnchors(USER, List.of(anchors)));
    }

    static Json.Obj version() throws Exception {
        return load("version-unstable.json");
    }

    /** The vector AuthData with only test_device's signature (the master key's removed). */
    static Json.Obj signedOnlyByDevice() throws Exception {
        Json.Obj v = version();
        Json.Obj ad = v.object("auth_data");
        Json.Obj mine = ad.object("signatures").object(USER);
        return v.with("auth_data", ad.with("signatures", Json.obj(USER, Json.obj("ed25519:test_device", mine.get("ed25519:test_device")))));
    }

    // ---- spellings ----

    @Test
    void spellings_areDifferentStringsForTheSameKey() throws Exception {
        assertNotEquals(MASTER, otherBits(MASTER));
        assertEquals(pub(MASTER), Ed25519PublicKey.parse("x", otherBits(MASTER)));
        assertEquals(pub(MASTER), Ed25519PublicKey.parse("x", MASTER + "="));
    }

    /** A device published under a second spelling of the master key, signed by a key the server holds. */
    static Json.Obj identityWithDevice(String deviceId, Ed25519PrivateKey key) throws Exception {
        Json.Obj q = load("keys-query-alice.json");
        Json.Obj dev = Json.obj("user_id", Json.of(USER), "device_id", Json.of(deviceId), "algorithms", Json.arr(List.of()),
                "keys", Json.obj("ed25519:" + deviceId, Json.of(key.publicKey().toBase64())));
        dev = SignedJson.sign(dev, USER, "ed25519:" + deviceId, key);
        return q.with("device_keys", Json.obj(USER, q.object("device_keys").object(USER).with(deviceId, dev)));
    }

    @Test
    void identity_deviceIdSpellingTheMasterKeyNonCanonically_isDropped() throws Exception {
        try (Ed25519PrivateKey evil = Ed25519PrivateKey.generate()) {
            for (String spelling : List.of(otherBits(MASTER), MASTER + "=", otherBits(SSK), SSK + "=")) {
                OwnIdentity id = OwnIdentity.fromKeysQuery(USER, identityWithDevice(spelling, evil));
                assertFalse(id.devices().containsKey(spelling), spelling);
                assertTrue(id.devices().containsKey("test_device"));
                assertTrue(id.problems().stream().anyMatch(p -> p.contains("spelling of a cross-signing key")), id.problems().toString());
            }
        }
    }

    @Test
    void resolve_deviceNamedWithAnotherSpellingOfTheMasterKey_neverTrustsTheAuthData() throws Exception {
        // The server publishes a "device" whose id is the master key spelled differently, and signs the AuthData
        // with it. Even a user who pinned that id with the server's key (comparing what looked like the master
        // key) gets no trust from it.
        try (Ed25519PrivateKey evil = Ed25519PrivateKey.generate()) {
            String spelling = otherBits(MASTER);
            OwnIdentity id = OwnIdentity.fromKeysQuery(USER, identityWithDevice(spelling, evil));
            Json.Obj v = version();
            Json.Obj ad = SignedJson.sign(v.object("auth_data").without("signatures"), USER, "ed25519:" + spelling, evil);
            for (TrustAnchors.Anchor a : List.of(new TrustAnchors.PinnedDevice(spelling, evil.publicKey()), new TrustAnchors.DeviceAsPublished(spelling))) {
                AuthDataTrust t = resolve(v.with("auth_data", ad), id, a);
                assertInstanceOf(AuthDataTrust.NotTrusted.class, t, a.toString());
                assertEquals(List.of(), t.trustedVia());
                assertEquals(AuthDataTrust.SignatureStatus.INVALID, t.signatures().get(0).status(), t.signatures().toString());
            }
        }
    }

    @Test
    void resolve_masterSignatureUnderANonCanonicalKeyId_failsClosed() throws Exception {
        // The master key's own valid signature, relabelled under another spelling of its key id: not counted.
        Json.Obj v = version();
        Json.Obj ad = v.object("auth_data");
        Json.Obj mine = ad.object("signatures").object(USER);
        for (String spelling : List.of(otherBits(MASTER), MASTER + "=")) {
            Json.Obj relabelled = ad.with("signatures", Json.obj(USER, Json.obj("ed25519:" + spelling, mine.get(MASTER_ID))));
            AuthDataTrust t = resolve(v.with("auth_data", relabelled), identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER)));
            assertInstanceOf(AuthDataTrust.NotTrusted.class, t, spelling);
            assertEquals(AuthDataTrust.SignatureStatus.INVALID, t.signatures().get(0).status());
            assertTrue(t.signatures().get(0).detail().contains("non-canonically"), t.signatures().get(0).detail());
        }
        // The canonical key id with the same signature is trusted (control).
        assertInstanceOf(AuthDataTrust.Usable.class, resolve(v, identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER))));
    }

    // ---- anchor kinds ----

    @Test
    void deviceAsPublished_trustsWithTheWeakerLabel() throws Exception {
        AuthDataTrust t = resolve(signedOnlyByDevice(), identity(), new TrustAnchors.DeviceAsPublished("test_device"));
        AuthDataTrust.Usable u = assertInstanceOf(AuthDataTrust.Usable.class, t);
        assertEquals(List.of(new AuthDataTrust.TrustedVia(AuthDataTrust.Via.DEVICE_AS_PUBLISHED, "ed25519:test_device")), u.trustedVia());
        assertTrue(u.key().via().get(0).kind().weak());
        Json.Obj via = (Json.Obj) ((Json.Arr) new BackupAudit(USER, t).toJson().object("backup").get("trusted_via")).elements().get(0);
        assertEquals("device_as_published", via.string("kind"));
        assertEquals(Json.of(false), via.get("key_compared"));
    }

    @Test
    void pinnedDevice_trustsAsVerified_onlyWithThePublishedKey() throws Exception {
        AuthDataTrust t = resolve(signedOnlyByDevice(), identity(), new TrustAnchors.PinnedDevice("test_device", pub(DEVICE_KEY)));
        assertEquals(List.of(new AuthDataTrust.TrustedVia(AuthDataTrust.Via.VERIFIED_DEVICE, "ed25519:test_device")), t.trustedVia());
        try (Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            assertInstanceOf(AuthDataTrust.NotTrusted.class,
                    resolve(signedOnlyByDevice(), identity(), new TrustAnchors.PinnedDevice("test_device", other.publicKey())));
        }
        assertInstanceOf(AuthDataTrust.NotTrusted.class, resolve(signedOnlyByDevice(), identity(), new TrustAnchors.DeviceAsPublished("other_device")));
    }

    @Test
    void secretStorageMaster_countsOnlyWhileItMatchesThePublishedOne() throws Exception {
        assertEquals(List.of(new AuthDataTrust.TrustedVia(AuthDataTrust.Via.MASTER_KEY, MASTER_ID),
                        new AuthDataTrust.TrustedVia(AuthDataTrust.Via.VERIFIED_DEVICE, "ed25519:test_device")),
                resolve(version(), identity(), new TrustAnchors.SecretStorageMasterKey(pub(MASTER))).trustedVia());
        try (Ed25519PrivateKey stale = Ed25519PrivateKey.generate()) {
            assertInstanceOf(AuthDataTrust.NotTrusted.class, resolve(version(), identity(), new TrustAnchors.SecretStorageMasterKey(stale.publicKey())));
        }
        // No published master key: a Secret Storage one never counts; a pinned one does (the user verified it).
        OwnIdentity noMaster = OwnIdentity.fromKeysQuery(USER, load("keys-query-alice.json").without("master_keys"));
        assertNull(TrustResolver.trustedMasterKey(noMaster, new TrustAnchors(USER, List.of(new TrustAnchors.SecretStorageMasterKey(pub(MASTER))))));
        assertInstanceOf(AuthDataTrust.NotTrusted.class, resolve(version(), noMaster, new TrustAnchors.SecretStorageMasterKey(pub(MASTER))));
        assertInstanceOf(AuthDataTrust.Usable.class, resolve(version(), noMaster, new TrustAnchors.PinnedMasterKey(pub(MASTER))));
    }

    @Test
    void verifiedDevice_isTheWholeChain_fromTheTrustedMasterKey() throws Exception {
        OwnIdentity id = identity();
        OwnIdentity.Device d = id.devices().get("test_device");
        TrustAnchors master = TrustAnchors.withoutDevice(USER, pub(MASTER), Map.of());
        assertEquals(AuthDataTrust.Via.VERIFIED_DEVICE, TrustResolver.verifiedDevice(d, id, master));
        // no trusted master key: the cross-signature proves nothing
        assertNull(TrustResolver.verifiedDevice(d, id, TrustAnchors.withoutDevice(USER, null, Map.of())));
        // the self-signing key not signed by the trusted master key: the chain breaks there
        Json.Obj q = load("keys-query-alice.json");
        OwnIdentity unsignedSsk = OwnIdentity.fromKeysQuery(USER, q.with("self_signing_keys",
                Json.obj(USER, q.object("self_signing_keys").object(USER).without("signatures"))));
        assertNull(TrustResolver.verifiedDevice(unsignedSsk.devices().get("test_device"), unsignedSsk, master));
        // the device not signed by the self-signing key: the chain breaks at the last link
        Json.Obj dev = q.object("device_keys").object(USER).object("test_device");
        Json.Obj selfOnly = dev.with("signatures", Json.obj(USER, Json.obj("ed25519:test_device",
                dev.object("signatures").object(USER).get("ed25519:test_device"))));
        OwnIdentity notCrossSigned = OwnIdentity.fromKeysQuery(USER, q.with("device_keys", Json.obj(USER, Json.obj("test_device", selfOnly))));
        assertNull(TrustResolver.verifiedDevice(notCrossSigned.devices().get("test_device"), notCrossSigned, master));
    }

    // ---- the outcome cannot contradict itself ----

    @Test
    void authDataTrust_isASealedOutcome_withoutABoolean() {
        assertTrue(AuthDataTrust.class.isInterface() && AuthDataTrust.class.isSealed());
        assertEquals(3, AuthDataTrust.class.getPermittedSubclasses().length);
        assertThrows(NoSuchMethodException.class, () -> AuthDataTrust.class.getMethod("trusted"));
    }

    @Test
    void unsupportedAlgorithm_signedByTrustedMaster_isNotTrusted_withNoTrustedVia() throws Exception {
        AuthDataTrust t = resolve(version().with("algorithm", Json.of("m.other.v1")), identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER)));
        assertInstanceOf(AuthDataTrust.NotTrusted.class, t);
        Json.Obj backup = new BackupAudit(USER, t).toJson().object("backup");
        assertEquals(Json.of(false), backup.get("trusted"));
        assertEquals(Json.arr(List.of()), backup.get("trusted_via"));
    }

    @Test
    void auditJson_fieldsAgree_forEveryOutcome() throws Exception {
        Json.Obj v = version();
        List<AuthDataTrust> outcomes = new ArrayList<>();
        outcomes.add(resolve(v, identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER))));
        outcomes.add(resolve(v, identity()));
        outcomes.add(resolve(v.with("algorithm", Json.of("m.other.v1")), identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER))));
        outcomes.add(resolve(signedOnlyByDevice(), identity(), new TrustAnchors.DeviceAsPublished("test_device")));
        try (Ed25519PrivateKey master = masterSeed()) {
            Json.Obj noKey = SignedJson.sign(Json.obj("public_key", Json.of(BACKUP_PUBLIC_KEY)), USER, MASTER_ID, master);
            outcomes.add(resolve(v.with("auth_data", noKey), identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER))));
            outcomes.add(resolve(v.with("auth_data", noKey), identity()));
        }
        List<String> kinds = new ArrayList<>();
        for (AuthDataTrust t : outcomes) {
            Json.Obj b = new BackupAudit(USER, t).toJson().object("backup");
            boolean trusted = b.get("trusted").equals(Json.of(true));
            boolean usable = b.get("signing_key_usable").equals(Json.of(true));
            boolean hasVia = !((Json.Arr) b.get("trusted_via")).elements().isEmpty();
            assertEquals(trusted, hasVia, t.toString());
            assertEquals(usable, b.get("reason") instanceof Json.Null, t.toString());
            assertTrue(!usable || trusted, t.toString());
            assertEquals(usable, t.usableSigningKey().isPresent(), t.toString());
            assertEquals(trusted, !(t instanceof AuthDataTrust.NotTrusted), t.toString());
            kinds.add(b.string("outcome"));
        }
        assertEquals(List.of("usable", "not_trusted", "not_trusted", "usable", "trusted_without_key", "not_trusted"), kinds);
    }
}
