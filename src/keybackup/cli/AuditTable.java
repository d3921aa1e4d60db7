package keybackup.cli;

import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.OwnIdentity;

/** The human-readable form of an audit: trust decision, one row per session, summary. */
final class AuditTable {
    private AuditTable() {}

    static String render(BackupAudit audit, OwnIdentity identity) {
        AuthDataTrust t = audit.trust();
        StringBuilder sb = new StringBuilder();
        sb.append("backup version ").append(t.version() == null ? "?" : t.version())
          .append(": auth_data ").append(t.trusted() ? "TRUSTED" : "NOT trusted").append('\n');
        for (AuthDataTrust.TrustedVia v : t.trustedVia()) sb.append("  trusted via ").append(v.kind().wire()).append(' ').append(v.keyId()).append('\n');
        for (AuthDataTrust.Signature s : t.signatures()) {
            sb.append("  signature ").append(s.keyId()).append(": ").append(s.status().wire()).append(" (").append(s.detail()).append(")\n");
        }
        sb.append("  signing key: ").append(t.signingPublicKey() == null ? "none" : t.signingPublicKey())
          .append(t.usableSigningKey().isPresent() ? " (usable)" : " (NOT usable: " + t.reason().wire() + " — " + t.detail() + ")").append('\n');
        for (String p : identity.problems()) sb.append("  identity: ").append(p).append('\n');
        sb.append('\n');
        sb.append(String.format("%-28s %-45s %-25s %s%n", "ROOM", "SESSION", "VERDICT", "REASON"));
        for (BackupAudit.Entry e : audit.sessions()) {
            sb.append(String.format("%-28s %-45s %-25s %s%n", e.roomId(), e.sessionId(), e.verdict(),
                    e.reason() == null ? "-" : e.reason().wire()));
        }
        sb.append('\n');
        sb.append(String.format("total %d: %d authenticated, %d signed_not_authenticated, %d unauthenticated, %d rejected%n",
                audit.total(), audit.authenticated(), audit.signedNotAuthenticated(), audit.unauthenticated(), audit.rejected()));
        if (audit.unsignedInSignedBackup() > 0) {
            sb.append(String.format("WARNING: %d unsigned entr%s in a signed backup — keys written by someone holding only the backup public key?%n",
                    audit.unsignedInSignedBackup(), audit.unsignedInSignedBackup() == 1 ? "y" : "ies"));
        }
        return sb.toString().stripTrailing();
    }
}
