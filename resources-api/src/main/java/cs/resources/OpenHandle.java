package cs.resources;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The handle of {@link MultiOpen#acquire()}'s default: its first close calls the MultiOpen's
 * {@code close()} once. The closed flag changes by compare-and-set, so concurrent closes release
 * the open once.
 */
final class OpenHandle implements MultiOpen.Handle {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(OpenHandle.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MultiOpen multiOpen;
    @SuppressWarnings("unused") // through CLOSED
    private volatile boolean closed;

    OpenHandle(MultiOpen multiOpen) {
        this.multiOpen = multiOpen;
    }

    @Override
    public MultiOpen multiOpen() {
        return multiOpen;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (CLOSED.compareAndSet(this, false, true)) {
            multiOpen.close();
        }
    }

    @Override
    public String toString() {
        return "Handle of " + multiOpen + (closed ? " (closed)" : "");
    }
}
