package cs.resources.benchmarks;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * The Python library's pool design, as a floor: one lock around a LIFO stack of idle objects,
 * creation outside it.
 */
final class SynchronizedPool<T> {
    private final Supplier<? extends T> newObject;
    private final int maxSize;
    /** Guarded by this. */
    private final ArrayDeque<T> idle = new ArrayDeque<>();

    SynchronizedPool(Supplier<? extends T> newObject, int maxSize) {
        this.newObject = newObject;
        this.maxSize = maxSize;
    }

    T take() {
        T object;
        synchronized (this) {
            object = idle.pollFirst();
        }
        return object != null ? object : newObject.get();
    }

    void give(T object) {
        synchronized (this) {
            if (idle.size() < maxSize) {
                idle.addFirst(object);
            }
        }
    }
}
