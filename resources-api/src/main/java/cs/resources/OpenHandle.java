package cs.resources;

import java.lang.ref.Cleaner;

/**
 * The one handle of {@link MultiOpen#acquire()}, for every MultiOpen: it owns one open, and its
 * first close releases it, once. The flag is guarded by the handle's own monitor, which only its
 * closes and {@link #isClosed()} take: concurrent closes release the open once. When the handle
 * does not escape the method that acquired it (try-with-resources), the JIT removes both the
 * handle and the monitor (lock elision on a non-escaping object); a compare-and-set on a field of
 * the handle would keep it on the heap.
 *
 * <p>For an {@link AbstractMultiOpen} the close is {@code closeHandle()} (which leaves the plain
 * opens recorded by leak detection alone), and with leak detection on the handle carries its
 * holder and is watched by the Cleaner: one that becomes unreachable unclosed is reported. For any
 * other MultiOpen (the interface's default {@code acquire()}) it calls {@code close()} once.
 */
final class OpenHandle implements MultiOpen.Handle {
    private final MultiOpen multiOpen;
    /** Guarded by this. */
    private boolean closed;
    /** Set by {@link #track} when leak detection records this handle; else null. */
    private LeakDetection.Holders holders;
    private LeakDetection.Holder holder;
    private Cleaner.Cleanable cleanable;

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
        if (holder != null) {
            LeakDetection.release(holders, holder);
            cleanable.clean();
        }
        if (multiOpen instanceof AbstractMultiOpen a) {
            a.closeHandle();
        } else {
            multiOpen.close();
        }
    }

    /** Records this handle with leak detection, and watches it. */
    void track(LeakDetection.Holders h) {
        holders = h;
        holder = LeakDetection.record(h, LeakDetection.HANDLE);
        cleanable = LeakDetection.watchLease(this, h, holder);
    }

    /** @return what leak detection recorded for this handle; null if nothing */
    LeakDetection.Holder holder() {
        return holder;
    }

    @Override
    public String toString() {
        return "Handle of " + multiOpen + (isClosed() ? " (closed)" : "");
    }
}
