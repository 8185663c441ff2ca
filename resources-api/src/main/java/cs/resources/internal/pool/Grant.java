package cs.resources.internal.pool;

/**
 * What {@link Core#acquire} gives a borrower: a {@link Slot} leased to it, or one of the
 * {@link Marker}s. A waiter's {@link Waiter#result} is one too.
 */
sealed interface Grant permits Slot, Grant.Marker {

    /** The answers that are not an object. */
    enum Marker implements Grant {
        /** Room under the cap is reserved for the borrower: it makes a new object ({@link Core#registerNew} or {@link Core#creationFailed}). */
        CREATE,
        /** No object without waiting, and the borrower would not wait ({@code tryInstance()}). */
        NONE,
        /** The pool was closed while the borrower waited. */
        CLOSED,
        /**
         * An unfair pool woke its first waiter instead of handing it an object: something may be
         * free; the waiter looks again (ahead of the queue, but not of newcomers).
         */
        RETRY
    }
}
