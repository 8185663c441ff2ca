package cs.resources.osgi.internal;

import cs.resources.ClosedException;
import cs.resources.CloseOption;
import cs.resources.internal.CloseOptions;
import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * One consumer bundle's view of a shared MultiOpen: the base class of the view classes that
 * {@link ViewClasses} generates, one per set of service interfaces. A generated class implements
 * the interfaces and forwards each of their methods to the shared object with a plain
 * {@code invokeinterface} (no reflection, no boxing, no argument array); this class holds what
 * a view adds, the bundle's opens.
 *
 * <h2>The bundle's opens: one count</h2>
 * A view counts the opens its bundle makes in one int, {@link #state}, with two flags:
 * {@code DETACHED} (the service was unregistered: closes go on, opens are refused) and
 * {@code RELEASED} (the framework released the service for the bundle: its opens were closed for
 * it; every later close does nothing, opens are refused). While its count is above zero, the
 * view holds exactly one open of the shared object: the bundle's first open opens the shared
 * object, its last close closes it, and every other open and close is one compare-and-set of the
 * count. So the shared object's own count has one open per bundle that holds any, and its
 * startup and shutdown rules (one startup, waits, failures) are the shared object's; what the
 * bundles hold in all is {@link #openCount(MultiOpen, Iterable)}.
 *
 * <p>The view's open of the shared object is a handle ({@link MultiOpen#acquire()}), kept in
 * {@link #handles}: an open that a handle owns is the view's, which the shared object's owner
 * cannot release by mistake. With {@link LeakDetection} on when the view is made, every open of
 * the bundle is a handle of its own, so that the release warning and the listing can say where
 * each was made; the count is kept the same way.
 *
 * <p>Thread-safe without a lock: the count and flags change only by compare-and-set (or an atomic
 * or of a flag), and no code of the shared object runs inside a retry that could repeat it. An
 * open that finds the view detached or released throws before it touches the shared object, so
 * no startup runs for it.
 */
public abstract class View implements MultiOpen {

    private static final System.Logger LOG = System.getLogger("cs.resources.osgi.MultiOpenServices");

    /** The framework released the service for the bundle: its opens were closed for it. */
    static final int RELEASED = 1 << 31;
    /** The service was unregistered while the bundle used it: closes go on, opens are refused. */
    static final int DETACHED = 1 << 30;
    /** The bundle opened through this view at least once (so a close without opens is an extra one). */
    static final int OPENED = 1 << 29;
    /** The bundle's open count, in the low bits. */
    static final int COUNT = OPENED - 1;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(View.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What a view tells its publication, and asks it. */
    public interface Owner {
        /**
         * A detached view's bundle closed its last open, or held none when it was detached.
         *
         * @param view the view, done with
         */
        void idle(View view);

        /** @return the shared object's opens as its users see them ({@link View#openCount(MultiOpen, Iterable)}) */
        int openCount();

        /** @return the provider, as messages name it */
        String provider();
    }

    /** The count and flags: changed by compare-and-set only. */
    private volatile int state;

    private final Owner service;
    private final long bundleId;
    private final String bundleName;
    /** The bundle, as messages name it: {@code symbolic.name [id]}. */
    private final String bundle;
    /** The shared object. */
    protected final MultiOpen shared;
    /** Whether each open of the bundle is a handle of its own (leak detection was on), not one for all. */
    private final boolean eachRecorded;
    /**
     * The opens of the shared object the view holds, as handles: one while the bundle holds any (or,
     * with {@link #eachRecorded}, one per open of the bundle's), and, for a moment, those of opens
     * that are being made or given back. A handle is added before the count that needs it and taken
     * after the count that gave it up, so a close that takes one always finds one.
     */
    private final ConcurrentLinkedDeque<MultiOpen.Handle> handles = new ConcurrentLinkedDeque<>();

    /**
     * @param service the publication this view belongs to
     * @param bundleId the consumer bundle's id
     * @param bundleName its symbolic name
     * @param shared the shared object
     */
    protected View(Owner service, long bundleId, String bundleName, MultiOpen shared) {
        this.service = service;
        this.bundleId = bundleId;
        this.bundleName = bundleName;
        this.bundle = bundleName + " [" + bundleId + "]";
        this.shared = shared;
        this.eachRecorded = LeakDetection.isEnabled();
    }

    // ------------------------------------------------------------------------------ the bundle's opens

    /**
     * Opens the shared object for this bundle.
     *
     * @return this view
     * @throws ClosedException if the view was detached (its provider went away) or released, before
     *     anything else happens
     */
    @Override
    public final MultiOpen open() {
        int s = state;
        int n = s & COUNT;
        if (n != 0 && n != COUNT && (s & (RELEASED | DETACHED)) == 0 && !eachRecorded
                && STATE.compareAndSet(this, s, s + 1)) {
            return this; // the common path: the view already holds the shared object open
        }
        openSlow("open()");
        return this;
    }

    private void openSlow(String operation) {
        if (!eachRecorded) {
            for (;;) {
                int s = state;
                refuseIfClosed(s, operation);
                int n = s & COUNT;
                if (n == 0) {
                    break;
                }
                if (n == COUNT) {
                    throw refusal(s, operation);
                }
                if (STATE.compareAndSet(this, s, s + 1)) {
                    return;
                }
            }
        } else {
            refuseIfClosed(state, operation);
        }
        // The bundle's first open (or, recorded, any open): an open of the shared object, owned by
        // the view, which may run its startup, or wait for one, in this thread.
        MultiOpen.Handle h = shared.acquire();
        handles.addLast(h);
        for (;;) {
            int s = state;
            if ((s & (RELEASED | DETACHED)) != 0 || (s & COUNT) == COUNT) {
                // Released, detached or full meanwhile: the open is not the bundle's to keep.
                RuntimeException refused = refusal(s, operation);
                try {
                    giveBack(h);
                } catch (RuntimeException e) {
                    refused.addSuppressed(e);
                }
                throw refused;
            }
            if (STATE.compareAndSet(this, s, (s + 1) | OPENED)) {
                if (!eachRecorded && (s & COUNT) != 0) {
                    giveBack(h); // another thread of the bundle took the view's open meanwhile
                }
                return;
            }
        }
    }

    /**
     * Closes an open of the shared object that {@code h} was added for and that no count needs: if a
     * close took {@code h} meanwhile, the handle it left is this one's to close instead.
     */
    private void giveBack(MultiOpen.Handle h) {
        if (handles.removeLastOccurrence(h)) {
            h.close();
        } else {
            MultiOpen.Handle other = handles.pollLast();
            if (other != null) {
                other.close();
            } // else the view was released: the release closed them all
        }
    }

    private void refuseIfClosed(int s, String operation) {
        if ((s & (RELEASED | DETACHED)) != 0) {
            throw refusal(s, operation);
        }
    }

    /** @return why an open is refused in state {@code s}: released, detached, or too many opens */
    private RuntimeException refusal(int s, String operation) {
        if ((s & RELEASED) != 0) {
            return new ClosedException(operation + " of " + shared + " by bundle " + bundle
                    + ": the service was released for this bundle (get it again)");
        }
        if ((s & DETACHED) != 0) {
            return new ClosedException(operation + " of " + shared + " by bundle " + bundle + ": its provider "
                    + service.provider() + " unregistered the service; this bundle may close what it holds, not open");
        }
        return new IllegalStateException(operation + " of " + shared + " by bundle " + bundle + ": the bundle holds "
                + COUNT + " opens, the most a view counts");
    }

    /**
     * Releases one of this bundle's opens; its last one lets go of the view's open of the shared
     * object (which may run the shared object's shutdown, in this thread). A close without an
     * open of the bundle's releases nothing of another bundle's: it logs a warning (or, if the
     * bundle never opened, throws "close before open"). After the view was released, closes do
     * nothing (the opens were closed for the bundle).
     */
    @Override
    public final void close() {
        int s = state;
        if ((s & COUNT) > 1 && (s & RELEASED) == 0 && !eachRecorded && STATE.compareAndSet(this, s, s - 1)) {
            return; // the common path: not the bundle's last open
        }
        closeSlow();
    }

    private void closeSlow() {
        for (;;) {
            int s = state;
            if ((s & RELEASED) != 0) {
                return; // its opens were closed for it when the service was released
            }
            int n = s & COUNT;
            if (n == 0) {
                extraClose(s);
                return;
            }
            if (STATE.compareAndSet(this, s, s - 1)) {
                try {
                    if (eachRecorded || n == 1) {
                        MultiOpen.Handle h = handles.pollLast(); // found: see handles
                        if (h != null) {
                            h.close(); // the open this close gave up (the bundle's last: the view's)
                        }
                    }
                } finally {
                    if (n == 1 && (s & DETACHED) != 0) {
                        service.idle(this);
                    }
                }
                return;
            }
        }
    }

    private void extraClose(int s) {
        if ((s & OPENED) == 0) {
            throw new IllegalStateException("close before open: bundle " + bundle + " never opened " + shared);
        }
        if (LOG.isLoggable(Level.WARNING)) {
            LOG.log(Level.WARNING, "extra close of " + shared + " by bundle " + bundle
                    + " ignored: the bundle holds no open of it (other bundles' opens are untouched)");
        }
    }

    /**
     * As {@link #close()}, with {@link CloseOption#UNOPENED_OK} (nothing happens if this bundle
     * never opened through its view) and {@link CloseOption#ENFORCE_FINAL_CLOSE} (throws, after
     * the close, if opens of the shared object remain: this bundle's or another's).
     */
    @Override
    public final void close(CloseOption... options) {
        int bits = CloseOptions.parse(options); // the same checks and messages as AbstractMultiOpen's
        if (CloseOptions.unopenedOk(bits) && (state & OPENED) == 0) {
            return;
        }
        close();
        if (CloseOptions.enforceFinal(bits)) {
            int remaining = service.openCount();
            if (remaining > 0) {
                throw new IllegalStateException("close of " + shared + " by bundle " + bundle
                        + " with ENFORCE_FINAL_CLOSE was not the final close: " + remaining
                        + (remaining == 1 ? " open remains" : " opens remain") + " " + Arrays.toString(options));
            }
        }
    }

    /**
     * Opens as {@link #open()} does; the handle's first close releases that one open of this
     * bundle's.
     */
    @Override
    public final Handle acquire() {
        int s = state;
        int n = s & COUNT;
        if (!(n != 0 && n != COUNT && (s & (RELEASED | DETACHED)) == 0 && !eachRecorded
                && STATE.compareAndSet(this, s, s + 1))) {
            openSlow("acquire()");
        }
        return new ViewHandle(this);
    }

    // ------------------------------------------------------------------------------- forwarded

    @Override
    public final boolean isOpen() {
        return shared.isOpen();
    }

    @Override
    public final boolean isClosed() {
        return shared.isClosed();
    }

    /** @return the opens of the shared object as its users see them: every bundle's, counted one by one */
    @Override
    public final int openCount() {
        return service.openCount();
    }

    @Override
    public final Optional<Throwable> lastStartupFailure() {
        return shared.lastStartupFailure();
    }

    @Override
    public final void join() {
        shared.join();
    }

    @Override
    public final boolean join(Duration timeout) {
        return shared.join(timeout);
    }

    /** @return the shared object's {@code toString()}, as consumers expect of the service */
    @Override
    public String toString() {
        return String.valueOf(shared);
    }

    // ------------------------------------------------------------------------- for the publication

    /**
     * @param shared a shared object
     * @param views the views of it that may hold opens
     * @return its opens as its users see them: its own count, in which a view holding opens counts
     *     once, with each view's opens counted one by one instead (never below 0)
     */
    static int openCount(MultiOpen shared, Iterable<View> views) {
        int count = shared.openCount();
        for (View v : views) {
            count += v.opens() - v.sharedOpens();
        }
        return Math.max(count, 0);
    }

    final long bundleId() {
        return bundleId;
    }

    /** @return the bundle's symbolic name */
    final String bundleName() {
        return bundleName;
    }

    /** @return the bundle, as messages name it */
    final String bundle() {
        return bundle;
    }

    final MultiOpen shared() {
        return shared;
    }

    /** @return how many opens the bundle holds now */
    final int opens() {
        return state & COUNT;
    }

    /** @return how many opens of the shared object this view holds now for its bundle */
    final int sharedOpens() {
        int n = state & COUNT;
        return eachRecorded ? n : n > 0 ? 1 : 0;
    }

    /** @return what leak detection recorded of the opens held (empty when it was off) */
    final List<LeakDetection.Holder> holders() {
        List<LeakDetection.Holder> result = new ArrayList<>();
        if (eachRecorded) {
            for (MultiOpen.Handle h : handles) {
                LeakDetection.holder(h).ifPresent(result::add);
            }
        }
        return result;
    }

    /**
     * The service was unregistered (its provider went away): the bundle keeps its opens and may
     * close them; new opens are refused.
     *
     * @return whether the bundle holds no open now (the view is then idle for good)
     */
    final boolean detach() {
        int old = (int) STATE.getAndBitwiseOr(this, DETACHED);
        return (old & RELEASED) == 0 && (old & COUNT) == 0;
    }

    /** What the bundle held when its view was released: to be closed for it. */
    record Left(int opens, List<MultiOpen.Handle> handles, List<LeakDetection.Holder> where) {
    }

    /**
     * The framework released the service for the bundle, or the bundle went away: from now on
     * opens are refused and closes do nothing.
     *
     * @return what the bundle still held (to be closed for it by {@link #closeLeft}); null if the
     *     view was released before
     */
    final Left release() {
        int old = (int) STATE.getAndBitwiseOr(this, RELEASED);
        if ((old & RELEASED) != 0) {
            return null;
        }
        List<MultiOpen.Handle> left = new ArrayList<>();
        for (MultiOpen.Handle h; (h = handles.pollFirst()) != null; ) {
            left.add(h);
        }
        List<LeakDetection.Holder> where = new ArrayList<>();
        for (MultiOpen.Handle h : left) {
            LeakDetection.holder(h).ifPresent(where::add);
        }
        return new Left(old & COUNT, left, where);
    }

    /** Closes what {@link #release()} took: the view's opens of the shared object. */
    final void closeLeft(Left left) {
        RuntimeException first = null;
        for (MultiOpen.Handle h : left.handles()) {
            try {
                h.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** A handle from {@link View#acquire()}: its first close releases one open of the bundle's. */
    private static final class ViewHandle implements MultiOpen.Handle {
        private final View view;
        /** Guarded by this (which the JIT removes with the handle when it does not escape). */
        private boolean closed;

        ViewHandle(View view) {
            this.view = view;
        }

        @Override
        public MultiOpen multiOpen() {
            return view;
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
            view.close();
        }

        @Override
        public String toString() {
            return "Handle of " + view.shared + " for bundle " + view.bundle + (isClosed() ? " (closed)" : "");
        }
    }
}
