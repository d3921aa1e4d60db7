package keybackup.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Locale;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.OwnIdentity;

/** The human-readable form of an audit: trust decision, one row per session, summary. */
final class AuditTable {
    private AuditTable() {}

    /**
     * Server-controlled text (room ids, session ids, key ids, versions) as one cell: escaped by the CLI's one
     * rule ({@link TerminalText#escape}), so a crafted id cannot add a fake row or move the cursor. {@link Io}
     * escapes every line again; this keeps each cell on its own line of the table.
     */
    static String printable(String s) {
        return TerminalText.escape(s);
    }

    /**
     * One trusted signer for humans: its kind and key id, and for a device whose key was taken as the
     * server publishes it, that it is weaker (the label every output carries).
     */
    static String via(AuthDataTrust.TrustedVia v) {
        return v.kind().wire() + " " + printable(v.keyId()) + (v.kind().weak()
                ? " (weaker: key taken as the server publishes it, not compared)" : "");
    }

    /** The AuthData decision in one line, from the outcome's type (status, restore). */
    static String decision(AuthDataTrust t) {
        String via = t.trustedVia().stream().map(AuditTable::via).collect(Collectors.joining(", ", "[", "]"));
        if (t instanceof AuthDataTrust.Usable) return "trusted via " + via;
        if (t instanceof AuthDataTrust.TrustedWithoutKey) {
            return "trusted via " + via + ", but it names no usable signing key";
        }
        return "NOT trusted";
    }

    /**
     * Widest a column is padded to: a longer cell (a server may send any room id) is printed whole and pushes its
     * own line's later cells right, so the padding of the other lines never grows with one odd id.
     */
    static final int MAX_WIDTH = 96;

    /** The column headings. */
    static final String[] HEADINGS = {"ROOM", "SESSION", "VERDICT", "REASON"};

    /**
     * Rows sorted by room, then session, so two audits of one backup compare line by line (the escaped cells, as
     * printed; rows of one room and session keep the order they came in).
     */
    static final Comparator<String[]> ORDER = Comparator.<String[], String>comparing(r -> r[0])
            .thenComparing(r -> r[1]);

    /** One entry's row: room and session escaped ({@link #printable}), verdict, reason ("-" for none). */
    static String[] cells(BackupAudit.Entry e) {
        return new String[] {printable(e.roomId()), printable(e.sessionId()), e.verdict(),
                e.reason() == null ? "-" : e.reason().wire()};
    }

    /** The widths of the padded columns (all but the last) before any row: their headings'. */
    static int[] headingWidths() {
        return new int[] {HEADINGS[0].length(), HEADINGS[1].length(), HEADINGS[2].length()};
    }

    /** Widens each padded column to the row's cell (in code points), up to {@link #MAX_WIDTH}. */
    static void widen(int[] width, String[] row) {
        for (int i = 0; i < width.length; i++) {
            width[i] = Math.min(MAX_WIDTH, Math.max(width[i], row[i].codePointCount(0, row[i].length())));
        }
    }

    /** One table line: every cell but the last padded to its column's width (in code points) and a space. */
    static String line(int[] width, String... cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            sb.append(cells[i]);
            if (i < width.length) {
                sb.append(" ".repeat(Math.max(1, width[i] - cells[i].codePointCount(0, cells[i].length()) + 1)));
            }
        }
        return sb.toString();
    }

    /** The table's lines. */
    static List<String> render(BackupAudit audit, OwnIdentity identity) {
        List<String[]> rows = new ArrayList<>();
        int[] width = headingWidths();
        for (BackupAudit.Entry e : audit.sessions()) {
            String[] r = cells(e);
            widen(width, r);
            rows.add(r);
        }
        rows.sort(ORDER);
        List<String> lines = new ArrayList<>(header(audit.trust(), identity));
        lines.add(line(width, HEADINGS));
        for (String[] r : rows) lines.add(line(width, r));
        lines.addAll(summary(audit));
        return lines;
    }

    /** The lines before the rows: the trust decision, the identity's problems, a blank line. */
    static List<String> header(AuthDataTrust t, OwnIdentity identity) {
        StringBuilder sb = new StringBuilder();
        sb.append("backup version ").append(t.version() == null ? "?" : printable(t.version()))
          .append(": auth_data ").append(t instanceof AuthDataTrust.NotTrusted ? "NOT trusted"
          : "TRUSTED").append('\n');
        for (AuthDataTrust.TrustedVia v : t.trustedVia()) sb.append("  trusted via ").append(via(v)).append('\n');
        for (AuthDataTrust.Signature s : t.signatures()) {
            sb.append("  signature ").append(printable(s.keyId())).append(": ").append(s.status().wire()).append(" (")
                    .append(printable(s.detail())).append(")\n");
        }
        sb.append("  signing key: ").append(t.signingPublicKey() == null ? "none" : printable(t.signingPublicKey()))
          .append(t instanceof AuthDataTrust.Usable ? " (usable)" : " (NOT usable: " + t.reason().wire() + " — "
          + printable(t.detail()) + ")").append('\n');
        for (String p : identity.problems()) sb.append("  identity: ").append(printable(p)).append('\n');
        sb.append('\n');
        return sb.toString().lines().toList();
    }

    /** The lines after the rows: a blank line, the counts, and the warning about unsigned entries if any. */
    static List<String> summary(BackupAudit audit) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(String.format(Locale.ROOT, "total %d: %d authenticated, %d signed_not_authenticated, %d "
                + "unauthenticated, %d rejected", audit.total(), audit.authenticated(), audit.signedNotAuthenticated(),
                audit.unauthenticated(), audit.rejected()));
        if (audit.unsignedInSignedBackup() > 0) {
            lines.add(String.format(Locale.ROOT, "WARNING: %d unsigned entr%s in a signed backup — keys written by "
                    + "someone holding only the backup public key?",
                    audit.unsignedInSignedBackup(), audit.unsignedInSignedBackup() == 1 ? "y" : "ies"));
        }
        return lines;
    }
}
