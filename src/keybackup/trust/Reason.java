package keybackup.trust;

import java.util.Locale;

/** The reasons of the per-session verdicts (the audit contract, protocol.md §10.7); wire form in lower case. */
public enum Reason {
    /** Rejected: the entry could not be decrypted into a usable SessionData (or its mac failed unforgiven). */
    DECRYPTION_FAILED,
    /** Rejected: the Megolm key inside does not belong to the session id it is stored under. */
    SESSION_ID_MISMATCH,
    /** Unauthenticated: the AuthData has no well-formed signing key (absent, malformed or conflicting). */
    NO_SIGNING_KEY,
    /** Unauthenticated: the AuthData names a signing key but is not signed by a trusted key. */
    BACKUP_NOT_TRUSTED,
    /** Unauthenticated: no signature under {@code ed25519:<signing key>}. */
    SIGNATURE_MISSING,
    /** Unauthenticated: a signature under that key id that does not verify. */
    SIGNATURE_INVALID,
    /** Signed but not authenticated: the flag is absent, false, or not a boolean. */
    FLAG_FALSE,
    /** Signed but not authenticated: the flag's spellings disagree. */
    FLAG_CONFLICT;

    /**
     * Gives the word reports and the audit JSON use for this reason.
     *
     * @return the constant's name in lower case, e.g. {@code signature_missing}
     */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
