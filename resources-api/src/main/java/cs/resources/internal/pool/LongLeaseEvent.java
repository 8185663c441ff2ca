package cs.resources.internal.pool;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** A lease was found still held past its pool's {@code longLeaseWarning}. */
@Name("cs.resources.LongLease")
@Label("Long Lease")
@Category({"cs.resources", "Pool"})
@Description("A lease was found still held past its pool's longLeaseWarning")
final class LongLeaseEvent extends Event {

    @Label("Pool")
    @Description("The pool's name")
    String poolName;

    @Label("Thread")
    @Description("The name of the borrowing thread")
    String thread;

    @Label("Held For")
    @Description("How long the lease had been held when it was found")
    @Timespan(Timespan.NANOSECONDS)
    long heldFor;

    static void emit(String pool, String thread, long heldNanos) {
        LongLeaseEvent e = new LongLeaseEvent();
        if (e.shouldCommit()) {
            e.poolName = pool;
            e.thread = thread;
            e.heldFor = heldNanos;
            e.commit();
        }
    }
}
