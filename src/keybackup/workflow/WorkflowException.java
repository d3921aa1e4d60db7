package keybackup.workflow;

/** A workflow could not go on: the message says why and what was left as it was. */
public class WorkflowException extends Exception {
    private static final long serialVersionUID = 1L;

    public WorkflowException(String message) {
        super(message);
    }

    public WorkflowException(String message, Throwable cause) {
        super(message, cause);
    }
}
