package keybackup.trust;

import static keybackup.trust.AnchorsAndSpellingsTest.resolve;
import static keybackup.trust.AnchorsAndSpellingsTest.signedOnlyByDevice;
import static keybackup.trust.AnchorsAndSpellingsTest.version;
import static keybackup.trust.TrustVectors.DEVICE_KEY;
import static keybackup.trust.TrustVectors.MASTER;
import static keybackup.trust.TrustVectors.identity;
import static keybackup.trust.TrustVectors.pub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import keybackup.trust.AuthDataTrust.TrustedVia;
import keybackup.trust.AuthDataTrust.Via;
import org.junit.jupiter.api.Test;

/**
 * {@link AuthDataTrust#comparedAnchors}: which trusted signers vouch on a key the user compared, for each kind
 * of anchor the user can give (resolved over the @alice:localhost vectors), and for each kind of signer alone.
 */
class ComparedAnchorsTest {
    private static final String MASTER_ID = "ed25519:" + MASTER;
    private static final String DEVICE_ID = "ed25519:test_device";

    private static List<Via> compared(AuthDataTrust t) {
        List<Via> fromTrust = AuthDataTrust.comparedAnchors(t.trustedVia());
        // the same answer from the trusted key's own list, as a restore's verdict carries it
        t.usableSigningKey().ifPresent(k -> assertEquals(fromTrust, AuthDataTrust.comparedAnchors(k.via())));
        return fromTrust;
    }

    @Test
    void thisDevice_isCompared() throws Exception {
        AuthDataTrust t = resolve(signedOnlyByDevice(), identity(),
                new TrustAnchors.ThisDevice("test_device", pub(DEVICE_KEY)));
        assertEquals(List.of(new TrustedVia(Via.THIS_DEVICE, DEVICE_ID)), t.trustedVia());
        assertEquals(List.of(Via.THIS_DEVICE), compared(t));
    }

    @Test
    void pinnedDevice_isCompared() throws Exception {
        AuthDataTrust t = resolve(signedOnlyByDevice(), identity(),
                new TrustAnchors.PinnedDevice("test_device", pub(DEVICE_KEY)));
        assertEquals(List.of(Via.VERIFIED_DEVICE), compared(t));
    }

    @Test
    void deviceAsPublished_alone_isNotCompared() throws Exception {
        AuthDataTrust t = resolve(signedOnlyByDevice(), identity(), new TrustAnchors.DeviceAsPublished("test_device"));
        AuthDataTrust.Usable u = assertInstanceOf(AuthDataTrust.Usable.class, t); // trusted, with the weaker label
        assertEquals(List.of(new TrustedVia(Via.DEVICE_AS_PUBLISHED, DEVICE_ID)), u.trustedVia());
        assertEquals(List.of(), compared(t));
    }

    @Test
    void pinnedMasterKey_isCompared_withTheDeviceItCrossSigned() throws Exception {
        AuthDataTrust t = resolve(version(), identity(), new TrustAnchors.PinnedMasterKey(pub(MASTER)));
        assertEquals(List.of(new TrustedVia(Via.MASTER_KEY, MASTER_ID), new TrustedVia(Via.VERIFIED_DEVICE, DEVICE_ID)),
                t.trustedVia());
        assertEquals(List.of(Via.MASTER_KEY, Via.VERIFIED_DEVICE), compared(t));
    }

    @Test
    void secretStorageMasterKey_isCompared() throws Exception {
        AuthDataTrust t = resolve(version(), identity(), new TrustAnchors.SecretStorageMasterKey(pub(MASTER)));
        assertEquals(List.of(Via.MASTER_KEY, Via.VERIFIED_DEVICE), compared(t));
    }

    @Test
    void notTrusted_hasNoComparedAnchor() throws Exception {
        AuthDataTrust t = resolve(signedOnlyByDevice(), identity(), new TrustAnchors.DeviceAsPublished("no_such"));
        assertInstanceOf(AuthDataTrust.NotTrusted.class, t);
        assertEquals(List.of(), compared(t));
    }

    /**
     * Each kind of signer alone, and beside a weak one: only the server's word for a device key is left out,
     * and repeats count once.
     */
    @Test
    void eachSignerKind_alone_andRepeated() {
        for (Via v : Via.values()) {
            List<Via> expected = v == Via.DEVICE_AS_PUBLISHED ? List.of() : List.of(v);
            assertEquals(expected, AuthDataTrust.comparedAnchors(List.of(new TrustedVia(v, "ed25519:a"))), v.wire());
            assertEquals(expected, AuthDataTrust.comparedAnchors(List.of(new TrustedVia(v, "ed25519:a"),
                    new TrustedVia(Via.DEVICE_AS_PUBLISHED, "ed25519:b"), new TrustedVia(v, "ed25519:c"))), v.wire());
        }
        assertEquals(List.of(), AuthDataTrust.comparedAnchors(List.of()));
    }
}
