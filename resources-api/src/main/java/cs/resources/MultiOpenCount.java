package cs.resources;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The open count of an {@link AbstractMultiOpen}: one volatile {@code int}, the only state its fast
 * path touches. Even and above 0: the object is open, and the word is twice its open count. Odd:
 * not open (never opened, starting, shutting down or closed: {@link MultiOpenPhases} knows which).
 *
 * <p>An open adds 2 in one atomic add: if the word was even and above 0, that open is counted and
 * done, with no lock and no allocation. If it was odd, the add changed nothing that counts (odd
 * stays odd, also when the int wraps) and the open goes to the phases. A non-final close subtracts
 * 2 by compare-and-set and never takes the word below 4. The word leaves the open values only by
 * {@link #endCycle()} (2 to 1: the final close) and enters them only by {@link #publish(int)} (a
 * startup succeeded); both are called holding the phases' monitor, which is how the phases know
 * that nobody else ends or begins a cycle meanwhile.
 */
final class MultiOpenCount {

    /** The most opens at once: twice it, plus the overshoot of concurrent adds, stays below 2^31. */
    static final int MAX_OPENS = (1 << 29) - 1;

    /** What {@link #tryOpen()} did. */
    static final int OPENED = 0;
    static final int NOT_OPEN = 1;
    static final int OVERFLOW = 2;

    private static final VarHandle WORD;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(MultiOpenCount.class, "word", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Even and above 0: twice the open count; odd: not open. */
    private volatile int word = 1;

    /**
     * The fast open.
     *
     * @return {@link #OPENED} if the object was open and this open is counted; {@link #NOT_OPEN}
     *     if it was not (nothing changed that counts); {@link #OVERFLOW} if the count is at
     *     {@link #MAX_OPENS} (nothing changed)
     */
    int tryOpen() {
        int before = (int) WORD.getAndAdd(this, 2);
        if ((before & 1) == 0 && before > 0) {
            if (before >= 2 * MAX_OPENS) {
                WORD.getAndAdd(this, -2);
                return OVERFLOW;
            }
            return OPENED;
        }
        return NOT_OPEN;
    }

    /**
     * The fast close: one open less, unless it is the last one.
     *
     * @return the opens that remain (1 or more), or -1 if the object is not open or this would be
     *     its final close (nothing changed: the phases decide)
     */
    int tryClose() {
        for (;;) {
            int w = word;
            if ((w & 1) != 0 || w <= 2) {
                return -1;
            }
            if (WORD.compareAndSet(this, w, w - 2)) {
                return (w - 2) >>> 1;
            }
        }
    }

    /**
     * The final close, holding the phases' monitor: 2 (one open) to 1 (not open).
     *
     * @return false if an open or close of another thread changed the word first
     */
    boolean endCycle() {
        return WORD.compareAndSet(this, 2, 1);
    }

    /**
     * A startup succeeded, holding the phases' monitor: the object is open with {@code opens}
     * opens. A fast open that adds to the odd word before this write goes to the phases, which
     * count it (the write replaces its add); one after it is counted by its own add.
     */
    void publish(int opens) {
        word = 2 * opens;
    }

    /** @return whether the object is open */
    boolean isOpen() {
        int w = word;
        return (w & 1) == 0 && w > 0;
    }

    /** @return the open count; 0 if not open */
    int count() {
        int w = word;
        return (w & 1) == 0 && w > 0 ? w >>> 1 : 0;
    }

    /** @return whether exactly one open remains (the next close would be the final one) */
    boolean isLastOpen() {
        return word == 2;
    }
}
