package cs.resources;

/**
 * The handle of {@link MultiOpen#acquire()}'s default: its first close calls the MultiOpen's
 * {@code close()} once. The flag is guarded by the handle's own monitor, which only its closes
 * take (and which the JIT removes with the handle when it does not escape), so concurrent closes
 * release the open once.
 */
final class OpenHandle implements MultiOpen.Handle {
    private final MultiOpen multiOpen;
    /** Guarded by this. */
    private boolean closed;

    OpenHandle(MultiOpen multiOpen) {
        this.multiOpen = multiOpen;
    }

    @Override
    public MultiOpen multiOpen() {
        return multiOpen;
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        multiOpen.close();
    }

    @Override
    public String toString() {
        return "Handle of " + multiOpen + (isClosed() ? " (closed)" : "");
    }
}
