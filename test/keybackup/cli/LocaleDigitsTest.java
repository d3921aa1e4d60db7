package keybackup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import keybackup.backup.FieldNames;
import keybackup.trust.KeySource;
import keybackup.workflow.Enable;
import keybackup.workflow.Upload;
import keybackup.workflow.WorkflowFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counts a command prints are ASCII digits whatever the JVM's default locale (taken from LANG): under an
 * Arabic locale, {@code String.format("%d")} writes Arabic-Indic digits, which a script reading "restored N of M
 * keys" or "total N" cannot parse. The progress line already used {@link Locale#ROOT}; the summaries did not.
 */
@Timeout(120)
class LocaleDigitsTest {
    @TempDir
    Path dir;

    @Test
    void restoreAndAuditSummaries_underAnArabicDefaultLocale_asciiDigits() throws Exception {
        Locale before = Locale.getDefault();
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            Upload.run(f.account(), WorkflowFixture.sessions(2, 6, 5),
                    Upload.Options.of(KeySource.OLM).withThreads(1).with(WorkflowFixture.SMALL_BATCHES));
            Locale.setDefault(Locale.forLanguageTag("ar-SA"));
            assertEquals("\u0661\u0662", String.format("%d", 12), "this JDK localizes digits: the test can fail");

            String restore = run(f, "restore", "--out", dir.resolve("keys.json").toString());
            assertTrue(restore.contains("restored 12 of 12 keys"), restore);
            String audit = run(f, "audit");
            assertTrue(audit.contains("total 12: "), audit);
        } finally {
            Locale.setDefault(before);
        }
    }

    private String run(WorkflowFixture f, String command, String... more) throws Exception {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(f.cliOptions(dir));
        all.addAll(List.of("--threads", "1"));
        all.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(all.toArray(new String[0]), new ByteArrayInputStream(new byte[0]), out, err);
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
