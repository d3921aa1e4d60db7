package keybackup.trust;

import java.util.Objects;

/**
 * What a restored session may be used as: one of exactly four verdicts, each with the reason of
 * protocol.md §10.7. Produced only by {@link SessionVerifier}: the four kinds are final classes whose
 * constructors are package-private (a public record could be built by anyone), so holding an
 * {@link Authenticated} proves the verification ran. Callers match on the type ({@code instanceof}).
 */
public sealed interface SessionVerdict
        permits SessionVerdict.Authenticated, SessionVerdict.SignedNotAuthenticated, SessionVerdict.Unauthenticated, SessionVerdict.Rejected {

    /**
     * Names the verdict as reports and the audit JSON do.
     *
     * @return {@code authenticated}, {@code signed_not_authenticated}, {@code unauthenticated} or
     *     {@code rejected}
     */
    String word();

    /**
     * Tells why the session is not authenticated.
     *
     * @return the reason, or null for {@link Authenticated}
     */
    Reason reason();

    /**
     * Explains the verdict for people.
     *
     * @return a human-readable detail (never key material)
     */
    String detail();

    /** Signed by the trusted backup signing key, and the signed flag says the key is authenticated. */
    final class Authenticated implements SessionVerdict {
        private final TrustedBackupKey signer;

        Authenticated(TrustedBackupKey signer) {
            this.signer = Objects.requireNonNull(signer, "signer");
        }

        /**
         * Gives the trusted backup signing key whose valid signature covers the SessionData.
         *
         * @return the key that signed; its {@link TrustedBackupKey#via()} says how far it is trusted
         */
        public TrustedBackupKey signer() { return signer; }
        public String word() { return "authenticated"; }
        public Reason reason() { return null; }
        public String detail() { return "signed by " + signer.keyId(); }
        @Override public String toString() { return word() + " (" + detail() + ")"; }
    }

    /** Validly signed, but the flag is false, absent, not a boolean, or its spellings disagree. */
    final class SignedNotAuthenticated implements SessionVerdict {
        private final TrustedBackupKey signer;
        private final Reason reason;

        SignedNotAuthenticated(TrustedBackupKey signer, Reason reason) {
            this.signer = Objects.requireNonNull(signer, "signer");
            if (reason != Reason.FLAG_FALSE && reason != Reason.FLAG_CONFLICT) throw new IllegalArgumentException("reason " + reason);
            this.reason = reason;
        }

        /**
         * Gives the trusted backup signing key whose valid signature covers the SessionData; the signed
         * flag itself does not say the key is authenticated.
         *
         * @return the key that signed
         */
        public TrustedBackupKey signer() { return signer; }
        public String word() { return "signed_not_authenticated"; }
        public Reason reason() { return reason; }
        public String detail() { return reason == Reason.FLAG_CONFLICT ? "authenticated flag spellings disagree" : "authenticated flag is not true"; }
        @Override public String toString() { return word() + " " + reason.wire(); }
    }

    /** Usable as a key, but nothing vouches for where it came from. */
    final class Unauthenticated implements SessionVerdict {
        private final Reason reason;
        private final String detail;

        Unauthenticated(Reason reason, String detail) {
            if (reason != Reason.NO_SIGNING_KEY && reason != Reason.BACKUP_NOT_TRUSTED
                    && reason != Reason.SIGNATURE_MISSING && reason != Reason.SIGNATURE_INVALID) {
                throw new IllegalArgumentException("reason " + reason);
            }
            this.reason = reason;
            this.detail = detail;
        }

        public String word() { return "unauthenticated"; }
        public Reason reason() { return reason; }
        public String detail() { return detail; }
        @Override public String toString() { return word() + " " + reason.wire() + " (" + detail + ")"; }
    }

    /** Not to be imported at all. */
    final class Rejected implements SessionVerdict {
        private final Reason reason;
        private final String detail;

        Rejected(Reason reason, String detail) {
            if (reason != Reason.DECRYPTION_FAILED && reason != Reason.SESSION_ID_MISMATCH) throw new IllegalArgumentException("reason " + reason);
            this.reason = reason;
            this.detail = detail;
        }

        public String word() { return "rejected"; }
        public Reason reason() { return reason; }
        public String detail() { return detail; }
        @Override public String toString() { return word() + " " + reason.wire() + " (" + detail + ")"; }
    }
}
