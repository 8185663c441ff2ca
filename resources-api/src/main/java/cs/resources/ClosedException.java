package cs.resources;

/**
 * An operation was attempted on something that is closed (the Python library's
 * {@code ClosedError}). The message names the object and the operation.
 */
public class ClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the object and the operation that was refused
     */
    public ClosedException(String message) {
        super(message);
    }
}
