package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.Backend.HOMESERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import keybackup.backup.FieldNames;
import keybackup.homeserver.TestHomeserver;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.secrets.SecretStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review cases: a server that lies about what a failed request did. */
class HostileServerReviewTest {
    @TempDir
    Path dir;

    private static Json.Obj error(String errcode) {
        return Json.obj("errcode", Json.of(errcode), "error", Json.of("no"));
    }

    /**
     * The POST creates the version but answers 500 every time; then the server answers 404 for the current
     * version (a lie, or a lagging replica). The version exists, so the new keys must stay in Secret Storage.
     */
    @Test
    void enable_createdButHidden_keepsTheKeysOfTheVersionThatExists() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir)) {
            f.server.rewriteReplies(a -> {
                if (a.request().startsWith("POST ") && a.request().contains("/room_keys/version")) {
                    return new TestHomeserver.Answer(a.request(), 500, error("M_UNKNOWN"));
                }
                if (a.request().startsWith("GET ") && a.request().endsWith("/room_keys/version") && a.status() == 200
                        && f.server.liveVersions().size() > 0) {
                    return new TestHomeserver.Answer(a.request(), 404, error("M_NOT_FOUND"));
                }
                return a;
            });
            assertThrows(WorkflowException.class, () -> Enable.run(f.account(), FieldNames.UNSTABLE));
            f.server.rewriteReplies(null);
            assertFalse(f.server.liveVersions().isEmpty());
            assertNull(FailurePointTest.secretsProblem(f));
        }
    }

    private static final String CREATE = "POST /_matrix/client/v3/room_keys/version";
    private static final String SIGNING_KEY_PUT =
            "PUT /_matrix/client/v3/user/%40alice%3Aexample.org/account_data/m.key_backup.signing";

    /** Counted on another account: the requests of enable after storing the signing key, up to the create. */
    private int requestsFromSigningKeyToCreate() throws Exception {
        try (WorkflowFixture c = WorkflowFixture.open(HOMESERVER, dir.resolve("count"))) {
            int before = c.server.requestCount();
            Enable.run(c.account(), FieldNames.UNSTABLE);
            List<String> r = c.server.requests().subList(before, c.server.requestCount());
            int put = -1;
            int post = -1;
            for (int i = 0; i < r.size(); i++) {
                if (put < 0 && r.get(i).startsWith(SIGNING_KEY_PUT)) put = i;
                else if (put >= 0 && post < 0 && r.get(i).startsWith(CREATE)) post = i;
            }
            assertTrue(put >= 0 && post > put, r.toString());
            return post - put;
        }
    }

    /**
     * The POST creates the version but the server answers 400 (a refusal, not retried) and hides the version
     * while enable looks for it; later it shows it. The version is signed by this account's signers, so other
     * clients would back keys up to it: Secret Storage must still hold its keys. (Enable used to take the 4xx
     * for "nothing created" and put the previous secrets back.)
     */
    @Test
    void enable_refusedWith4xxButCreated_andShownLater_secretStorageHoldsItsKeys() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir)) {
            f.server.rewriteReplies(a -> {
                if (a.request().startsWith(CREATE)) return new TestHomeserver.Answer(a.request(), 400,
                        error("M_BAD_JSON"));
                if (a.request().startsWith("GET ") && a.request().endsWith("/room_keys/version") && a.status() == 200
                        && f.server.liveVersions().size() > 0) {
                    return new TestHomeserver.Answer(a.request(), 404, error("M_NOT_FOUND"));
                }
                return a;
            });
            WorkflowException e = assertThrows(WorkflowException.class,
                    () -> Enable.run(f.account(), FieldNames.UNSTABLE));
            f.server.rewriteReplies(null);
            assertEquals(1, f.server.liveVersions().size(), "the server did create it");
            assertNull(FailurePointTest.secretsProblem(f));
            assertTrue(e.getMessage().contains("Secret Storage keeps them"), e.getMessage());
        }
    }

    /**
     * A 400 to the create request that really created nothing: once the request was sent the answer proves
     * nothing, so the new keys stay all the same (a version that shows up later has them), and the message
     * says how to go on: status, then {@code enable --replace-backup-secrets}, which then completes.
     */
    @Test
    void enable_createRefusedWith4xx_keepsTheNewKeysAndSaysHowToGoOn() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir)) {
            int toCreate = requestsFromSigningKeyToCreate();
            f.server.afterRequest(SIGNING_KEY_PUT, 1, () -> f.server.failRequests(toCreate, 1, 400, false));
            WorkflowException e = assertThrows(WorkflowException.class,
                    () -> Enable.run(f.account(), FieldNames.UNSTABLE));
            f.server.failRequests(0, 0, 0, false);
            assertEquals(List.of(), f.server.liveVersions(), "nothing was created");
            assertTrue(e.getMessage().contains("Secret Storage keeps them") && e.getMessage().contains("run status")
                    && e.getMessage().contains("run enable --replace-backup-secrets"), e.getMessage());
            assertFalse(e.getMessage().contains("put back"), e.getMessage());
            assertTrue(f.secrets.keyBytes(SecretStorage.BACKUP_DECRYPTION_KEY).isPresent(), "the new backup key stays");
            Optional<Ed25519PrivateKey> kept = f.secrets.backupSigningKey();
            assertTrue(kept.isPresent(), "the new signing key stays");
            kept.get().close();
            Enable.run(f.account(), FieldNames.UNSTABLE, true); // as the message says
            assertNull(FailurePointTest.secretsProblem(f));
        }
    }

    /** A failure before the create request was sent surely created nothing: the previous secrets are put back. */
    @Test
    void enable_failureBeforeTheCreateWasSent_putsThePreviousSecretsBack() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(HOMESERVER, dir)) {
            byte[] old = new byte[32];
            old[0] = 7;
            f.secrets.storeKeyBytes(SecretStorage.BACKUP_DECRYPTION_KEY, old);
            // the request right after the signing key was stored (a signer check before the create) is refused
            f.server.afterRequest(SIGNING_KEY_PUT, 1, () -> f.server.failRequests(1, 1, 400, false));
            WorkflowException e = assertThrows(WorkflowException.class,
                    () -> Enable.run(f.account(), FieldNames.UNSTABLE, true));
            f.server.failRequests(0, 0, 0, false);
            assertFalse(f.server.requests().stream().anyMatch(r -> r.startsWith(CREATE)), "never sent");
            assertTrue(e.getMessage().contains("the previous secrets were put back: run enable again"), e.getMessage());
            assertTrue(java.util.Arrays.equals(old, f.secrets.keyBytes(SecretStorage.BACKUP_DECRYPTION_KEY)
                    .orElseThrow()), "the previous backup key is back");
            assertTrue(f.secrets.backupSigningKey().isEmpty(), "no signing key was stored before");
        }
    }
}
