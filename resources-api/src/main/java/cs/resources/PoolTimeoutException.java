package cs.resources;

/**
 * No object of a {@link Pool} became available in time: the pool was at its cap
 * ({@link Pool.Builder#maxTotal(int)}) for as long as the borrower would wait. The message names
 * the pool, the cap, how many objects were in use and how many borrowers waited, and how long this
 * one waited. When the wait was ended by an interrupt, the cause is an
 * {@link InterruptedException} and the thread's interrupt flag is still set.
 */
public class PoolTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what timed out, and the pool's state
     * @param cause an {@link InterruptedException} if an interrupt ended the wait; else null
     */
    public PoolTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
