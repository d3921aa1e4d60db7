package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import keybackup.backup.FieldNames;
import keybackup.keys.BackupDecryptionKey;
import keybackup.trust.KeySource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress callbacks the CLI's report is fed by: an upload reports the sessions the server accepted
 * after each request, a restore the sessions verified after each one.
 */
class ProgressCallbackTest {
    @TempDir
    Path dir;

    @Test
    void uploadAndRestore_progress_countsAfterEachRequestAndEachSession() throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<Long> uploaded = new ArrayList<>();
            Upload.Result r = Upload.run(f.account(), WorkflowFixture.sessions(3, 4, 3),
                    Upload.Options.of(KeySource.OLM).with(WorkflowFixture.SMALL_BATCHES).withProgress(uploaded::add));
            assertEquals(3, r.batches());
            assertEquals(List.of(5L, 10L, 12L), uploaded, "five sessions a request");

            List<Long> verified = new ArrayList<>();
            Account account = f.account();
            try (BackupDecryptionKey key = Restore.keyFromSecretStorage(account)) {
                Restore.run(account, account.trust(account.currentVersion()), key,
                        Restore.Options.DEFAULT.withProgress(verified::add), null);
            }
            assertEquals(LongStream.rangeClosed(1, 12).boxed().toList(), verified);
        }
    }
}
