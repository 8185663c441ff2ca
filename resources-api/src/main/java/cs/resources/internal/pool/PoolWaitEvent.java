package cs.resources.internal.pool;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A borrower waited at a pool's cap: the event's duration is the wait. */
@Name("cs.resources.PoolWait")
@Label("Pool Wait")
@Category({"cs.resources", "Pool"})
@Description("A borrower waited at a pool's cap; the duration is the wait")
final class PoolWaitEvent extends Event {

    @Label("Pool")
    @Description("The pool's name")
    String poolName;

    @Label("Timed Out")
    @Description("Whether the wait ended without an object (timed out or interrupted)")
    boolean timedOut;

    /** @return the event, begun (waits are the slow path: the event is made whether or not JFR records) */
    static Object start() {
        PoolWaitEvent e = new PoolWaitEvent();
        e.begin();
        return e;
    }

    static void finish(Object event, String pool, boolean timedOut) {
        PoolWaitEvent e = (PoolWaitEvent) event;
        e.end();
        if (e.shouldCommit()) {
            e.poolName = pool;
            e.timedOut = timedOut;
            e.commit();
        }
    }
}
