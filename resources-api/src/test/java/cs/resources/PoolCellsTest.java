package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.internal.pool.Cells;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * White-box tests of {@link Cells} and how {@link Pool} uses them: borrowers with keys whose
 * primary cells collide keep to their own objects (the second one rehashed to its secondary cell)
 * instead of taking each other's; the array stays the same size however many keys pass through.
 */
class CellsTest {

    private final AtomicInteger made = new AtomicInteger();

    private static int leaseAndReturn(Pool<Integer> pool, int key) {
        Pool.Lease<Integer> lease = pool.instanceIn(key);
        int object = lease.get();
        pool.closeIn(lease, key);
        return object;
    }

    @Test
    void keysWhoseCellsCollideKeepToTheirOwnObjects() {
        Pool<Integer> pool = Pool.<Integer>builder(made::incrementAndGet).maxSize(0).cells(8).build();
        Cells cells = new Cells(8);
        int a = 1;
        int b = 1 + 8;
        assertThat(cells.primary(a)).isEqualTo(cells.primary(b));
        assertThat(cells.secondary(b)).isNotEqualTo(cells.primary(b));

        // While a holds its object, b gets one of its own (into b's secondary cell).
        Pool.Lease<Integer> held = pool.instanceIn(a);
        int first = held.get();
        int second = leaseAndReturn(pool, b);
        pool.closeIn(held, a);
        assertThat(second).isNotEqualTo(first);
        // From now on each takes its own from its cell: a's object in the cell both keys hash to
        // first is a's, and b passes it by for its own in its secondary.
        for (int i = 0; i < 10; i++) {
            assertThat(leaseAndReturn(pool, a)).isEqualTo(first);
            assertThat(leaseAndReturn(pool, b)).isEqualTo(second);
        }
        assertThat(pool.stats()).isEqualTo(new Pool.Stats(2, 20, 0, 2, 0));
        // Sequentially, with a's object idle and b's cells empty, b takes a's rather than make one:
        // no object is made while one is idle.
        Pool<Integer> other = Pool.<Integer>builder(made::incrementAndGet).maxSize(0).cells(8).build();
        int x = leaseAndReturn(other, a);
        assertThat(leaseAndReturn(other, b)).isEqualTo(x);
        assertThat(other.stats().created()).isEqualTo(1);
    }

    @Test
    void aBorrowerWhoseCellsAreBothTakenStillGetsAnIdleObjectRatherThanANewOne() {
        Pool<Integer> pool = Pool.<Integer>builder(made::incrementAndGet).maxSize(0).cells(4).build();
        Cells cells = new Cells(4);
        // Keys 0..3 fill the four cells, each with an object of its own; any other key finds its
        // two cells holding others' objects.
        java.util.List<Pool.Lease<Integer>> leases = new java.util.ArrayList<>();
        for (int key = 0; key < 4; key++) {
            leases.add(pool.instanceIn(key));
        }
        for (int key = 0; key < 4; key++) {
            pool.closeIn(leases.get(key), key);
        }
        int other = 4;
        assertThat(cells.primary(other)).isBetween(0, 3);
        assertThat(leaseAndReturn(pool, other)).as("an idle object taken from another cell").isBetween(1, 4);
        assertThat(pool.stats().created()).isEqualTo(4);
    }

    @Test
    void theCellsAreAFewPerProcessorAndNeverMoreThanSixtyFour() {
        int n = Cells.defaultCount();
        assertThat(Integer.bitCount(n)).isEqualTo(1);
        assertThat(n).isBetween(4, Cells.MAX_CELLS);
        Cells cells = new Cells(n);
        for (long key = 0; key < 100_000; key++) {
            assertThat(cells.primary(key)).isBetween(0, n - 1);
            assertThat(cells.secondary(key)).isBetween(0, n - 1).isNotEqualTo(cells.primary(key));
        }
    }
}
