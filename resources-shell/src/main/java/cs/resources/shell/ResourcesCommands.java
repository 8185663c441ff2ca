package cs.resources.shell;

import cs.resources.LeakDetection;
import cs.resources.Pool;
import cs.resources.RunState;
import cs.resources.runtime.MultiOpenInfo;
import cs.resources.runtime.PoolInfo;
import cs.resources.runtime.Printable;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.runtime.RunStateInfo;
import cs.resources.runtime.RunStateTree;
import cs.resources.runtime.TaskService;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@code resources:} commands. They ask the runtime and the task service, which hold the data
 * and make the decisions, and print what they get: an aligned table, or with {@code -p} plain
 * tab-separated rows without a header for scripts. They print rather than return, because Karaf's
 * batch client shows only what a command prints. Names are escaped before printing.
 */
// Immediate: Karaf's console gets a command service for each call and releases it after, which
// would activate and deactivate a delayed component around every command.
@Component(service = ResourcesCommands.class, immediate = true)
@GogoCommand(scope = "resources", function = {"cancel", "evict", "opens", "pause", "pools", "resize", "resume", "run",
    "runstates"})
public final class ResourcesCommands {

    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private final ResourcesRuntime runtime;
    private final TaskService tasks;
    /** Gives {@code run} a session for its closure in the Felix Gogo shell (see {@link TaskSession}). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile CommandProcessor processor;

    @Activate
    public ResourcesCommands(@Reference(name = "runtime") ResourcesRuntime runtime,
            @Reference(name = "tasks") TaskService tasks) {
        this.runtime = runtime;
        this.tasks = tasks;
    }

    @Descriptor("list the RunStates that have not ended, children under their parent: id, name, state,"
            + " bundle, start time, run time, progress, time left, message")
    public void runstates(
            @Descriptor("also list ended RunStates and recently dropped ones, with what failed their last run")
            @Parameter(names = {"-a", "--all"}, presentValue = "true", absentValue = "false") boolean all,
            @Descriptor("plain output for scripts: tab-separated, no header, ISO-8601 times, durations in seconds;"
                    + " columns id, name, state, bundle, started, run time, done, total, time left, parent id,"
                    + " message, failure (- for none)")
            @Parameter(names = {"-p", "--plain"}, presentValue = "true", absentValue = "false") boolean plain) {
        print(runStateTable(runtime.runStates(all), all, plain), plain);
    }

    @Descriptor("cancel RunStates by id or by name (a name cancels every live RunState of that name), and"
            + " with each its live children; an unknown id or name is an error and nothing is cancelled")
    public void cancel(@Descriptor("ids or names of live RunStates") String... idsOrNames) {
        report("cancelled", runtime.cancel(Arrays.asList(idsOrNames)), true);
    }

    @Descriptor("pause running RunStates by id or by name (a name pauses every live RunState of that name);"
            + " the task waits where it checks for a pause; an unknown id or name, or one not running, is an"
            + " error and nothing is paused")
    public void pause(@Descriptor("ids or names of running RunStates") String... idsOrNames) {
        report("paused", runtime.pause(Arrays.asList(idsOrNames)), false);
    }

    @Descriptor("resume paused RunStates by id or by name (a name resumes every live RunState of that name);"
            + " an unknown id or name, or one not paused, is an error and nothing is resumed")
    public void resume(@Descriptor("ids or names of paused RunStates") String... idsOrNames) {
        report("resumed", runtime.resume(Arrays.asList(idsOrNames)), false);
    }

    /**
     * Prints one line per RunState that {@code what} happened to; with {@code children}, also one
     * per live child of each (a cancel cancels them), naming its parent.
     */
    private static void report(String what, List<RunStateInfo> infos, boolean children) {
        PrintStream out = System.out;
        Set<Long> printed = new HashSet<>();
        infos.forEach(i -> printed.add(i.id()));
        for (RunStateInfo info : infos) {
            out.println(what + " " + info.id() + " " + Printable.escape(info.name()) + " (" + info.state() + ")");
            if (children) {
                for (RunStateInfo child : RunStateTree.descendants(info)) {
                    if (printed.add(child.id())) {
                        out.println(what + " " + child.id() + " " + Printable.escape(child.name()) + " ("
                                + child.state() + "), child of " + child.parentId());
                    }
                }
            }
        }
    }

    @Descriptor("list the MultiOpen services: service id, class, bundle, open count, phase, and the opens of each"
            + " consumer bundle")
    public void opens(
            @Descriptor("plain output for scripts: tab-separated, no header")
            @Parameter(names = {"-p", "--plain"}, presentValue = "true", absentValue = "false") boolean plain,
            @Descriptor("also show who holds each one open (recorded while leak detection is on)")
            @Parameter(names = {"-v", "--verbose"}, presentValue = "true", absentValue = "false") boolean verbose) {
        Table t = new Table("#SERVICE", "CLASS", "BUNDLE", "#OPENS", "PHASE", "CONSUMERS");
        List<MultiOpenInfo> infos = runtime.multiOpens();
        for (MultiOpenInfo m : infos) {
            t.row(m.serviceId(), m.className(), m.bundle(), m.openCount(), phase(m), consumers(m));
        }
        print(t, plain);
        if (verbose) {
            holders(infos.stream().map(MultiOpenInfo::serviceId).toList(), plain);
        }
    }

    @Descriptor("list the Pool services: service id, name, bundle, idle bound, counts, cap, waits (longest and mean),"
            + " then long leases, the wait and hold times' 50th, 99th and 99.9th percentiles (hold times only while"
            + " the pool records them); times in seconds with -p")
    public void pools(
            @Descriptor("plain output for scripts: tab-separated, no header, times in seconds")
            @Parameter(names = {"-p", "--plain"}, presentValue = "true", absentValue = "false") boolean plain,
            @Descriptor("also show who holds each pool's leases (recorded while leak detection is on)")
            @Parameter(names = {"-v", "--verbose"}, presentValue = "true", absentValue = "false") boolean verbose) {
        List<PoolInfo> infos = runtime.pools();
        print(poolTable(infos, plain), plain);
        if (verbose) {
            holders(infos.stream().map(PoolInfo::serviceId).toList(), plain);
        }
    }

    private static Table poolTable(List<PoolInfo> infos, boolean plain) {
        Table t = new Table("#SERVICE", "NAME", "BUNDLE", "#MAX", "#CREATED", "#REUSED", "#DROPPED", "#EXPIRED", "#IDLE",
                "#IN USE", "#MAX TOTAL", "#WAITING", "#WAITS", "#TIMEOUTS", "#LONGEST WAIT", "#MEAN WAIT", "CLOSED",
                "#LONG LEASES", "#WAIT P50", "#WAIT P99", "#WAIT P99.9", "#HOLD P50", "#HOLD P99", "#HOLD P99.9");
        for (PoolInfo p : infos) {
            Pool.Stats s = p.stats();
            Pool.Times w = s.waitTimes();
            Pool.Times h = s.holdTimes();
            t.row(p.serviceId(), p.name(), p.bundle(), p.maxSize(), s.created(), s.reused(), s.dropped(), s.expired(),
                    s.idle(), s.inUse(), p.maxTotal(), s.waiting(), s.waits(), s.timeouts(),
                    plain ? Durations.seconds(s.longestWait()) : Durations.format(s.longestWait()),
                    plain ? Durations.seconds(s.meanWait()) : Durations.format(s.meanWait()), p.closed(),
                    s.longLeases(), time(w, w.p50(), plain), time(w, w.p99(), plain), time(w, w.p999(), plain),
                    time(h, h.p50(), plain), time(h, h.p99(), plain), time(h, h.p999(), plain));
        }
        return t;
    }

    /** A percentile: microseconds to the eye ({@code 45us}, {@code 1.250ms}), seconds with -p; "-" if nothing was recorded. */
    static String time(Pool.Times times, Duration d, boolean plain) {
        if (times.count() == 0) {
            return "-";
        }
        long nanos = d.toNanos();
        if (plain) {
            return String.format(Locale.ROOT, "%.6f", nanos / 1e9);
        }
        if (nanos < 1_000_000) {
            return (nanos + 500) / 1000 + "us";
        }
        return nanos < 10_000_000_000L ? String.format(Locale.ROOT, "%.3fms", nanos / 1e6) : Durations.format(d);
    }

    @Descriptor("change the bounds of a Pool service: its cap (--max-total) and idle bound (--max-size);"
            + " growing wakes waiters, shrinking revokes no lease (objects over the bounds go as they come back)")
    public void resize(
            @Descriptor("the new cap: the most objects at once; 0 for none")
            @Parameter(names = {"-t", "--max-total"}, absentValue = UNSET) int maxTotal,
            @Descriptor("the new idle bound: the idle objects kept; 0 for none")
            @Parameter(names = {"-s", "--max-size"}, absentValue = UNSET) int maxSize,
            @Descriptor("the pool's service id (resources:pools)") long serviceId) {
        boolean total = maxTotal != Integer.MIN_VALUE;
        boolean size = maxSize != Integer.MIN_VALUE;
        if (!total && !size) {
            throw new IllegalArgumentException("resize " + serviceId + ": give --max-total, --max-size or both");
        }
        PoolInfo after;
        if (total && size && maxTotal != 0 && maxSize > currentMaxTotal(serviceId)) {
            // Growing both: the cap first, so that the idle bound fits under it.
            runtime.setPoolMaxTotal(serviceId, maxTotal);
            after = runtime.setPoolMaxSize(serviceId, maxSize);
        } else {
            after = size ? runtime.setPoolMaxSize(serviceId, maxSize) : null;
            after = total ? runtime.setPoolMaxTotal(serviceId, maxTotal) : after;
        }
        print(poolTable(List.of(after), false), false);
    }

    /** The value of an option not given. */
    private static final String UNSET = "-2147483648";

    private int currentMaxTotal(long serviceId) {
        return runtime.pools().stream().filter(p -> p.serviceId() == serviceId).mapToInt(PoolInfo::maxTotal).findFirst()
                .orElse(0);
    }

    @Descriptor("replace every object of a Pool service (credential rotation, failover): idle objects are disposed"
            + " of now, objects in use when they come back")
    public void evict(@Descriptor("the pool's service id (resources:pools)") long serviceId) {
        PoolInfo after = runtime.evictPool(serviceId);
        System.out.println("pool " + serviceId + " " + Printable.escape(after.name()) + ": every object evicted; "
                + after.stats().inUse() + " in use will be disposed of when returned");
    }

    /** @return the phase, with what else is worth knowing: retired, unregistered, a failed startup */
    static String phase(MultiOpenInfo m) {
        StringBuilder b = new StringBuilder(m.phase().name());
        if (m.retired()) {
            b.append(" retired");
        }
        if (!m.registered()) {
            b.append(" unregistered");
        }
        if (m.lastStartupFailure() != null) {
            b.append(" startup-failed");
        }
        return b.toString();
    }

    /** @return the consumer bundles and their opens, e.g. {@code com.acme.app [12]: 3}; "-" if none */
    static String consumers(MultiOpenInfo m) {
        if (m.consumers().isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (MultiOpenInfo.ConsumerOpens c : m.consumers()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(c.bundle()).append(" [").append(c.bundleId()).append("]: ").append(c.opens());
        }
        return b.toString();
    }

    /** Prints who holds the services with these ids: a second table, by service id. */
    private void holders(List<Long> serviceIds, boolean plain) {
        Table t = new Table("#SERVICE", "HELD", "THREAD", "SINCE", "BY");
        for (long id : serviceIds) {
            List<LeakDetection.Holder> held;
            try {
                held = runtime.holders(id);
            } catch (IllegalArgumentException gone) {
                continue; // unregistered since it was listed
            }
            for (LeakDetection.Holder h : held) {
                t.row(id, h.kind(), h.thread(), started(h.since(), plain), h.opener());
            }
        }
        PrintStream out = System.out;
        if (!plain) {
            out.println();
        }
        t.print(out, plain);
        if (!plain && !LeakDetection.isEnabled()) {
            out.println("(leak detection is off, so no holder is recorded: switch it on with configuration "
                    + "cs.resources.leaks or -D" + LeakDetection.PROPERTY + "=true)");
        }
    }

    @Descriptor("run a closure in the background as a task with a RunState (its argument $1), once or"
            + " repeatedly; resources:runstates lists it and resources:cancel stops it (interrupting it)")
    public void run(CommandSession session,
            @Descriptor("run the closure again after each pause of this length until cancelled (500ms, 2s, 1m, PT2S)")
            @Parameter(names = {"-e", "--every"}, absentValue = "") String every,
            @Descriptor("the task's name") String name,
            @Descriptor("the closure to run, e.g. { echo tick }") Function body) {
        Duration pause = every.isEmpty() ? null : Durations.parse("run --every", every);
        // The closure runs in a session of its own, sharing this one's output and a copy of its
        // variables: Gogo allows one foreground job per session, and this session goes on with
        // the user's next command.
        TaskSession taskSession = TaskSession.open(session, processor);
        RunState rs;
        try {
            rs = tasks.submit(name, runState -> {
                taskSession.bind(runState);
                try {
                    do {
                        body.execute(taskSession.commands(), List.of(runState));
                    } while (pause != null && !runState.isCancelled() && runState.sleep(pause));
                } catch (Exception e) {
                    if (!runState.isCancelled()) {
                        throw e; // a failure, not the end of a cancelled closure
                    }
                } finally {
                    taskSession.close();
                }
            }, true).runState();
        } catch (RuntimeException e) {
            taskSession.close();
            throw e;
        }
        // A cancel also ends the closure's session, which interrupts the commands it is running.
        rs.onCancel(r -> taskSession.close());
        System.out.println("task " + rs.id() + " " + Printable.escape(name)
                + " submitted; resources:cancel " + rs.id() + " stops it");
    }

    // --------------------------------------------------------------------------------- helpers

    /**
     * @param all add a FAILURE column (to the table; plain rows always have it)
     * @return the RunStates as a tree: children indented under their parent (plain: in their
     *     parent's order, with its id in a column)
     */
    static Table runStateTable(List<RunStateInfo> infos, boolean all, boolean plain) {
        List<String> header = new ArrayList<>(List.of("#ID", "NAME", "STATE", "BUNDLE", "STARTED", "#RUN TIME"));
        if (plain) {
            header.addAll(List.of("#DONE", "#TOTAL", "#LEFT", "#PARENT", "MESSAGE", "FAILURE"));
        } else {
            header.addAll(List.of("#PROGRESS", "#LEFT", "MESSAGE"));
            if (all) {
                header.add("FAILURE");
            }
        }
        Table t = new Table(header.toArray(new String[0]));
        for (RunStateTree.Node node : RunStateTree.of(infos)) {
            RunStateInfo i = node.info();
            List<Object> row = new ArrayList<>();
            row.add(i.id());
            row.add(plain ? i.name() : "  ".repeat(node.depth()) + i.name());
            row.addAll(List.of(i.state(), i.bundle(), started(i.startTime(), plain),
                    plain ? Durations.seconds(i.runTime()) : Durations.format(i.runTime())));
            String message = i.progress().message().isEmpty() ? "-" : i.progress().message();
            String failure = i.failure() == null ? "-" : i.failure();
            if (plain) {
                row.addAll(List.of(i.progress().done(), i.progress().total(),
                        i.eta() == null ? "-" : Durations.seconds(i.eta()), i.parentId(), message, failure));
            } else {
                row.addAll(List.of(progress(i), i.eta() == null ? "-" : Durations.format(i.eta()), message));
                if (all) {
                    row.add(failure);
                }
            }
            t.row(row.toArray());
        }
        return t;
    }

    /** @return {@code 42%} with a known total, the done count without one, {@code -} for no progress */
    private static String progress(RunStateInfo i) {
        int percent = i.percentDone();
        if (percent >= 0) {
            return percent + "%";
        }
        return i.progress().done() > 0 ? Long.toString(i.progress().done()) : "-";
    }

    private static String started(Instant start, boolean plain) {
        if (start == null) {
            return "-";
        }
        return plain ? start.toString() : STARTED.format(start.atZone(ZoneId.systemDefault()));
    }

    private static void print(Table t, boolean plain) {
        t.print(System.out, plain);
    }
}
