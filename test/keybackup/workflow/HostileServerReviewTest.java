package keybackup.workflow;

import static keybackup.workflow.WorkflowFixture.Backend.HOMESERVER;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import keybackup.backup.FieldNames;
import keybackup.homeserver.TestHomeserver;
import keybackup.json.Json;
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
}
