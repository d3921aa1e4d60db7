package keybackup.workflow;

/**
 * A signer of a new AuthData ({@code enable}, {@code migrate}) does not match what the server publishes
 * for the account: refused before anything is written to the server or to Secret Storage.
 */
public final class SignerCheckException extends WorkflowException {
    private static final long serialVersionUID = 1L;

    /** Which check failed. */
    public enum Problem {
        /** The user id is not {@code @localpart:server}. */
        INVALID_USER_ID,
        /** The access token belongs to another user ({@code /account/whoami}). */
        NOT_TOKEN_OWNER,
        /** This device's id is not a valid device of the user on the server ({@code /keys/query}). */
        UNKNOWN_DEVICE,
        /** This device's private key is not the one the server publishes for that device id. */
        DEVICE_KEY_MISMATCH
    }

    /** Which check failed. */
    private final Problem problem;

    /**
     * A refused signer.
     *
     * @param problem which check failed
     * @param message one line: what does not match, and which option to check
     */
    public SignerCheckException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    /**
     * Which check failed, for callers and tests that must not parse the message.
     *
     * @return the failed check
     */
    public Problem problem() {
        return problem;
    }
}
