package keybackup.cli;

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
        return v.kind().wire() + " " + printable(v.keyId()) + (v.kind().weak() ? " (weaker: key taken as the server publishes it, not compared)" : "");
    }

    /** The AuthData decision in one line, from the outcome's type (status, restore). */
    static String decision(AuthDataTrust t) {
        String via = t.trustedVia().stream().map(AuditTable::via).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
        if (t instanceof AuthDataTrust.Usable) return "trusted via " + via;
        if (t instanceof AuthDataTrust.TrustedWithoutKey) return "trusted via " + via + ", but it names no usable signing key";
        return "NOT trusted";
    }

    /** The table's lines. */
    static java.util.List<String> render(BackupAudit audit, OwnIdentity identity) {
        AuthDataTrust t = audit.trust();
        StringBuilder sb = new StringBuilder();
        sb.append("backup version ").append(t.version() == null ? "?" : printable(t.version()))
          .append(": auth_data ").append(t instanceof AuthDataTrust.NotTrusted ? "NOT trusted" : "TRUSTED").append('\n');
        for (AuthDataTrust.TrustedVia v : t.trustedVia()) sb.append("  trusted via ").append(via(v)).append('\n');
        for (AuthDataTrust.Signature s : t.signatures()) {
            sb.append("  signature ").append(printable(s.keyId())).append(": ").append(s.status().wire()).append(" (").append(printable(s.detail())).append(")\n");
        }
        sb.append("  signing key: ").append(t.signingPublicKey() == null ? "none" : printable(t.signingPublicKey()))
          .append(t instanceof AuthDataTrust.Usable ? " (usable)" : " (NOT usable: " + t.reason().wire() + " — " + printable(t.detail()) + ")").append('\n');
        for (String p : identity.problems()) sb.append("  identity: ").append(printable(p)).append('\n');
        sb.append('\n');
        sb.append(String.format("%-28s %-45s %-25s %s%n", "ROOM", "SESSION", "VERDICT", "REASON"));
        for (BackupAudit.Entry e : audit.sessions()) {
            sb.append(String.format("%-28s %-45s %-25s %s%n", printable(e.roomId()), printable(e.sessionId()), e.verdict(),
                    e.reason() == null ? "-" : e.reason().wire()));
        }
        sb.append('\n');
        sb.append(String.format("total %d: %d authenticated, %d signed_not_authenticated, %d unauthenticated, %d rejected%n",
                audit.total(), audit.authenticated(), audit.signedNotAuthenticated(), audit.unauthenticated(), audit.rejected()));
        if (audit.unsignedInSignedBackup() > 0) {
            sb.append(String.format("WARNING: %d unsigned entr%s in a signed backup — keys written by someone holding only the backup public key?%n",
                    audit.unsignedInSignedBackup(), audit.unsignedInSignedBackup() == 1 ? "y" : "ies"));
        }
        return sb.toString().stripTrailing().lines().toList();
    }
}
