package keybackup.trust;

import java.util.Objects;

/**
 * What a restored session may be used as. Produced only by {@link SessionVerifier}; one of exactly
 * four verdicts, each with the reason of digest 07 §6.1.
 */
public sealed interface SessionVerdict {

    /** The verdict word used in reports. */
    String word();

    /** The reason, or null for {@link Authenticated}. */
    Reason reason();

    /** A human-readable detail (never key material). */
    String detail();

    /** Signed by the trusted backup signing key, and the signed flag says the key is authenticated. */
    record Authenticated(TrustedBackupKey signer) implements SessionVerdict {
        public Authenticated {
            Objects.requireNonNull(signer, "signer");
        }
        public String word() { return "authenticated"; }
        public Reason reason() { return null; }
        public String detail() { return "signed by " + signer.keyId(); }
    }

    /** Validly signed, but the flag is false, absent, not a boolean, or its spellings disagree. */
    record SignedNotAuthenticated(TrustedBackupKey signer, Reason reason) implements SessionVerdict {
        public SignedNotAuthenticated {
            Objects.requireNonNull(signer, "signer");
            if (reason != Reason.FLAG_FALSE && reason != Reason.FLAG_CONFLICT) throw new IllegalArgumentException("reason " + reason);
        }
        public String word() { return "signed_not_authenticated"; }
        public String detail() { return reason == Reason.FLAG_CONFLICT ? "authenticated flag spellings disagree" : "authenticated flag is not true"; }
    }

    /** Usable as a key, but nothing vouches for where it came from. */
    record Unauthenticated(Reason reason, String detail) implements SessionVerdict {
        public Unauthenticated {
            if (reason != Reason.NO_SIGNING_KEY && reason != Reason.BACKUP_NOT_TRUSTED
                    && reason != Reason.SIGNATURE_MISSING && reason != Reason.SIGNATURE_INVALID) {
                throw new IllegalArgumentException("reason " + reason);
            }
        }
        public String word() { return "unauthenticated"; }
    }

    /** Not to be imported at all. */
    record Rejected(Reason reason, String detail) implements SessionVerdict {
        public Rejected {
            if (reason != Reason.DECRYPTION_FAILED && reason != Reason.SESSION_ID_MISMATCH) throw new IllegalArgumentException("reason " + reason);
        }
        public String word() { return "rejected"; }
    }
}
