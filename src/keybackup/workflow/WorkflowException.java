package keybackup.workflow;

/** A workflow could not go on: the message says why and what was left as it was. */
public class WorkflowException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * A stop with no underlying failure: the account's state or the input refused the workflow.
     *
     * @param message one line: why, what was left as it was, and what to do next; never key material
     */
    public WorkflowException(String message) {
        super(message);
    }

    /**
     * A stop caused by another failure, kept as the cause (for example the {@code StoreException} of a
     * server that did not answer).
     *
     * @param message one line: why, what was left as it was, and what to do next; never key material
     * @param cause the failure that stopped the workflow
     */
    public WorkflowException(String message, Throwable cause) {
        super(message, cause);
    }
}
