package cs.resources;

import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Opt-in detection of opens and leases that are never closed. Off by default; when off, it costs
 * an {@link AbstractMultiOpen#open()} or a {@link Pool#instance()} one read of a static flag and
 * nothing else. When on, every open of an {@link AbstractMultiOpen} and every lease from a
 * {@link Pool} records a {@link Holder}: the thread, the time and the stack of the call; the
 * matching close forgets it. Then:
 *
 * <ul>
 *   <li>a MultiOpen that becomes unreachable while opens are recorded, or a lease that becomes
 *       unreachable without having been closed, is reported as a {@link Leak}: logged as an error
 *       through {@link System.Logger} with the opener's stack, and passed to the
 *       {@link #onLeak(Consumer) leak listeners};</li>
 *   <li>{@link #held()} and {@link #holders(Object)} list what is held now, for instance at
 *       shutdown; the OSGi runtime and the {@code resources:opens -v} command show them.</li>
 * </ul>
 *
 * <p>Switch it on with the system property {@value #PROPERTY}{@code =true} (read once, when this
 * class loads), with {@link #setEnabled(boolean)}, or, in OSGi, with the configuration
 * {@code cs.resources.leaks}. The JUnit 5 extension {@code cs.resources.testing.LeakDetectionExtension}
 * fails a test that leaves an open or a lease behind.
 *
 * <p>A handle ({@link MultiOpen#acquire()}) and a lease are tracked by identity: closing one
 * forgets its own record, and one that becomes unreachable unclosed is reported with the stack that
 * made it. Plain opens ({@link MultiOpen#open()}) belong to nobody: a plain close forgets the latest
 * plain open recorded, whichever thread made it. Opens made while detection was off are not
 * recorded and their closes match nothing. Capturing a stack costs some microseconds: this is a
 * debugging aid.
 *
 * <p>Thread-safe. Holders live in concurrent maps; unreachable objects are found by a
 * {@link Cleaner} whose daemon thread starts the first time detection records something.
 */
public final class LeakDetection {

    /** The system property that switches detection on at start: {@code true} or {@code on}. */
    public static final String PROPERTY = "cs.resources.leakDetection";

    private static final System.Logger LOG = System.getLogger(LeakDetection.class.getName());
    private static final int MAX_FRAMES = 32;
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final Set<Class<?>> INTERNAL = Set.of(LeakDetection.class, AbstractMultiOpen.class, Pool.class,
            PoolLeaks.class, OpenableMultiOpen.class,
            OpenHandle.class, MultiOpen.class);

    /** {@link Holder#kind()} of a plain open of a MultiOpen. */
    static final String OPEN = "open";
    /** {@link Holder#kind()} of an open owned by a handle. */
    static final String HANDLE = "handle";

    /** Read on the hot paths of open() and instance(); written by setEnabled. */
    static volatile boolean enabled = parse(System.getProperty(PROPERTY));

    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Every holder recorded and not yet closed or reported, by sequence. */
    private static final Map<Long, Holder> LIVE = new ConcurrentHashMap<>();
    private static final CopyOnWriteArrayList<Consumer<? super Leak>> LISTENERS = new CopyOnWriteArrayList<>();

    private LeakDetection() {
    }

    /** The Cleaner, created (with its daemon thread) on first use. */
    private static final class Cleaners {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "cs.resources-leak-detection");
            t.setDaemon(true);
            return t;
        });
    }

    private static boolean parse(String value) {
        if (value == null) {
            return false;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1" -> true;
            default -> false;
        };
    }

    /** @return whether opens and leases are being recorded */
    public static boolean isEnabled() {
        return enabled;
    }

    /**
     * Switches recording on or off. Switching off forgets nothing already recorded: those holders
     * are still matched by their closes and reported if leaked.
     *
     * @param on whether to record opens and leases from now on
     */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /**
     * @return a number that {@link #heldSince(long)} takes: holders recorded after this call have
     *     a greater {@link Holder#sequence()}
     */
    public static long mark() {
        return SEQUENCE.get();
    }

    /** @return every open and lease recorded and not closed (or reported) yet, oldest first */
    public static List<Holder> held() {
        return sorted(LIVE.values());
    }

    /**
     * @param mark a value of {@link #mark()}
     * @return the holders recorded after {@code mark} and still held, oldest first
     */
    public static List<Holder> heldSince(long mark) {
        return sorted(LIVE.values().stream().filter(h -> h.sequence() > mark).toList());
    }

    /**
     * @param resource a MultiOpen (built on {@link AbstractMultiOpen}) or a {@link Pool}
     * @return its recorded opens or leases still held, oldest first; empty for anything else
     * @throws NullPointerException if {@code resource} is null
     */
    public static List<Holder> holders(Object resource) {
        Objects.requireNonNull(resource, "resource");
        Holders h = resource instanceof AbstractMultiOpen mo ? mo.recordedHolders()
                : resource instanceof Pool<?> p ? p.leakHolders() : null;
        return h == null ? List.of() : sorted(h.all());
    }

    /**
     * @param handle a handle from {@link AbstractMultiOpen#acquire()}
     * @return what was recorded when it was acquired, while it is not closed; empty if detection was
     *     off then, or for handles of other implementations
     * @throws NullPointerException if {@code handle} is null
     */
    public static java.util.Optional<Holder> holder(MultiOpen.Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (handle instanceof OpenHandle h && !h.isClosed()) {
            Holder holder = h.holder();
            if (holder != null && LIVE.containsKey(holder.sequence())) {
                return java.util.Optional.of(holder);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * @param listener called, in the Cleaner's thread, with each leak found; an exception it throws
     *     is logged
     * @return removes the listener
     * @throws NullPointerException if {@code listener} is null
     */
    public static Registration onLeak(Consumer<? super Leak> listener) {
        Objects.requireNonNull(listener, "listener");
        Consumer<? super Leak> own = listener::accept; // an identity of its own, for removal
        LISTENERS.add(own);
        return () -> LISTENERS.remove(own);
    }

    private static List<Holder> sorted(java.util.Collection<Holder> holders) {
        List<Holder> list = new ArrayList<>(holders);
        list.sort(Comparator.comparingLong(Holder::sequence));
        return List.copyOf(list);
    }

    // ------------------------------------------------------------------------- for the primitives

    /** Records a holder for {@code holders}, with the stack of the caller of our public method. */
    static Holder record(Holders holders, String kind) {
        List<StackTraceElement> stack = WALKER.walk(frames -> frames
                .dropWhile(f -> internal(f.getDeclaringClass()))
                .limit(MAX_FRAMES)
                .map(StackWalker.StackFrame::toStackTraceElement)
                .toList());
        Holder h = new Holder(SEQUENCE.incrementAndGet(), holders.resource, kind, Thread.currentThread().getName(),
                Instant.now(), stack);
        LIVE.put(h.sequence(), h);
        holders.add(h);
        return h;
    }

    /**
     * Whether a frame belongs to the machinery between the caller and the record: our primitives,
     * the per-bundle views of {@code cs.resources.osgi} and the proxies they serve.
     */
    private static boolean internal(Class<?> c) {
        return INTERNAL.contains(c) || c.getEnclosingClass() == Pool.class
                || c.getName().startsWith("cs.resources.internal.")
                || c.getName().startsWith("cs.resources.osgi.") || java.lang.reflect.Proxy.isProxyClass(c);
    }

    /** Forgets a holder that was closed. */
    static void release(Holders holders, Holder h) {
        if (h != null) {
            LIVE.remove(h.sequence());
            holders.remove(h);
        }
    }

    /** Registers {@code owner} so that, once it is unreachable, whatever {@code holders} still holds is a leak. */
    static Cleaner.Cleanable watch(Object owner, Holders holders) {
        return Cleaners.CLEANER.register(owner, () -> reportLeak(holders));
    }

    /** Registers a lease: if it becomes unreachable before {@code cleanable.clean()}, its holder leaked. */
    static Cleaner.Cleanable watchLease(Object lease, Holders holders, Holder holder) {
        return Cleaners.CLEANER.register(lease, () -> {
            if (LIVE.containsKey(holder.sequence())) {
                holders.remove(holder);
                LIVE.remove(holder.sequence());
                report(new Leak(holder.resource(), List.of(holder), holders.detail()));
            }
        });
    }

    /** The object became unreachable: its plain opens leaked (handles report their own). */
    private static void reportLeak(Holders holders) {
        List<Holder> leaked = holders.clear(h -> !HANDLE.equals(h.kind()));
        if (!leaked.isEmpty()) {
            report(new Leak(holders.resource, sorted(leaked), holders.detail()));
        }
    }

    private static void report(Leak leak) {
        LOG.log(Level.ERROR, leak::describe);
        for (Consumer<? super Leak> l : LISTENERS) {
            try {
                l.accept(leak);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "leak listener " + l + " threw", e);
            }
        }
    }

    /** The holders of one MultiOpen or Pool: what it has open or leased now. */
    static final class Holders {
        final String resource;
        /** The resource's state for a leak report (a pool: its cap, in use, waiting); null for none. */
        private final Supplier<String> detail;
        private final Map<Long, Holder> holders = new ConcurrentHashMap<>();

        Holders(String resource) {
            this(resource, null);
        }

        Holders(String resource, Supplier<String> detail) {
            this.resource = resource;
            this.detail = detail;
        }

        /** @return the resource's state now, for a report; "" if it has none or telling it failed */
        String detail() {
            if (detail == null) {
                return "";
            }
            try {
                return detail.get();
            } catch (RuntimeException e) {
                return "";
            }
        }

        void add(Holder h) {
            holders.put(h.sequence(), h);
        }

        void remove(Holder h) {
            holders.remove(h.sequence());
        }

        java.util.Collection<Holder> all() {
            return holders.values();
        }

        /** @return the latest holder of this kind; null if none */
        Holder latest(String kind) {
            Holder latest = null;
            for (Holder h : holders.values()) {
                if (h.kind().equals(kind) && (latest == null || h.sequence() > latest.sequence())) {
                    latest = h;
                }
            }
            return latest;
        }

        /**
         * Forgets every holder, here and among the live ones (a final close, a failed startup, a
         * leak reported).
         *
         * @return the holders forgotten
         */
        List<Holder> clear() {
            return clear(h -> true);
        }

        /** As {@link #clear()}, for the holders {@code which} accepts. */
        List<Holder> clear(java.util.function.Predicate<Holder> which) {
            List<Holder> all = new ArrayList<>();
            for (Map.Entry<Long, Holder> e : holders.entrySet()) {
                Holder h = e.getValue();
                if (which.test(h) && holders.remove(e.getKey(), h)) {
                    LIVE.remove(e.getKey());
                    all.add(h);
                }
            }
            return all;
        }
    }

    /**
     * One open of a MultiOpen, or one lease from a Pool, not closed yet.
     *
     * @param sequence unique, increasing: the order in which holders were recorded
     * @param resource what is held: the class and identity of the MultiOpen, or the pool's name
     * @param kind {@code "open"} (a plain open of a MultiOpen), {@code "handle"} (an open a handle
     *     owns) or {@code "lease"}
     * @param thread the name of the thread that opened or leased
     * @param since when
     * @param stack the stack of the call, from the caller of {@code open()} or {@code instance()}
     */
    public record Holder(long sequence, String resource, String kind, String thread, Instant since,
            List<StackTraceElement> stack) {

        /**
         * @param sequence unique, increasing: the order in which holders were recorded
         * @param resource what is held: the class and identity of the MultiOpen, or the pool's name
         * @param kind {@code "open"} or {@code "lease"}
         * @param thread the name of the thread that opened or leased
         * @param since when
         * @param stack the stack of the call, from the caller of {@code open()} or {@code instance()}
         * @throws NullPointerException if a reference argument is null
         */
        public Holder {
            Objects.requireNonNull(resource, "resource");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(thread, "thread");
            Objects.requireNonNull(since, "since");
            stack = List.copyOf(stack);
        }

        /** @return the frame that opened or leased, e.g. {@code com.acme.Dao.find(Dao.java:42)}; "?" if unknown */
        public String opener() {
            return stack.isEmpty() ? "?" : stack.get(0).toString();
        }

        /** @return a multi-line description: what, by which thread, when, and the stack */
        public String describe() {
            return kind + " of " + resource + " by thread \"" + thread + "\" at " + since + "\n"
                    + stack.stream().map(f -> "\tat " + f).collect(Collectors.joining("\n"));
        }
    }

    /**
     * Opens or leases found held by something that became unreachable.
     *
     * @param resource what was held
     * @param holders the opens or leases that were never closed
     * @param detail the resource's state when the leak was found, or "": for a pool its cap, the
     *     objects in use and idle, and the borrowers waiting (a leaked lease keeps its object in
     *     use for good, so a capped pool that leaks makes its borrowers wait)
     */
    public record Leak(String resource, List<Holder> holders, String detail) {

        /**
         * @param resource what was held
         * @param holders the opens or leases that were never closed
         * @param detail the resource's state, or ""
         * @throws NullPointerException if an argument is null
         */
        public Leak {
            Objects.requireNonNull(resource, "resource");
            Objects.requireNonNull(detail, "detail");
            holders = List.copyOf(holders);
        }

        /**
         * A leak without a state to report.
         *
         * @param resource what was held
         * @param holders the opens or leases that were never closed
         * @throws NullPointerException if an argument is null
         */
        public Leak(String resource, List<Holder> holders) {
            this(resource, holders, "");
        }

        /** @return a report naming the resource (and its state) and, for each holder, its thread, time and stack */
        public String describe() {
            return "LEAK: " + resource + " became unreachable with " + holders.size()
                    + (holders.size() == 1 ? " open or lease" : " opens or leases") + " never closed"
                    + (detail.isEmpty() ? "" : " (" + resource + " now: " + detail + ")") + ":\n"
                    + holders.stream().map(Holder::describe).collect(Collectors.joining("\n"));
        }
    }
}
