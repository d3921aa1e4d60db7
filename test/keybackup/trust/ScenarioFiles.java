package keybackup.trust;

import static keybackup.trust.ScenarioKit.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import keybackup.backup.FieldNames;
import keybackup.backup.MegolmBackupV1;
import keybackup.json.Json;
import keybackup.json.SignedJson;
import keybackup.keys.BackupDecryptionKey;
import keybackup.keys.Ed25519PrivateKey;

/**
 * Generates test/vectors/trust-scenarios/*.txt, the verdict contract as data (see PROVENANCE.md there).
 * Each scenario below states its expected verdicts by hand, from the contract (protocol.md §9.7, §10.7,
 * issue 10); nothing here runs the verifier. Regenerate with
 * {@code java -cp build/classes:build/test-classes keybackup.trust.ScenarioFiles test/vectors/trust-scenarios};
 * the output is deterministic, and {@link TrustScenariosTest} checks that the committed files are exactly it.
 */
final class ScenarioFiles {
    private ScenarioFiles() {}

    // The vectors' world (protocol.md §13.3, §13.7): @alice:localhost, her published identity, her AuthData.
    static final String USER = "@alice:localhost";
    static final String ROOM = "!room:localhost";
    static final String OTHER_ROOM = "!other:localhost";
    static final Ed25519PrivateKey MASTER = seed("doyouspeakwhaaaaaaaaaaaaaaaaaale");
    static final Ed25519PrivateKey SSK = seed("selfselfselfselfselfselfselfself");
    static final Ed25519PrivateKey DEVICE = seed("deadbeefdeadbeefdeadbeefdeadbeef");
    static final Ed25519PrivateKey SIGNING = seed("backupsigningkeybackupsigningkey");
    /** RFC 7748 Alice's X25519 key, the backup decryption key "A" of the vectors. */
    static final byte[] BACKUP_KEY_A = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    // Keys made for these scenarios only (seed = the word repeated to 32 bytes).
    static final Ed25519PrivateKey OTHER = seed("other");
    static final Ed25519PrivateKey ATTACKER = seed("attacker");
    static final Ed25519PrivateKey EVIL = seed("evil");
    static final Ed25519PrivateKey LAPTOP = seed("laptop");
    static final Ed25519PrivateKey NEW_MASTER = seed("newmaster");
    static final Ed25519PrivateKey MALLORY = seed("mallory");
    static final Ed25519PrivateKey GHOST = seed("ghost");

    /** The encrypted entry of protocol.md §13.7 (python cryptography; signed SessionData, authenticated=true). */
    static final String DIGEST_SESSION = "ipdI6Zs/7DzFTEhiA2iGaMDfHkIYCleqXT6L+5e1/co";
    static final Json.Obj DIGEST_ENTRY = Json.obj("first_message_index", Json.of(0), "forwarded_count", Json.of(0),
            "is_verified", Json.of(false), "session_data", Json.obj("ciphertext", Json.of(
            "9lq9DgATQh0Ey5ZaVGHfoeMtfpavaYtV17dAmUZKJ5KE2zq6WJ3ZNxzSc7vBLxZ92LDrQYg628RcotpdEqWh6GAjWqi8NM5Ji0ss"
            + "09f5gSwHvpDu2oHapEXvFhRP2n82Tvh68hmOJ8jYS1Z5XaZlXTODhTFrg5gsDYb87CNTTzL0Os3LRNMa5BOJG2k1idxepTN/aVno"
            + "QjBlkc4u6+ZuNFj5iBeDjCfCst5ommXEJemAn9EcsIOfCW/WNJwZdjMbQSDlogZk/sYYm7vMsEx6w/SMpVeRe16fOXK/qloPxAqz"
            + "yr4mjkUoYsXNoZwO/tUZZe5RaDZsufh5uSy+XAIi0Ab/eiPIzzuon97J+njpychyqeUaUN33+wbM+t3cayqVg9+E/AEFF61b3vgV"
            + "D1/OLhAUTGtxnd1Hns1nUVL2+crMF3D3Wt6q9Kv1NSuDH7lSjNVsiK1RuV83ALttPQgllwZu//Kh2XU/3fdCLpLWtA8jt5XwXx5I"
            + "I+WsH21m/+KKrMSYeOSl0r7KO9rlMWQSPyLE+MGiypqfLgpxCHyP+EX4JuqT7MD/7mX5Ff5PlqSQqmEWNOl26Gnkvoo6qLcn+iHr"
            + "YAqe/eqhZw5Yr0AM1TKNDx1hFns1L7aIQWheZduSSUN+fg3rJ1aN7CSgAVkC5Dj1wDzd325u3xwvudau4K0Fn86rdeKvMLrxajN0"
            + "ZHVUc3a3NjIEh+fjMfdHytRTDm8mBWrfYjnNudi5F22UnU5nisMXLnNJLbOqm2zLyJwXi3A5HQdgVYrthAFgtIPHBbbtN0niMd+y"
            + "wgGAz85qpkVVHDTVh0SF3If4Kwb4yMY9mjinkJi7tFuSXbiyn7t3vJUoSRn9JMkYzeGONGNAVIFg2fVOnr5giByXfth7X4Jj"),
            "ephemeral", Json.of("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08"), "mac", Json.of("zpzU6BkZcNI")));

    static final String AUTHENTICATED = "authenticated";
    static final String FLAG_FALSE = "signed_not_authenticated flag_false";
    static final String FLAG_CONFLICT = "signed_not_authenticated flag_conflict";
    static final String MISSING = "unauthenticated signature_missing";
    static final String INVALID = "unauthenticated signature_invalid";
    static final String NOT_TRUSTED = "unauthenticated backup_not_trusted";
    static final String NO_KEY = "unauthenticated no_signing_key";
    static final String MISMATCH = "rejected session_id_mismatch";
    static final String UNDECRYPTABLE = "rejected decryption_failed";
    static final String B_TRUSTED = "trusted";
    static final String B_NOT_TRUSTED = "not_trusted backup_not_trusted";
    static final String B_NO_KEY = "trusted no_signing_key";

    static final String UNSTABLE_FLAG = FieldNames.UNSTABLE.authenticated();
    static final String STABLE_FLAG = FieldNames.STABLE.authenticated();

    private static final VectorSessions V = new VectorSessions();
    private static final Json.Obj IDENTITY = load("test/vectors/trust/keys-query-alice.json");
    private static final Json.Obj VERSION = load("test/vectors/trust/version-unstable.json");
    private static final Json.Obj AUTH_DATA = VERSION.object("auth_data");
    private static final String MASTER_PUB = pub(MASTER);

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ScenarioFiles OUTPUT-DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Map<String, String> files = all();
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.toString().endsWith(".txt")).toList()) {
                if (!files.containsKey(p.getFileName().toString())) Files.delete(p);
            }
        }
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
        }
        System.out.println(files.size() + " scenario files written to " + dir);
    }

    /** Every scenario file by name ({@code NAME.txt}), in table order. */
    static Map<String, String> all() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Scenario s : table()) {
            if (out.put(s.name + ".txt", s.render()) != null) throw new IllegalStateException("duplicate scenario " + s.name);
        }
        return out;
    }

    // ---- building blocks --------------------------------------------------------------------------------

    /** A scenario in the vectors' world: its identity, the AuthData (master key + test_device), backup key A. */
    static Scenario local(String name, String description, String source) {
        Scenario s = new Scenario(name, description);
        s.source = source;
        s.user = USER;
        s.identity = IDENTITY;
        s.version = VERSION;
        try (BackupDecryptionKey a = backupKey(BACKUP_KEY_A)) {
            s.backupKeyText = a.toRecoveryKey();
            s.backupPublicKey = a.publicKey();
        }
        return s;
    }

    static Scenario authData(Scenario s, Json.Obj authData) {
        s.version = version(MegolmBackupV1.ALGORITHM, authData);
        return s;
    }

    /** An unsigned AuthData naming backup key A and {@code signingKey} (as written). */
    static Json.Obj plainAuthData(String signingKey) {
        return Json.obj("public_key", AUTH_DATA.get("public_key"), "org.matrix.mscxxxx.signing_public_key", Json.of(signingKey));
    }

    static Json.Obj masterSigned(Json.Obj authData) {
        return sign(authData, USER, MASTER);
    }

    /** The §7.1 AuthData keeping only the signature by {@code keyId}. */
    static Json.Obj onlySignature(String keyId) {
        Json sig = AUTH_DATA.object("signatures").object(USER).get(keyId);
        return AUTH_DATA.with("signatures", Json.obj(USER, Json.obj(keyId, sig)));
    }

    static Json.Obj flag(Json.Obj base, String field, Json value) {
        return base.with(field, value);
    }

    static Json.Obj claims(Session s, boolean authenticated) {
        return s.base().with(UNSTABLE_FLAG, Json.of(authenticated));
    }

    /** Signed by the backup signing key as the writer does: entity = the user, key id = ed25519:<key>. */
    static Json.Obj signed(Json.Obj plain) {
        return sign(plain, USER, SIGNING);
    }

    /**
     * The honest entries of one backup: the signed authenticated=true entry of protocol.md §13.7, a signed
     * authenticated=false entry, and a legacy entry (no signature, no flag), with their expected verdicts.
     */
    static Scenario honest(Scenario s, String authenticatedOne, String falseOne, String legacyOne) {
        s.entry(ROOM, DIGEST_SESSION, DIGEST_ENTRY, authenticatedOne);
        s.entry(ROOM, V.get(1).id(), s.encrypt(signed(claims(V.get(1), false))), falseOne);
        s.entry(ROOM, V.get(2).id(), s.encrypt(V.get(2).base()), legacyOne);
        return s;
    }

    static Scenario trustedHonest(Scenario s) {
        s.expectBackup = B_TRUSTED;
        return honest(s, AUTHENTICATED, FLAG_FALSE, MISSING);
    }

    static Scenario untrustedHonest(Scenario s) {
        s.expectBackup = B_NOT_TRUSTED;
        return honest(s, NOT_TRUSTED, NOT_TRUSTED, NOT_TRUSTED);
    }

    static Scenario noKeyHonest(Scenario s) {
        s.expectBackup = B_NO_KEY;
        return honest(s, NO_KEY, NO_KEY, NO_KEY);
    }

    static Scenario master(Scenario s) {
        s.anchorMaster = MASTER_PUB;
        return s;
    }

    static Json.Obj withoutMac(Json.Obj kbd) {
        return kbd.with("session_data", kbd.object("session_data").without("mac"));
    }

    /** The master key's base64 with its last character changed so that only the (ignored) trailing bits differ. */
    static String masterSpelledDifferently() {
        char last = MASTER_PUB.charAt(MASTER_PUB.length() - 1);
        if (last != 'Y') throw new IllegalStateException("expected the master key to end in Y");
        return MASTER_PUB.substring(0, MASTER_PUB.length() - 1) + 'Z';
    }

    // ---- the table ---------------------------------------------------------------------------------------

    static List<Scenario> table() {
        List<Scenario> t = new ArrayList<>();
        authDataTrust(t);
        identityChecks(t);
        bypasses(t);
        sessions(t);
        vectorEntries(t);
        return t;
    }

    /** AuthData trust (protocol.md §9.7), kept from TrustResolverTest and SignedBackupScenarioTest. */
    static void authDataTrust(List<Scenario> t) {
        t.add(trustedHonest(master(local("authdata-master-anchor",
                "AuthData signed by the master key the user verified: trusted; honest entries keep their own flags",
                "TrustResolverTest.resolve_trustedMasterKey; protocol.md §13.7"))));

        Scenario stable = master(local("authdata-stable-names",
                "stable field names: signing_public_key in the AuthData, authenticated in the entries",
                "TrustResolverTest.resolve_stableNames_trustedToo; SignedBackupScenarioTest.stableNames_writtenAndRead"));
        stable.version = load("test/vectors/trust/version-stable.json");
        stable.expectBackup = B_TRUSTED;
        stable.entry(ROOM, V.get(0).id(), stable.encrypt(signed(V.get(0).base().with(STABLE_FLAG, Json.of(true)))), AUTHENTICATED);
        stable.entry(ROOM, V.get(1).id(), stable.encrypt(signed(V.get(1).base().with(STABLE_FLAG, Json.of(false)))), FLAG_FALSE);
        stable.entry(ROOM, V.get(2).id(), stable.encrypt(V.get(2).base()), MISSING);
        t.add(stable);

        t.add(untrustedHonest(local("authdata-no-anchor",
                "valid signatures by the master key and test_device, but the user trusts neither",
                "TrustResolverTest.resolve_noAnchors_signaturesValidButUntrusted_backupNotTrusted")));

        Scenario pinned = local("authdata-verified-device-pinned",
                "test_device verified with the key the user compared, which the server still publishes",
                "TrustResolverTest.resolve_locallyVerifiedDevice_isTrustedViaVerifiedDevice");
        pinned.verifiedDevices.add("test_device:" + pub(DEVICE));
        t.add(trustedHonest(pinned));

        Scenario swapped = local("authdata-verified-device-key-swapped",
                "test_device was verified with another key: the key the server publishes and signs with does not count",
                "TrustResolverTest.resolve_verifiedDeviceWhoseKeyTheServerSwapped_notTrusted");
        swapped.verifiedDevices.add("test_device:" + pub(OTHER));
        t.add(untrustedHonest(swapped));

        Scenario thisDevice = local("authdata-this-device", "test_device is this device, with its own key",
                "TrustResolverTest.resolve_thisDevice_isTrustedViaThisDevice");
        thisDevice.anchorDevice = "test_device:" + pub(DEVICE);
        t.add(trustedHonest(thisDevice));

        Scenario thisOther = local("authdata-this-device-other-key",
                "this device is test_device but holds another key: its signature on the AuthData is invalid",
                "TrustResolverTest.resolve_thisDeviceWithOtherKey_signatureInvalid");
        thisOther.anchorDevice = "test_device:" + pub(OTHER);
        t.add(untrustedHonest(thisOther));

        Scenario moved = master(local("authdata-signatures-under-other-user",
                "the AuthData signatures moved under another user id: only the own user's signatures count",
                "TrustResolverTest.resolve_otherUsersEntity_isIgnored"));
        moved.verifiedDevices.add("test_device:" + pub(DEVICE));
        authData(moved, AUTH_DATA.with("signatures", Json.obj("@mallory:localhost", AUTH_DATA.object("signatures").get(USER))));
        t.add(untrustedHonest(moved));

        Scenario keySwap = master(local("authdata-signing-key-swapped-after-signing",
                "the server replaced the signing key in a signed AuthData with the attacker's and signs entries with it",
                "TrustResolverTest.resolve_signingKeySwappedInSignedAuthData_signaturesInvalid"));
        authData(keySwap, AUTH_DATA.with("org.matrix.mscxxxx.signing_public_key", Json.of(pub(ATTACKER))));
        keySwap.expectBackup = B_NOT_TRUSTED;
        keySwap.entry(ROOM, V.get(0).id(), keySwap.encrypt(sign(claims(V.get(0), true), USER, ATTACKER)), NOT_TRUSTED);
        keySwap.entry(ROOM, V.get(2).id(), keySwap.encrypt(V.get(2).base()), NOT_TRUSTED);
        t.add(keySwap);

        Scenario unsigned = master(local("authdata-unsigned", "the AuthData carries no signature at all",
                "TrustResolverTest.resolve_unsignedAuthDataWithSigningKey_backupNotTrusted"));
        unsigned.verifiedDevices.add("test_device:" + pub(DEVICE));
        t.add(untrustedHonest(authData(unsigned, AUTH_DATA.without("signatures"))));

        t.add(untrustedHonest(authData(local("authdata-device-signed-no-anchor",
                "only test_device signed; the master key is not trusted, so its cross-signature proves nothing",
                "TrustResolverTest.resolve_signedOnlyByUnverifiedDevice_notTrusted"), onlySignature("ed25519:test_device"))));

        t.add(trustedHonest(authData(master(local("authdata-cross-signed-device-master-anchor",
                "only test_device signed; it is cross-signed by the self-signing key that the trusted master key signed",
                "SignedBackupScenarioTest.authDataSignedOnlyByUnverifiedDevice_backupNotTrusted")), onlySignature("ed25519:test_device"))));

        Scenario otherMaster = local("authdata-anchor-master-other-key",
                "the user trusts another master key; the published one signed the AuthData",
                "TrustResolverTest.resolve_untrustedMasterKey_notTrusted");
        otherMaster.anchorMaster = pub(OTHER);
        t.add(untrustedHonest(otherMaster));

        Scenario ghost = local("authdata-unknown-device-signer",
                "a signature by a device id the server does not publish, which the user pinned with test_device's key",
                "TrustResolverTest.resolve_unknownSigner_isUnknownKey");
        ghost.verifiedDevices.add("GHOSTDEVICE:" + pub(DEVICE));
        t.add(untrustedHonest(authData(ghost, SignedJson.sign(AUTH_DATA, USER, "ed25519:GHOSTDEVICE", GHOST))));

        t.add(noKeyHonest(authData(master(local("authdata-signing-key-spellings-disagree",
                "signing_public_key and org.matrix.mscxxxx.signing_public_key name different keys: neither is used",
                "TrustResolverTest.resolve_stableAndUnstableConflict_noSigningKey; issue 10")),
                masterSigned(plainAuthData(pub(SIGNING)).with("signing_public_key", Json.of(pub(OTHER)))))));

        t.add(trustedHonest(authData(master(local("authdata-signing-key-spellings-agree",
                "all three spellings of signing_public_key name the same key",
                "TrustResolverTest.resolve_stableAndUnstableAgree_usable")),
                masterSigned(plainAuthData(pub(SIGNING)).with("signing_public_key", Json.of(pub(SIGNING)))
                        .with("org.matrix.msc4048.signing_public_key", Json.of(pub(SIGNING)))))));

        t.add(noKeyHonest(authData(master(local("authdata-signing-key-malformed",
                "signing_public_key is 3 bytes of base64", "TrustResolverTest.resolve_malformedSigningKey_noSigningKey")),
                masterSigned(plainAuthData("AAAA")))));

        t.add(noKeyHonest(authData(master(local("authdata-signing-key-not-a-string",
                "signing_public_key is a number", "TrustResolverTest.resolve_malformedSigningKey_noSigningKey")),
                masterSigned(plainAuthData("x").with("org.matrix.mscxxxx.signing_public_key", Json.of(5))))));

        t.add(noKeyHonest(authData(master(local("authdata-no-signing-key",
                "a trusted AuthData without a backup signing key",
                "TrustResolverTest.resolve_noSigningKeyAtAll_noSigningKeyEvenWhenTrusted; SignedBackupScenarioTest.authDataWithoutSigningKey_noSigningKey")),
                masterSigned(Json.obj("public_key", AUTH_DATA.get("public_key"))))));

        t.add(trustedHonest(authData(master(local("authdata-unsigned-member-added",
                "an unsigned member added to a signed AuthData does not break its signatures",
                "TrustResolverTest.resolve_addedUnsignedMember_stillTrusted_addedOtherMember_notTrusted")),
                AUTH_DATA.with("unsigned", Json.obj("x", Json.of(1))))));

        t.add(untrustedHonest(authData(master(local("authdata-member-added-after-signing",
                "a member added to a signed AuthData breaks every signature",
                "TrustResolverTest.resolve_addedUnsignedMember_stillTrusted_addedOtherMember_notTrusted")),
                AUTH_DATA.with("private_key_salt", Json.of("x")))));

        Scenario mallory = master(local("authdata-signed-by-other-user",
                "the AuthData is signed by another user's master key", "SignedBackupScenarioTest.authDataSignedByAnotherUser_backupNotTrusted"));
        t.add(untrustedHonest(authData(mallory, sign(plainAuthData(pub(SIGNING)), "@mallory:localhost", MALLORY))));

        Scenario swapUnsigned = master(local("authdata-unsigned-signing-key-swapped",
                "an unsigned AuthData naming the attacker's signing key, and entries the attacker signed with it",
                "SignedBackupScenarioTest.signingKeySwappedInUnsignedAuthData_backupNotTrusted"));
        authData(swapUnsigned, plainAuthData(pub(ATTACKER)));
        swapUnsigned.expectBackup = B_NOT_TRUSTED;
        swapUnsigned.entry(ROOM, V.get(0).id(), swapUnsigned.encrypt(sign(claims(V.get(0), true), USER, ATTACKER)), NOT_TRUSTED);
        swapUnsigned.entry(ROOM, V.get(2).id(), swapUnsigned.encrypt(V.get(2).base()), NOT_TRUSTED);
        t.add(swapUnsigned);
    }

    /** What the published identity must satisfy before any of it can count (protocol.md §9.3). */
    static void identityChecks(List<Scenario> t) {
        Json.Obj dev = IDENTITY.object("device_keys").object(USER).object("test_device");
        Scenario badSelf = local("identity-device-bad-self-signature",
                "test_device's published object no longer matches its self-signature: the device is dropped",
                "TrustResolverTest.identity_badDeviceSelfSignature_isDropped");
        badSelf.identity = withDevice(IDENTITY, USER, "test_device", dev.with("algorithms", Json.arr(List.of())));
        badSelf.verifiedDevices.add("test_device:" + pub(DEVICE));
        t.add(untrustedHonest(authData(badSelf, onlySignature("ed25519:test_device"))));

        Json.Obj sskUnsigned = IDENTITY.with("self_signing_keys",
                Json.obj(USER, IDENTITY.object("self_signing_keys").object(USER).without("signatures")));
        Scenario sskMaster = master(local("identity-ssk-not-signed-by-master",
                "the self-signing key lost its master signature; the AuthData is still trusted through the master key",
                "TrustResolverTest.identity_sskNotSignedByMaster_ignored_deviceNotCrossSigned"));
        sskMaster.identity = sskUnsigned;
        t.add(trustedHonest(sskMaster));

        Scenario sskDevice = master(local("identity-ssk-not-signed-device-only",
                "the self-signing key lost its master signature, so test_device is not cross-signed; only it signed",
                "TrustResolverTest.identity_sskNotSignedByMaster_ignored_deviceNotCrossSigned"));
        sskDevice.identity = sskUnsigned;
        t.add(untrustedHonest(authData(sskDevice, onlySignature("ed25519:test_device"))));

        Scenario collide = master(local("identity-device-id-is-master-key",
                "a device whose id is the master key signs the AuthData with its own key under ed25519:<master key>",
                "TrustResolverTest.identity_deviceIdCollidingWithCrossSigningKey_isDropped"));
        collide.identity = withDevice(IDENTITY, USER, MASTER_PUB, device(USER, MASTER_PUB, EVIL, null));
        collide.verifiedDevices.add(MASTER_PUB + ":" + pub(EVIL));
        t.add(untrustedHonest(authData(collide, SignedJson.sign(plainAuthData(pub(SIGNING)), USER, "ed25519:" + MASTER_PUB, EVIL))));
    }

    /** Issue 10, "What was seen", where it can be said as data. */
    static void bypasses(List<Scenario> t) {
        Json.Obj newMaster = IDENTITY.with("master_keys", Json.obj(USER, crossSigningKey(USER, "master", NEW_MASTER, NEW_MASTER)));
        Scenario reset = master(local("bypass-published-master-differs-from-anchor",
                "the AuthData is signed by the master key the user trusts, but the server now publishes another one",
                "issue 10; TrustResolverTest.resolve_publishedMasterDiffersFromAnchor_notTrusted"));
        reset.identity = newMaster;
        t.add(untrustedHonest(reset));

        Json.Obj withLaptop = withDevice(IDENTITY, USER, "LAPTOP", device(USER, "LAPTOP", LAPTOP, null));
        Json.Obj laptopSigned = SignedJson.sign(plainAuthData(pub(SIGNING)), USER, "ed25519:LAPTOP", LAPTOP);
        Scenario asPublished = local("bypass-verified-device-as-published",
                "LAPTOP (not cross-signed) signed the AuthData; the user names it without a key, so the server's key is taken (the weaker anchor)",
                "issue 10, a device taken as the server publishes it");
        asPublished.identity = withLaptop;
        asPublished.verifiedDevices.add("LAPTOP");
        t.add(trustedHonest(authData(asPublished, laptopSigned)));

        Scenario laptopPinned = local("bypass-verified-device-pinned",
                "LAPTOP signed the AuthData and the user pinned it with the key it publishes",
                "issue 10, a device pinned with the key the user compared");
        laptopPinned.identity = withLaptop;
        laptopPinned.verifiedDevices.add("LAPTOP:" + pub(LAPTOP));
        t.add(trustedHonest(authData(laptopPinned, laptopSigned)));

        Scenario laptopOther = local("bypass-verified-device-pinned-other-key",
                "LAPTOP signed the AuthData, but the user compared another key: the published key does not count",
                "issue 10, a device pinned with the key the user compared");
        laptopOther.identity = withLaptop;
        laptopOther.verifiedDevices.add("LAPTOP:" + pub(OTHER));
        t.add(untrustedHonest(authData(laptopOther, laptopSigned)));

        Scenario thisAsPublished = local("bypass-this-device-as-published",
                "--device-id LAPTOP without a key: this device's key is taken from the server (the weaker anchor)",
                "issue 10, a bare --device-id");
        thisAsPublished.identity = withLaptop;
        thisAsPublished.anchorDevice = "LAPTOP";
        t.add(trustedHonest(authData(thisAsPublished, laptopSigned)));

        String spelled = masterSpelledDifferently();
        Scenario spelling = master(local("bypass-device-id-spells-master-key",
                "a cross-signed device whose id is a non-canonical base64 spelling of the master key (same 32 bytes) signs the AuthData",
                "issue 10, Spellings instead of keys"));
        spelling.identity = withDevice(IDENTITY, USER, spelled, device(USER, spelled, EVIL, SSK));
        t.add(untrustedHonest(authData(spelling, SignedJson.sign(plainAuthData(pub(SIGNING)), USER, "ed25519:" + spelled, EVIL))));

        String padded = MASTER_PUB + "=";
        Scenario paddedId = local("bypass-device-id-spells-master-key-padded",
                "a device whose id is the master key with base64 padding, pinned by the user, signs the AuthData",
                "issue 10, Spellings instead of keys");
        paddedId.identity = withDevice(IDENTITY, USER, padded, device(USER, padded, EVIL, null));
        paddedId.verifiedDevices.add(padded + ":" + pub(EVIL));
        t.add(untrustedHonest(authData(paddedId, SignedJson.sign(plainAuthData(pub(SIGNING)), USER, "ed25519:" + padded, EVIL))));

        Scenario typo = local("bypass-enable-mistyped-device-id",
                "the AuthData was signed with this device's key under a mistyped device id: the signature names no known key",
                "issue 10, enable signs with whatever it is given");
        typo.anchorDevice = "test_device:" + pub(DEVICE);
        t.add(untrustedHonest(authData(typo, SignedJson.sign(plainAuthData(pub(SIGNING)), USER, "ed25519:test_devcie", DEVICE))));

        Scenario wrongKey = local("bypass-enable-wrong-device-key",
                "the AuthData was signed under this device's id with a key that is not the device's: the signature is invalid",
                "issue 10, enable signs with whatever it is given");
        wrongKey.anchorDevice = "test_device:" + pub(DEVICE);
        t.add(untrustedHonest(authData(wrongKey, SignedJson.sign(plainAuthData(pub(SIGNING)), USER, "ed25519:test_device", OTHER))));

        Scenario algorithm = master(local("bypass-unknown-algorithm",
                "the trusted AuthData of protocol.md §13.7 under an unknown backup algorithm: the audit refuses",
                "issue 10; TrustResolver (unsupported backup algorithm)"));
        algorithm.version = version("org.example.backup.v2", AUTH_DATA);
        algorithm.expectBackup = "refused";
        t.add(algorithm);
    }

    /** Per-session verdicts (protocol.md §10.7) in a backup whose AuthData is trusted, unless said otherwise. */
    static void sessions(List<Scenario> t) {
        Scenario claim = master(local("session-unsigned-claim-in-signed-backup",
                "someone who knows only the backup public key adds an unsigned entry claiming authenticated",
                "issue 10; SignedBackupScenarioTest.attackerKnowingOnlyThePublicKey_unsignedClaim_signatureMissingAndFlagged"));
        claim.expectBackup = B_TRUSTED;
        claim.entry(ROOM, DIGEST_SESSION, DIGEST_ENTRY, AUTHENTICATED);
        claim.entry(ROOM, V.get(0).id(), claim.encrypt(claims(V.get(0), true)), MISSING);
        t.add(claim);

        Scenario forged = master(local("session-attacker-signs-under-trusted-key-id",
                "an entry signed by the attacker's key under the trusted signing key's id",
                "SignedBackupScenarioTest.attackerSignsWithOwnKeyUnderTheTrustedKeyId_signatureInvalid"));
        forged.expectBackup = B_TRUSTED;
        forged.entry(ROOM, V.get(0).id(), forged.encrypt(SignedJson.sign(claims(V.get(0), true), USER, "ed25519:" + pub(SIGNING), ATTACKER)), INVALID);
        t.add(forged);

        Scenario otherKey = master(local("session-signature-names-other-key",
                "an entry signed only under a key id naming another key",
                "SignedBackupScenarioTest.signatureUnderKeyIdNamingAnotherKey_signatureMissing"));
        otherKey.expectBackup = B_TRUSTED;
        otherKey.entry(ROOM, V.get(0).id(), otherKey.encrypt(sign(claims(V.get(0), true), USER, OTHER)), MISSING);
        t.add(otherKey);

        Scenario entity = master(local("session-signature-under-other-entity",
                "an entry signed by the trusted signing key under another entity: the key id pins the key",
                "SignedBackupScenarioTest.signatureUnderAnotherEntityWithTheRightKeyId_isFound"));
        entity.expectBackup = B_TRUSTED;
        entity.entry(ROOM, V.get(0).id(), entity.encrypt(sign(claims(V.get(0), true), "@someone:example.org", SIGNING)), AUTHENTICATED);
        t.add(entity);

        Scenario moved = master(local("session-moved-to-other-session-id",
                "a signed authenticated entry copied under another session id",
                "SignedBackupScenarioTest.signedEntryMovedUnderAnotherSessionId_sessionIdMismatch"));
        moved.expectBackup = B_TRUSTED;
        moved.entry(ROOM, DIGEST_SESSION, DIGEST_ENTRY, AUTHENTICATED);
        moved.entry(ROOM, V.get(0).id(), DIGEST_ENTRY, MISMATCH);
        t.add(moved);

        Scenario macSigned = master(local("session-mac-removed-signed",
                "mac removed or wrong on validly signed entries: the signature stands in for it",
                "SignedBackupScenarioTest.signedEntryWithMacRemoved_forgivenByTheSignature; protocol.md §13.8"));
        macSigned.expectBackup = B_TRUSTED;
        macSigned.entry(ROOM, DIGEST_SESSION, withoutMac(DIGEST_ENTRY), AUTHENTICATED);
        Json.Obj wrongMac = macSigned.encrypt(signed(claims(V.get(0), true)));
        wrongMac = wrongMac.with("session_data", wrongMac.object("session_data").with("mac", Json.of("AAAAAAAAAAA")));
        macSigned.entry(ROOM, V.get(0).id(), wrongMac, AUTHENTICATED);
        t.add(macSigned);

        Scenario macUnsigned = master(local("session-mac-removed-unsigned",
                "mac removed on unsigned entries: nothing stands in for it",
                "SignedBackupScenarioTest.macRemoved_unsignedEntryOrUntrustedBackup_rejected"));
        macUnsigned.expectBackup = B_TRUSTED;
        macUnsigned.entry(ROOM, V.get(2).id(), withoutMac(macUnsigned.encrypt(V.get(2).base())), UNDECRYPTABLE);
        macUnsigned.entry(ROOM, V.get(0).id(), withoutMac(macUnsigned.encrypt(claims(V.get(0), true))), UNDECRYPTABLE);
        t.add(macUnsigned);

        Scenario macUntrusted = local("session-mac-removed-backup-not-trusted",
                "mac removed on a signed entry of a backup whose AuthData is not trusted: no usable key, so rejected",
                "SignedBackupScenarioTest.macRemoved_unsignedEntryOrUntrustedBackup_rejected");
        macUntrusted.expectBackup = B_NOT_TRUSTED;
        macUntrusted.entry(ROOM, DIGEST_SESSION, DIGEST_ENTRY, NOT_TRUSTED);
        macUntrusted.entry(ROOM, V.get(0).id(), withoutMac(macUntrusted.encrypt(signed(claims(V.get(0), true)))), UNDECRYPTABLE);
        t.add(macUntrusted);

        Scenario tampered = master(local("session-tampered-ciphertext",
                "a ciphertext changed in its last block, and a session_data that is not an object",
                "SignedBackupScenarioTest.tamperedCiphertext_rejectedNotCrash"));
        tampered.expectBackup = B_TRUSTED;
        Json.Obj sd = DIGEST_ENTRY.object("session_data");
        String ct = sd.string("ciphertext");
        char flipped = ct.charAt(ct.length() - 5) == 'A' ? 'B' : 'A';
        String bad = ct.substring(0, ct.length() - 5) + flipped + ct.substring(ct.length() - 4);
        tampered.entry(ROOM, DIGEST_SESSION, DIGEST_ENTRY.with("session_data", sd.with("ciphertext", Json.of(bad))), UNDECRYPTABLE);
        tampered.entry(ROOM, V.get(0).id(), Json.obj("session_data", Json.of(5)), UNDECRYPTABLE);
        t.add(tampered);

        Scenario notTrue = master(local("session-flag-not-true",
                "signed entries whose flag is the string \"true\", false, absent, or 1",
                "SignedBackupScenarioTest.flagAsString_flagFalse_flagAbsent_signedNotAuthenticated"));
        notTrue.expectBackup = B_TRUSTED;
        notTrue.entry(ROOM, V.get(0).id(), notTrue.encrypt(signed(flag(V.get(0).base(), UNSTABLE_FLAG, Json.of("true")))), FLAG_FALSE);
        notTrue.entry(ROOM, V.get(1).id(), notTrue.encrypt(signed(flag(V.get(1).base(), STABLE_FLAG, Json.of(false)))), FLAG_FALSE);
        notTrue.entry(ROOM, V.get(3).id(), notTrue.encrypt(signed(V.get(3).base())), FLAG_FALSE);
        notTrue.entry(ROOM, V.get(4).id(), notTrue.encrypt(signed(flag(V.get(4).base(), STABLE_FLAG, Json.of(1)))), FLAG_FALSE);
        t.add(notTrue);

        Scenario conflict = master(local("session-flag-spellings-conflict",
                "signed entries whose flag spellings disagree (true and false; true and \"true\") or agree",
                "issue 10; SignedBackupScenarioTest.flagSpellingsDisagree_flagConflict_agree_authenticated"));
        conflict.expectBackup = B_TRUSTED;
        conflict.entry(ROOM, V.get(0).id(), conflict.encrypt(signed(claims(V.get(0), true).with(STABLE_FLAG, Json.of(false)))), FLAG_CONFLICT);
        conflict.entry(ROOM, V.get(1).id(), conflict.encrypt(signed(V.get(1).base().with(STABLE_FLAG, Json.of(true))
                .with("org.matrix.msc4048.authenticated", Json.of(true)))), AUTHENTICATED);
        conflict.entry(ROOM, V.get(3).id(), conflict.encrypt(signed(claims(V.get(3), true).with(STABLE_FLAG, Json.of("true")))), FLAG_CONFLICT);
        t.add(conflict);

        Scenario flipped2 = master(local("session-flag-flipped-after-signing",
                "an entry signed with authenticated=false whose flag was then set to true",
                "SignedBackupScenarioTest.flagFlippedAfterSigning_signatureInvalid"));
        flipped2.expectBackup = B_TRUSTED;
        flipped2.entry(ROOM, V.get(1).id(), flipped2.encrypt(signed(claims(V.get(1), false)).with(UNSTABLE_FLAG, Json.of(true))), INVALID);
        t.add(flipped2);

        Scenario mixed = master(local("session-mixed-verdicts",
                "one backup holding every verdict, in two rooms: each entry keeps its own",
                "issue 10, a file that mixes verdicts"));
        mixed.expectBackup = B_TRUSTED;
        mixed.entry(ROOM, DIGEST_SESSION, DIGEST_ENTRY, AUTHENTICATED);
        mixed.entry(ROOM, V.get(1).id(), mixed.encrypt(signed(claims(V.get(1), false))), FLAG_FALSE);
        mixed.entry(ROOM, V.get(0).id(), mixed.encrypt(signed(claims(V.get(0), true).with(STABLE_FLAG, Json.of(false)))), FLAG_CONFLICT);
        mixed.entry(OTHER_ROOM, V.get(2).id(), mixed.encrypt(claims(V.get(2), true)), MISSING);
        mixed.entry(OTHER_ROOM, V.get(3).id(), mixed.encrypt(SignedJson.sign(claims(V.get(3), true), USER, "ed25519:" + pub(SIGNING), ATTACKER)), INVALID);
        mixed.entry(OTHER_ROOM, V.get(4).id(), DIGEST_ENTRY, MISMATCH);
        mixed.entry(OTHER_ROOM, V.get(5).id(), withoutMac(mixed.encrypt(V.get(5).base())), UNDECRYPTABLE);
        t.add(mixed);

        String paddedKey = pub(SIGNING) + "=";
        Scenario padded = master(local("session-padded-signing-key",
                "the AuthData writes the signing key with padding; entries are signed under that key id as written",
                "SignedBackupScenarioTest.paddedSigningKeyInAuthData_writerSignsUnderTheKeyIdAsWritten"));
        authData(padded, masterSigned(plainAuthData(paddedKey)));
        padded.expectBackup = B_TRUSTED;
        padded.entry(ROOM, V.get(0).id(), padded.encrypt(SignedJson.sign(claims(V.get(0), true), USER, "ed25519:" + paddedKey, SIGNING)), AUTHENTICATED);
        padded.entry(ROOM, V.get(2).id(), padded.encrypt(V.get(2).base()), MISSING);
        t.add(padded);
    }

    /**
     * The six backup-key-1 entries of test/vectors/backup/backup-encryption.json exactly as python3-olm,
     * matrix-sdk-crypto-wasm and @matrix-org/olm encrypted them (SessionData signed by python signedjson as
     * @alice:example.org), under an AuthData signed by a master key made from the vectors' seed (protocol.md §13.3).
     */
    static void vectorEntries(List<Scenario> t) {
        String user = "@alice:example.org";
        Json.Obj vectors = V.vectors;
        Json.Obj key1 = (Json.Obj) ((Json.Arr) vectors.get("keys")).elements().get(0);
        Json.Obj identity = Json.obj("device_keys", Json.obj(user, Json.obj("test_device", device(user, "test_device", DEVICE, SSK))),
                "master_keys", Json.obj(user, crossSigningKey(user, "master", MASTER, MASTER)),
                "self_signing_keys", Json.obj(user, crossSigningKey(user, "self_signing", SSK, MASTER)));
        Json.Obj authData = sign(Json.obj("public_key", key1.get("public_key"), "org.matrix.mscxxxx.signing_public_key",
                vectors.object("backup_signing_key").get("public_key")), user, MASTER);
        String[] trusted = {AUTHENTICATED, FLAG_FALSE, MISSING, AUTHENTICATED, AUTHENTICATED, FLAG_FALSE};
        for (int variant = 0; variant < 3; variant++) {
            String name = variant == 0 ? "vectors-libolm-entries" : variant == 1 ? "vectors-libolm-entries-no-anchor" : "vectors-illustrative-authdata";
            Scenario s = new Scenario(name, variant == 0
                    ? "third-party entries (python3-olm, vodozemac, olm.js) in a backup whose AuthData the trusted master key signed"
                    : variant == 1 ? "the same entries when the user trusts no key"
                    : "the vector's illustrative AuthData, signed only by the backup signing key itself");
            s.source = variant == 0 ? "SignedBackupScenarioTest.vectorEntries_trustedBackup_verdictsFollowTheirFlags"
                    : variant == 1 ? "SignedBackupScenarioTest.authenticatedEntry_untrustedAuthData_backupNotTrusted"
                    : "SignedBackupScenarioTest.vectorIllustrativeAuthData_signedByBackupSigningKeyOnly_notTrusted";
            s.user = user;
            s.identity = identity;
            s.version = version(MegolmBackupV1.ALGORITHM, variant == 2 ? key1.object("auth_data") : authData);
            s.backupKeyText = key1.string("private_key");
            if (variant != 1) s.anchorMaster = MASTER_PUB;
            s.expectBackup = variant == 0 ? B_TRUSTED : B_NOT_TRUSTED;
            for (int i = 0; i < 6; i++) {
                s.entry("!roomA:example.org", V.get(i).id(), V.storedEntries.get(i), variant == 0 ? trusted[i] : NOT_TRUSTED);
            }
            t.add(s);
        }
    }
}
