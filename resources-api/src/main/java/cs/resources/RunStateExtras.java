package cs.resources;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.WeakHashMap;
import java.util.function.BooleanSupplier;

/**
 * What few {@link RunState}s need, made when first needed: a cancel poll, a parent, children,
 * progress, the failure of the last run. A RunState that uses none of it carries one null
 * reference for all of it. The final fields are set when it is made; the others say what guards
 * them.
 */
final class RunStateExtras {

    private static final VarHandle PROGRESS;

    static {
        try {
            PROGRESS = MethodHandles.lookup().findVarHandle(RunStateExtras.class, "progress", RunStateProgress.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The cancel poll given to the constructor; null for none. */
    final BooleanSupplier poll;
    /** The parent, for a child; null otherwise. Never keeps the parent reachable. */
    final WeakReference<RunState> parent;
    /** The parent while this child has not ended, else null; written holding the owner's lock. */
    volatile RunState liveParent;
    /** The children that have not ended (weakly: a dropped pending child is forgotten); guarded by the owner's lock. */
    WeakHashMap<RunState, Boolean> children;
    /** Made on the first progress call, by compare-and-set. */
    volatile RunStateProgress progress;
    /** What the body of the last run/call threw; null if it did not (or none ran). */
    volatile Throwable failure;
    /** Why it was cancelled (the first reason given since the cancel was last cleared); written holding the owner's lock. */
    volatile String cancelReason;

    RunStateExtras(BooleanSupplier poll, RunState parent) {
        this.poll = poll;
        this.parent = parent == null ? null : new WeakReference<>(parent);
        this.liveParent = parent;
    }

    /** @return the progress, made now (once, by compare-and-set) if need be */
    RunStateProgress progress() {
        RunStateProgress p = progress;
        if (p != null) {
            return p;
        }
        RunStateProgress made = new RunStateProgress();
        return PROGRESS.compareAndSet(this, null, made) ? made : progress;
    }
}
