package cs.resources.internal.pool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which structure holds each object of a pool: the registry of every object, the stack of idle
 * objects that no cell holds, the {@link Cells} (written only here), and the places under the idle
 * bound. Every method is called holding the core's lock, which serialises every move of a slot
 * between these structures; the cells are also read, and their slots claimed, without it.
 *
 * <p><b>Places under the idle bound.</b> {@link #places} counts the slots on the stack plus the
 * cells that hold a slot, idle or leased from them: a cell keeps its slot's place while it is
 * leased, so that the lease's return (one compare-and-set, no lock) can never push the idle
 * objects over the bound. The idle objects are those places minus the cells whose slot is out;
 * when a return needs a place and all are taken, {@link #takePlace()} takes one back from a cell
 * whose slot is leased (its return then comes through the core). So the bound holds at every
 * instant and a returned object is dropped only when the idle objects really are at the bound.
 *
 * @param <T> the type of the pooled objects
 */
final class Idle<T> {

    final Cells cells;
    /** The idle bound in effect: 0 for none. */
    private int maxIdle;
    /** Whether places must be counted against {@link #maxIdle}: it is set and below the cap. */
    private boolean bounded;
    @SuppressWarnings("unchecked")
    private Slot<T>[] stack = (Slot<T>[]) new Slot<?>[8];
    private int depth;
    @SuppressWarnings("unchecked")
    private Slot<T>[] registry = (Slot<T>[]) new Slot<?>[16];
    private int registered;
    private int places;

    Idle(Cells cells) {
        this.cells = cells;
    }

    /** Sets the idle bound (0: none) under a cap (0: none). */
    void bound(int maxIdle, int maxTotal) {
        this.maxIdle = maxIdle;
        this.bounded = maxIdle > 0 && (maxTotal == 0 || maxIdle < maxTotal);
    }

    int maxIdle() {
        return maxIdle;
    }

    int registered() {
        return registered;
    }

    /** @return whether the places exceed the idle bound (it was lowered) */
    boolean overBound() {
        return maxIdle > 0 && places > maxIdle;
    }

    // ------------------------------------------------------------------------------ the registry

    /** @throws IllegalStateException if the registry is full (the caller undoes its reservation) */
    void register(Slot<T> s, String pool) {
        if (registered == registry.length) {
            if (registered == Integer.MAX_VALUE - 8) {
                throw new IllegalStateException(pool + " cannot track more than " + registered + " objects");
            }
            registry = Arrays.copyOf(registry, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * registered));
        }
        s.index = registered;
        registry[registered++] = s;
    }

    /** Forgets a slot (it must be out of every cell and off the stack). @return false if it was forgotten already */
    boolean unregister(Slot<T> s) {
        int i = s.index;
        if (i < 0) {
            return false;
        }
        detach(s);
        Slot<T> last = registry[--registered];
        registry[i] = last;
        last.index = i;
        registry[registered] = null;
        s.index = -1;
        return true;
    }

    Slot<T> registered(int i) {
        return registry[i];
    }

    // ---------------------------------------------------------------------------------- taking

    /**
     * The cell a borrower's slots go to: its primary if that is empty or holds one of its slots,
     * else its secondary on the same terms; -1 if both hold other borrowers'.
     */
    int cellOf(long key) {
        int p = cells.primary(key);
        Slot<T> c = cells.get(p);
        if (c == null || c.owner() == key) {
            return p;
        }
        int q = cells.secondary(key);
        c = cells.get(q);
        return c == null || c.owner() == key ? q : -1;
    }

    /**
     * Takes an idle object for the borrower with {@code key} (a waiter: -1, whose lease goes
     * through the core). Order: the borrower's cell (which may have become idle since it looked),
     * the top of the stack, the other cells in order from its primary on. A slot taken from the
     * stack or another cell moves into the borrower's cell if that is empty, so that its return
     * takes the fast path.
     *
     * @return a slot now {@code CELL_LEASED} or {@code LEASED} with a fresh stamp; null if none is idle
     */
    Slot<T> take(long key) {
        int home = key >= 0 ? cellOf(key) : -1;
        if (home >= 0) {
            Slot<T> c = cells.get(home);
            if (c != null) {
                long st = c.state();
                if (Slot.kind(st) == Slot.CELL && c.cas(st, Slot.word(Slot.stamp(st) + 1, Slot.CELL_LEASED))) {
                    return c;
                }
            }
        }
        if (depth > 0) {
            Slot<T> s = pop();
            long stamp = Slot.stamp(s.state()) + 1;
            s.setState(Slot.word(stamp, Slot.LEASED));
            adopt(s, key, home, stamp);
            return s;
        }
        int first = key >= 0 ? cells.primary(key) : 0;
        for (int i = 0, j = first, n = cells.count(); i < n; i++, j = cells.next(j)) {
            if (j == home) {
                continue;
            }
            Slot<T> c = cells.get(j);
            if (c == null) {
                continue;
            }
            long st = c.state();
            if (Slot.kind(st) == Slot.CELL) {
                long stamp = Slot.stamp(st) + 1;
                if (c.cas(st, Slot.word(stamp, Slot.LEASED))) {
                    detach(c);
                    adopt(c, key, home >= 0 || key < 0 ? home : cellOf(key), stamp);
                    return c;
                }
            }
        }
        return null;
    }

    private Slot<T> pop() {
        Slot<T> s = stack[--depth];
        stack[depth] = null;
        places--;
        return s;
    }

    /** A {@code LEASED} slot of the borrower's moves into its cell {@code home} if that is free (and a place under the idle bound is). */
    void adopt(Slot<T> s, long key, int home, long stamp) {
        if (home >= 0 && cells.get(home) == null && (!bounded || places < maxIdle)) {
            s.cell = home;
            s.setOwner(key);
            cells.set(home, s);
            places++;
            s.setState(Slot.word(stamp, Slot.CELL_LEASED));
        }
    }

    /** The slot leaves its cell, if it is in one, and gives up its place. */
    void detach(Slot<T> s) {
        if (s.cell >= 0) {
            cells.set(s.cell, null);
            s.cell = -1;
            places--;
        }
    }

    // ------------------------------------------------------------------------------- returning

    /**
     * Places a slot whose close came through the core ({@code RETURNING}, stamp {@code stamp}):
     * into the closer's cell ({@link #cellOf}; the cell's idle object, if any, going onto the stack
     * under it), else onto the stack.
     *
     * @return false if the idle objects are at the bound: the caller drops it
     */
    boolean put(Slot<T> s, long stamp, long key) {
        if (!takePlace()) {
            return false;
        }
        places++;
        int home = cellOf(key);
        Slot<T> c = home >= 0 ? cells.get(home) : null;
        if (c != null) {
            long st = c.state();
            if (Slot.kind(st) == Slot.CELL && c.cas(st, Slot.word(Slot.stamp(st), Slot.IDLE))) {
                // The cell's idle object was returned before this one: it goes under it.
                c.cell = -1;
                push(c);
                c = null;
                cells.set(home, null);
            }
        }
        if (home >= 0 && c == null) {
            s.cell = home;
            s.setOwner(key);
            s.setState(Slot.word(stamp, Slot.CELL)); // the same stamp: only a lease takes a new one
            cells.set(home, s);
        } else {
            s.setState(Slot.word(stamp, Slot.IDLE));
            push(s);
        }
        return true;
    }

    /** Pushes an idle slot (its place taken by the caller). */
    void push(Slot<T> s) {
        if (depth == stack.length) {
            stack = Arrays.copyOf(stack, 2 * depth);
        }
        stack[depth++] = s;
    }

    /** A new idle slot (prefill) onto the stack, if a place is free. @return false: no place */
    boolean pushNew(Slot<T> s) {
        if (!takePlace()) {
            return false;
        }
        places++;
        push(s);
        return true;
    }

    /**
     * Whether one more object may be idle. When every place is taken, takes one back from a cell
     * whose slot is leased (or dead, waiting to be retired); when there is none, checks that the
     * cells did not change while it looked (each state word is read twice: a word never repeats,
     * so an unchanged one was there all along), so that "the idle objects are at the bound" held
     * at one instant.
     *
     * @return true if a place is free (the caller takes it: {@code places++}); false: drop
     */
    private boolean takePlace() {
        if (!bounded || places < maxIdle) {
            return true;
        }
        int n = cells.count();
        long[] seen = new long[n];
        for (int attempt = 0; attempt < 3; attempt++) {
            for (int j = 0; j < n; j++) {
                Slot<T> c = cells.get(j);
                long st = c == null ? 0 : c.state();
                seen[j] = st;
                if (c != null && release(c, st)) {
                    return true;
                }
            }
            boolean same = true;
            for (int j = 0; j < n && same; j++) {
                Slot<T> c = cells.get(j);
                same = (c == null ? 0 : c.state()) == seen[j];
            }
            if (same) {
                return false;
            }
        }
        return false;
    }

    /**
     * Takes back the place of the cell that holds {@code c} (seen with state {@code st}) if its
     * slot is out: leased ({@code CELL_LEASED} becomes {@code LEASED}), being returned
     * ({@code CELL_RETURNING} becomes {@code RETURNING}) or dead. Its return then comes through the core.
     *
     * @return whether the place was taken back
     */
    private boolean release(Slot<T> c, long st) {
        int kind = Slot.kind(st);
        if (kind == Slot.DEAD
                || (kind == Slot.CELL_LEASED && c.cas(st, Slot.word(Slot.stamp(st), Slot.LEASED)))
                || (kind == Slot.CELL_RETURNING && c.cas(st, Slot.word(Slot.stamp(st), Slot.RETURNING)))) {
            detach(c);
            return true;
        }
        return false;
    }

    /**
     * Takes back every cell's place whose slot is out, so that every return comes through the
     * core: after {@code evictAll()} and when the bounds were lowered.
     */
    void releaseLeasedCells() {
        for (int j = 0, n = cells.count(); j < n; j++) {
            Slot<T> c = cells.get(j);
            while (c != null) {
                long st = c.state();
                int kind = Slot.kind(st);
                if (release(c, st) || (kind != Slot.CELL_LEASED && kind != Slot.CELL_RETURNING)) {
                    break; // its place taken back, or idle: a compare-and-set that failed is tried again
                }
            }
        }
    }

    // ----------------------------------------------------------------------- letting go of idle

    /**
     * Lets go of idle objects, newest kept: the stack's bottom first, then idle cells, until
     * {@code keep} remain idle. Each is {@code DEAD}, out of the cells and off the stack, still
     * registered: it counts against the cap until the caller has disposed of it and retired it.
     *
     * @param keep how many idle objects may stay (0: none)
     * @param into receives the slots let go of
     */
    void drainIdle(int keep, List<Slot<T>> into) {
        int idle = idleCount();
        int excess = idle - keep;
        if (excess <= 0) {
            return;
        }
        // The oldest returns first: the bottom of the stack.
        int fromStack = Math.min(excess, depth);
        for (int i = 0; i < fromStack; i++) {
            Slot<T> s = stack[i];
            s.setState(Slot.word(Slot.stamp(s.state()), Slot.DEAD));
            into.add(s);
        }
        System.arraycopy(stack, fromStack, stack, 0, depth - fromStack);
        Arrays.fill(stack, depth - fromStack, depth, null);
        depth -= fromStack;
        places -= fromStack;
        excess -= fromStack;
        for (int j = 0, n = cells.count(); j < n && excess > 0; j++) {
            Slot<T> c = cells.get(j);
            if (c == null) {
                continue;
            }
            long st = c.state();
            if (Slot.kind(st) == Slot.CELL && c.cas(st, Slot.word(Slot.stamp(st), Slot.DEAD))) {
                detach(c);
                into.add(c);
                excess--;
            }
        }
    }

    /**
     * At close: every cell is emptied (an idle slot let go of, a leased one losing its cell: its
     * return then comes through the core and finds the pool closed) and the stack too. No fast
     * lease or fast return can succeed after this.
     */
    void closeAll(List<Slot<T>> idle) {
        while (depth > 0) {
            Slot<T> s = pop();
            s.setState(Slot.word(Slot.stamp(s.state()), Slot.DEAD));
            idle.add(s);
        }
        for (int j = 0, n = cells.count(); j < n; j++) {
            Slot<T> c = cells.get(j);
            while (c != null) {
                long st = c.state();
                int kind = Slot.kind(st);
                if (kind == Slot.CELL) {
                    if (c.cas(st, Slot.word(Slot.stamp(st), Slot.DEAD))) {
                        detach(c);
                        idle.add(c);
                        break;
                    }
                } else if (release(c, st) || (kind != Slot.CELL_LEASED && kind != Slot.CELL_RETURNING)) {
                    break;
                }
            }
        }
    }

    /** @return the idle slots now, each with the state word it had (for the sweep) */
    List<Object[]> snapshot() {
        List<Object[]> idle = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            idle.add(new Object[] {stack[i], stack[i].state()});
        }
        for (int j = 0, n = cells.count(); j < n; j++) {
            Slot<T> c = cells.get(j);
            if (c != null) {
                long st = c.state();
                if (Slot.kind(st) == Slot.CELL) {
                    idle.add(new Object[] {c, st});
                }
            }
        }
        return idle;
    }

    /**
     * Lets go of an idle slot the sweep found expired, if it is still idle with the state it had
     * when looked at (so not leased and returned since): {@code DEAD}, still registered.
     *
     * @return whether it was let go of
     */
    boolean evict(Slot<T> s, long state) {
        if (s.state() != state) {
            return false;
        }
        int kind = Slot.kind(state);
        if (kind == Slot.IDLE) {
            int i = depth - 1;
            while (i >= 0 && stack[i] != s) {
                i--;
            }
            if (i < 0) {
                return false;
            }
            System.arraycopy(stack, i + 1, stack, i, depth - i - 1);
            stack[--depth] = null;
            places--;
            s.setState(Slot.word(Slot.stamp(state), Slot.DEAD));
            return true;
        }
        if (kind == Slot.CELL && s.cas(state, Slot.word(Slot.stamp(state), Slot.DEAD))) {
            detach(s);
            return true;
        }
        return false;
    }

    // ----------------------------------------------------------------------------------- counts

    /** @return idle objects, from the stack and the cells' state words */
    int idleCount() {
        int idle = depth;
        for (int j = 0, n = cells.count(); j < n; j++) {
            Slot<T> c = cells.get(j);
            if (c != null && Slot.kind(c.state()) == Slot.CELL) {
                idle++;
            }
        }
        return idle;
    }

    /** @return objects leased now (a close still checking its object counts; one being disposed of does not) */
    int inUseCount() {
        int inUse = 0;
        for (int i = 0; i < registered; i++) {
            if (Slot.isOut(registry[i].state())) {
                inUse++;
            }
        }
        return inUse;
    }

    /** @return registered objects let go of ({@code DEAD}) and not retired yet: being disposed of */
    int deadCount() {
        int dead = 0;
        for (int i = 0; i < registered; i++) {
            if (Slot.kind(registry[i].state()) == Slot.DEAD) {
                dead++;
            }
        }
        return dead;
    }

    /** @return the leases of the registered objects so far */
    long leases() {
        long leases = 0;
        for (int i = 0; i < registered; i++) {
            leases += registry[i].leases();
        }
        return leases;
    }
}
