package cs.resources;

/**
 * Carries a checked exception out of a startup or a shutdown (see {@link AbstractMultiOpen}); the
 * original exception is the {@linkplain #getCause() cause}. Unchecked exceptions and errors are
 * never wrapped: they reach the caller as they were thrown.
 */
public class LifecycleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the object and the phase (startup or shutdown) that failed
     * @param cause the checked exception that startup or shutdown threw
     */
    public LifecycleException(String message, Throwable cause) {
        super(message, cause);
    }
}
