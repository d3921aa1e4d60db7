package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.DEVICE;
import static keybackup.workflow.WorkflowFixture.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import keybackup.backup.FieldNames;
import keybackup.homeserver.AccessToken;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.HomeserverClient;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.localstore.LocalStore;
import keybackup.secrets.SecretStorage;
import keybackup.secrets.SecretStorageKey;
import keybackup.workflow.WorkflowFixture.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code enable} checks its signers before signing: the user id is valid and owns the token, this device
 * is published with exactly the key given. Each refusal is a {@link SignerCheckException} naming the
 * problem, and nothing reaches the server or Secret Storage.
 */
@Timeout(60)
class EnableSignerCheckTest {
    @TempDir
    Path dir;
    private WorkflowFixture f;

    @AfterEach
    void close() {
        if (f != null) f.close();
    }

    /** Nothing was written: no version, no backup secrets. */
    private void assertNothingWritten() throws Exception {
        assertTrue(f.store.currentVersion().isEmpty(), "a version was created");
        assertTrue(f.secrets.saved(SecretStorage.BACKUP_DECRYPTION_KEY).isEmpty(), "the backup key was stored");
        assertTrue(f.secrets.saved(SecretStorage.BACKUP_SIGNING_KEY).isEmpty(), "the signing key was stored");
        if (f.server != null) {
            assertFalse(f.server.requests().stream().anyMatch(r -> r.startsWith("POST") && r.contains("room_keys/version")), f.server.requests().toString());
        }
    }

    private SignerCheckException refused(Account account) {
        return assertThrows(SignerCheckException.class, () -> Enable.run(account, FieldNames.UNSTABLE));
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void enable_wrongDeviceKey_refusedNamingTheDeviceKey(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        try (Ed25519PrivateKey wrong = Ed25519PrivateKey.generate()) {
            SignerCheckException e = refused(new Account(f.store, f.secrets, new Account.Device(DEVICE, wrong), null, Map.of()));
            assertEquals(SignerCheckException.Problem.DEVICE_KEY_MISMATCH, e.problem());
            assertTrue(e.getMessage().contains("device key mismatch") && e.getMessage().contains(DEVICE), e.getMessage());
            assertTrue(e.getMessage().contains(f.deviceKey.publicKey().toBase64()), "names the published key: " + e.getMessage());
        }
        assertNothingWritten();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void enable_mistypedDeviceId_refusedAsUnknownDevice(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        SignerCheckException e = refused(new Account(f.store, f.secrets, new Account.Device("ALICEPHONF", f.deviceKey), null, Map.of()));
        assertEquals(SignerCheckException.Problem.UNKNOWN_DEVICE, e.problem());
        assertTrue(e.getMessage().contains("ALICEPHONF"), e.getMessage());
        assertNothingWritten();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void enable_rightDevice_stillSigns(Backend backend) throws Exception {
        f = WorkflowFixture.open(backend, dir);
        Enable.Result r = Enable.run(f.account(), FieldNames.UNSTABLE);
        assertTrue(r.signedByDevice() && r.signedByMaster());
    }

    @Test
    void enable_userIdNotAMatrixUserId_refused() throws Exception {
        for (String bad : new String[] {"alice", "@alice", "alice:example.org", "@:example.org", "@alice:", "@al ice:example.org", "@alice:exa_mple.org"}) {
            BackupStore store = LocalStore.open(dir.resolve("s" + Math.abs(bad.hashCode())), bad);
            try (SecretStorageKey k = SecretStorageKey.generate()) {
                UnlockedSecretStorage secrets = UnlockedSecretStorage.create(store, k, "k");
                SignerCheckException e = assertThrows(SignerCheckException.class,
                        () -> Enable.run(new Account(store, secrets, null, null, Map.of()), FieldNames.UNSTABLE), bad);
                assertEquals(SignerCheckException.Problem.INVALID_USER_ID, e.problem(), bad);
                assertTrue(store.currentVersion().isEmpty());
            }
        }
    }

    @Test
    void enable_userIsNotTheTokensOwner_refused() throws Exception {
        f = WorkflowFixture.open(Backend.HOMESERVER, dir);
        // Alice's token, but the command line says Bob: the server would act for Alice while we sign for Bob.
        HomeserverClient asBob = HomeserverClient.connect(f.server.uri(), "@bob:example.org", AccessToken.of(WorkflowFixture.TOKEN));
        SignerCheckException e = refused(new Account(asBob, f.secrets, new Account.Device(DEVICE, f.deviceKey), null, Map.of()));
        assertEquals(SignerCheckException.Problem.NOT_TOKEN_OWNER, e.problem());
        assertTrue(e.getMessage().contains(USER) && e.getMessage().contains("@bob:example.org"), e.getMessage());
        assertNothingWritten();
    }

    @Test
    void whoami_isTheTokensOwner_orTheLocalStoresUser() throws Exception {
        f = WorkflowFixture.open(Backend.HOMESERVER, dir);
        assertEquals(USER, HomeserverClient.connect(f.server.uri(), "@bob:example.org", AccessToken.of(WorkflowFixture.TOKEN)).whoami());
        assertEquals("@carol:example.org", LocalStore.open(dir.resolve("carol"), "@carol:example.org").whoami());
    }
}
