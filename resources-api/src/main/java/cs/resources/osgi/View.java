package cs.resources.osgi;

import cs.resources.ClosedException;
import cs.resources.CloseOption;
import cs.resources.LeakDetection;
import cs.resources.MultiOpen;
import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * One consumer bundle's view of a shared MultiOpen: the invocation handler of the proxy that the
 * bundle receives as the service object. Every open the bundle makes through the view is a
 * {@link MultiOpen.Handle} of the shared object, kept here; a close releases the latest of them
 * (a handle the view gave out releases exactly its own), so a bundle's closes never release
 * another bundle's opens. When the framework releases the service for the bundle, the handles
 * still held are closed for it (in the background), with one warning.
 *
 * <p>Every other method is forwarded to the shared object, in the caller's thread. Plain Java: the
 * bundle is known by its id and name only, so that the ownership rules are tested without a
 * framework. Thread-safe: {@link #lock} guards the handles and the state; it is never held while
 * the shared object's code runs.
 */
final class View implements InvocationHandler {

    /** Told when a detached view's bundle has closed its last open itself. */
    @FunctionalInterface
    interface IdleListener {
        void idle(View view);
    }

    private static final System.Logger LOG = System.getLogger(MultiOpenServices.class.getName());

    /** The bundle may use the view; the service is registered. */
    static final int ACTIVE = 0;
    /** The service was unregistered (its provider went away): opens are kept, closes go on. */
    static final int DETACHED = 1;
    /** The framework released the service for the bundle: its opens were closed for it. */
    static final int RELEASED = 2;

    private final IdleListener service;
    private final long bundleId;
    private final String bundleName;
    /** The bundle, as messages name it: {@code symbolic.name [id]}. */
    private final String bundle;
    private final MultiOpen shared;
    /** The proxy this handler serves; set once, right after the proxy is made. */
    private volatile Object proxy;

    private final Object lock = new Object();
    /** The opens this bundle holds, oldest first. Guarded by lock. */
    private final Deque<MultiOpen.Handle> handles = new ArrayDeque<>();
    /** ACTIVE, DETACHED or RELEASED. Guarded by lock. */
    private int state = ACTIVE;
    /** Whether this bundle ever opened through this view. Guarded by lock. */
    private boolean everOpened;

    View(IdleListener service, long bundleId, String bundleName, MultiOpen shared) {
        this.service = service;
        this.bundleId = bundleId;
        this.bundleName = bundleName;
        this.bundle = bundleName + " [" + bundleId + "]";
        this.shared = shared;
    }

    void proxy(Object p) {
        proxy = p;
    }

    long bundleId() {
        return bundleId;
    }

    /** @return the bundle's symbolic name */
    String bundleName() {
        return bundleName;
    }

    /** @return the bundle, as messages name it */
    String bundle() {
        return bundle;
    }

    MultiOpen shared() {
        return shared;
    }

    /** @return how many opens the bundle holds now */
    int opens() {
        synchronized (lock) {
            return handles.size();
        }
    }

    /** @return what leak detection recorded for the opens held (empty while it is off) */
    List<LeakDetection.Holder> holders() {
        List<MultiOpen.Handle> held;
        synchronized (lock) {
            held = List.copyOf(handles);
        }
        List<LeakDetection.Holder> result = new ArrayList<>();
        for (MultiOpen.Handle h : held) {
            LeakDetection.holder(h).ifPresent(result::add);
        }
        return result;
    }

    int state() {
        synchronized (lock) {
            return state;
        }
    }

    // ------------------------------------------------------------------------------- the proxy

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        int n = args == null ? 0 : args.length;
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> self == args[0];
                case "hashCode" -> System.identityHashCode(self);
                default -> String.valueOf(shared); // toString: the shared object's, as consumers expect
            };
        }
        if (n == 0) {
            switch (name) {
                case "open":
                    open();
                    return self;
                case "close":
                    close();
                    return null;
                case "acquire":
                    return acquire();
                default:
                    break;
            }
        } else if (n == 1 && name.equals("close") && method.getParameterTypes()[0] == CloseOption[].class) {
            close((CloseOption[]) args[0]);
            return null;
        }
        try {
            return method.invoke(shared, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Opens the shared object for this bundle. */
    private void open() {
        MultiOpen.Handle h = shared.acquire();
        if (!keep(h)) {
            h.close();
            throw released("open()");
        }
    }

    private MultiOpen.Handle acquire() {
        MultiOpen.Handle h = shared.acquire();
        if (!keep(h)) {
            h.close();
            throw released("acquire()");
        }
        return new ViewHandle(h);
    }

    /** @return false if the view was released, in which case the bundle may not open any more */
    private boolean keep(MultiOpen.Handle h) {
        synchronized (lock) {
            if (state == RELEASED) {
                return false;
            }
            handles.addLast(h);
            everOpened = true;
            return true;
        }
    }

    private ClosedException released(String operation) {
        return new ClosedException(operation + " of " + shared + " by bundle " + bundle
                + ": the service was released for this bundle");
    }

    private void close() {
        MultiOpen.Handle h;
        int s;
        boolean opened;
        boolean idle;
        synchronized (lock) {
            h = handles.pollLast();
            s = state;
            opened = everOpened;
            idle = h != null && s == DETACHED && handles.isEmpty();
        }
        if (h != null) {
            try {
                h.close();
            } finally {
                if (idle) {
                    service.idle(this);
                }
            }
            return;
        }
        if (s == RELEASED) {
            return; // its opens were closed for it when the service was released
        }
        if (!opened) {
            throw new IllegalStateException("close before open: bundle " + bundle
                    + " never opened " + shared);
        }
        if (LOG.isLoggable(Level.WARNING)) {
            LOG.log(Level.WARNING, "extra close of " + shared + " by bundle " + bundle
                    + " ignored: the bundle holds no open of it (other bundles' opens are untouched)");
        }
    }

    private void close(CloseOption[] options) {
        Objects.requireNonNull(options, "options");
        boolean enforceFinal = false;
        boolean unopenedOk = false;
        for (CloseOption option : options) {
            switch (Objects.requireNonNull(option, "options contains null")) {
                case ENFORCE_FINAL_CLOSE -> enforceFinal = true;
                case UNOPENED_OK -> unopenedOk = true;
            }
        }
        boolean opened;
        synchronized (lock) {
            opened = everOpened;
        }
        if (!opened && unopenedOk) {
            return;
        }
        close();
        if (enforceFinal) {
            int remaining = shared.openCount();
            if (remaining > 0) {
                throw new IllegalStateException("close of " + shared + " by bundle " + bundle
                        + " with ENFORCE_FINAL_CLOSE was not the final close: " + remaining
                        + (remaining == 1 ? " open remains" : " opens remain") + " " + Arrays.toString(options));
            }
        }
    }

    // ----------------------------------------------------------------------- framework events

    /** The service was unregistered: the bundle keeps its opens, to close them itself. */
    void detach() {
        synchronized (lock) {
            if (state == ACTIVE) {
                state = DETACHED;
            }
        }
    }

    /**
     * The framework released the service for the bundle, or the bundle went away: takes the opens
     * it still holds, to close them for it.
     *
     * @return the handles to close, oldest first; empty if none (or already released)
     */
    List<MultiOpen.Handle> release() {
        synchronized (lock) {
            if (state == RELEASED) {
                return List.of();
            }
            state = RELEASED;
            List<MultiOpen.Handle> left = List.copyOf(handles);
            handles.clear();
            return left;
        }
    }

    /** A handle given out by {@link #acquire()}: its close releases exactly its own open. */
    private final class ViewHandle implements MultiOpen.Handle {
        private final MultiOpen.Handle inner;

        ViewHandle(MultiOpen.Handle inner) {
            this.inner = inner;
        }

        @Override
        public MultiOpen multiOpen() {
            return (MultiOpen) proxy;
        }

        @Override
        public boolean isClosed() {
            return inner.isClosed();
        }

        @Override
        public void close() {
            boolean mine;
            boolean idle;
            synchronized (lock) {
                mine = removeIdentical(handles, inner);
                idle = mine && state == DETACHED && handles.isEmpty();
            }
            if (mine) {
                try {
                    inner.close();
                } finally {
                    if (idle) {
                        service.idle(View.this);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "Handle of " + shared + " for bundle " + bundle + (isClosed() ? " (closed)" : "");
        }
    }

    private static boolean removeIdentical(Deque<MultiOpen.Handle> handles, MultiOpen.Handle h) {
        for (Iterator<MultiOpen.Handle> it = handles.descendingIterator(); it.hasNext(); ) {
            if (it.next() == h) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "view for bundle " + bundle;
    }
}
