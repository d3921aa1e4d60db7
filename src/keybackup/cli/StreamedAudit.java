package keybackup.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import keybackup.trust.BackupAudit;
import keybackup.trust.OwnIdentity;
import keybackup.trust.Reason;

/**
 * The online audit's report in bounded memory (a million keys within the CLI's heap): each entry goes to an
 * {@link ExternalSort} as it comes, and is printed from there once the audit has run, byte for byte as
 * {@link AuditTable#render} and {@link BackupAudit#toJson()} print an audit that kept every entry. For the
 * table, a row is its cells as printed (escaped), sorted in {@link AuditTable#ORDER}, and the column widths
 * grow as rows come. For the JSON, entries keep the order they came in, as the report's {@code sessions} list
 * does (every pair of rows ties, and ties keep their order). Rows hold ids and verdicts, no key material; their
 * files are owner-only anyway, and removed on {@link #close()}.
 */
final class StreamedAudit implements AutoCloseable {
    /** Table lines per write. */
    private static final int LINES = 1024;

    private final boolean json;
    private final ExternalSort rows;
    private final int[] width = AuditTable.headingWidths();

    /** The report for {@code audit --json} if {@code json}, else the table. */
    StreamedAudit(boolean json) {
        this(json, null, ExternalSort.RUN_ROWS);
    }

    /** As {@link #StreamedAudit(boolean)}, with the sort's files in {@code dir} and runs of {@code runRows}. */
    StreamedAudit(boolean json, Path dir, int runRows) {
        this.json = json;
        this.rows = new ExternalSort(dir, json ? (x, y) -> 0 : AuditTable.ORDER, runRows, ExternalSort.FAN_IN);
    }

    /** Takes one entry; one call at a time. */
    void add(BackupAudit.Entry e) throws IOException {
        if (json) {
            rows.add(e.roomId(), e.sessionId(), e.verdict(), e.reason() == null ? null : e.reason().name(),
                    Boolean.toString(e.claimedAuthenticated()));
        } else {
            String[] cells = AuditTable.cells(e);
            AuditTable.widen(width, cells);
            rows.add(cells);
        }
    }

    /**
     * Prints the report: the trust and counts of {@code audit} (which kept no entry) with the entries added here.
     * Call it once, after the last {@link #add}.
     */
    void print(Io io, BackupAudit audit, OwnIdentity identity) throws IOException {
        ExternalSort.Rows sorted = rows.sorted();
        if (json) {
            io.printCanonical(audit.toJson(), "sessions", () -> {
                String[] r = sorted.next();
                // the detail is not part of the JSON report, so it was not kept
                return r == null ? null : new BackupAudit.Entry(r[0], r[1], r[2],
                        r[3] == null ? null : Reason.valueOf(r[3]), null, Boolean.parseBoolean(r[4])).toJson();
            });
            return;
        }
        List<String> lines = new ArrayList<>(AuditTable.header(audit.trust(), identity));
        lines.add(AuditTable.line(width, AuditTable.HEADINGS));
        for (String[] r; (r = sorted.next()) != null; ) {
            lines.add(AuditTable.line(width, r));
            if (lines.size() == LINES) {
                io.println(lines);
                lines.clear();
            }
        }
        lines.addAll(AuditTable.summary(audit));
        io.println(lines);
    }

    /** Removes the files. */
    @Override
    public void close() throws IOException {
        rows.close();
    }
}
