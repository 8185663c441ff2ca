package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Black-box tests of {@link Pool}: one thread at a time, except where creation must not block. */
class PoolTest {

    /** A pooled object: numbered in creation order, so tests can tell objects apart. */
    static final class Thing {
        final int id;

        Thing(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "Thing#" + id;
        }
    }

    private final AtomicInteger made = new AtomicInteger();
    private final Supplier<Thing> factory = () -> new Thing(made.incrementAndGet());
    /** Every object the disposer was called with, in call order. */
    private final List<Thing> disposed = new CopyOnWriteArrayList<>();

    private Pool<Thing> pool(int maxSize) {
        return Pool.builder(factory).maxSize(maxSize).disposer(disposed::add).name("things").build();
    }

    private static Pool.Stats stats(long created, long reused, long dropped, int idle, int inUse) {
        return new Pool.Stats(created, reused, dropped, idle, inUse);
    }

    /** Leases {@code n} objects at once. */
    private static <T> List<Pool.Lease<T>> leaseAll(Pool<T> pool, int n) {
        List<Pool.Lease<T>> leases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leases.add(pool.instance());
        }
        return leases;
    }

    private static <T> List<T> objects(List<Pool.Lease<T>> leases) {
        List<T> objects = new ArrayList<>();
        for (Pool.Lease<T> lease : leases) {
            objects.add(lease.get());
        }
        return objects;
    }

    /** Throws {@code e}, checked or not, without declaring it (as Kotlin and {@code @SneakyThrows} do). */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> boolean sneakyThrow(Throwable e) throws E {
        throw (E) e;
    }

    private static void closeAll(List<? extends Pool.Lease<?>> leases) {
        for (Pool.Lease<?> lease : leases) {
            lease.close();
        }
    }

    // ------------------------------------------------------------------------------ construction

    @Nested
    class Construction {

        @Test
        void defaultConstructorKeepsFourIdleObjects() {
            Pool<Thing> pool = new Pool<>(factory);
            assertThat(Pool.DEFAULT_MAX_SIZE).isEqualTo(4);
            assertThat(pool.maxSize()).isEqualTo(4);

            List<Pool.Lease<Thing>> leases = leaseAll(pool, 6);
            List<Thing> things = objects(leases);
            closeAll(leases);

            assertThat(pool.stats()).isEqualTo(stats(6, 0, 2, 4, 0));
            // The first four returned were kept (the last one on top), the last two dropped.
            List<Pool.Lease<Thing>> again = leaseAll(pool, 5);
            assertThat(objects(again).subList(0, 4))
                    .containsExactly(things.get(3), things.get(2), things.get(1), things.get(0));
            assertThat(again.get(4).get().id).as("a new object once the idle ones are taken").isEqualTo(7);
            assertThat(pool.stats()).isEqualTo(stats(7, 4, 2, 0, 5));
        }

        @Test
        void constructorWithMaxSizeBoundsTheIdleObjectsOnly() {
            Pool<Thing> pool = new Pool<>(factory, 2);
            assertThat(pool.maxSize()).isEqualTo(2);

            // More objects than maxSize can be in use at once: the bound is on idle objects.
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 5);
            assertThat(objects(leases)).doesNotHaveDuplicates().hasSize(5);
            assertThat(pool.stats()).isEqualTo(stats(5, 0, 0, 0, 5));

            closeAll(leases);
            assertThat(pool.stats()).isEqualTo(stats(5, 0, 3, 2, 0));
        }

        @Test
        void maxSizeZeroKeepsEveryReturnedObject() {
            Pool<Thing> pool = new Pool<>(factory, 0);
            assertThat(pool.maxSize()).isZero();

            List<Pool.Lease<Thing>> leases = leaseAll(pool, 100);
            List<Thing> things = objects(leases);
            closeAll(leases);
            assertThat(pool.stats()).isEqualTo(stats(100, 0, 0, 100, 0));

            List<Pool.Lease<Thing>> again = leaseAll(pool, 100);
            assertThat(objects(again)).containsExactlyInAnyOrderElementsOf(things);
            assertThat(pool.stats()).isEqualTo(stats(100, 100, 0, 0, 100));
        }

        @Test
        void builderDefaultsToMaxSizeFour() {
            Pool<Thing> pool = Pool.builder(factory).disposer(disposed::add).build();
            assertThat(pool.maxSize()).isEqualTo(4);

            closeAll(leaseAll(pool, 6));
            assertThat(pool.stats()).isEqualTo(stats(6, 0, 2, 4, 0));
            assertThat(disposed).extracting(t -> t.id).containsExactly(5, 6);
        }

        @Test
        void builderMaxSizeZeroMeansNoBound() {
            Pool<Thing> pool = pool(0);
            closeAll(leaseAll(pool, 50));
            assertThat(pool.stats()).isEqualTo(stats(50, 0, 0, 50, 0));
            assertThat(disposed).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(ints = {-1, -7, Integer.MIN_VALUE})
        void negativeMaxSizeIsRejectedByTheConstructor(int size) {
            assertThatThrownBy(() -> new Pool<>(factory, size))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(size));
            assertThat(made).hasValue(0);
        }

        @ParameterizedTest
        @ValueSource(ints = {-1, -7, Integer.MIN_VALUE})
        void negativeMaxSizeIsRejectedByTheBuilder(int size) {
            Pool.Builder<Thing> builder = Pool.builder(factory);
            assertThatThrownBy(() -> builder.maxSize(size))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(size));
            // The builder is unchanged: it still builds a pool with the default bound.
            assertThat(builder.build().maxSize()).isEqualTo(4);
        }

        @Test
        void nullFactoryIsRejected() {
            assertThatThrownBy(() -> new Pool<Thing>(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> new Pool<Thing>(null, 2)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> Pool.<Thing>builder(null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void nullBuilderOptionsAreRejected() {
            Pool.Builder<Thing> builder = Pool.builder(factory);
            assertThatThrownBy(() -> builder.disposer(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> builder.validator(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> builder.name(null)).isInstanceOf(NullPointerException.class);
        }

        @Test
        void aNewPoolIsOpenEmptyAndCreatesNothing() {
            Pool<Thing> pool = pool(4);
            assertThat(pool.isClosed()).isFalse();
            assertThat(pool.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
            assertThat(made).hasValue(0);
        }

        @Test
        void nameIsTheBuildersOrAUniqueDefault() {
            Pool<Thing> named = Pool.builder(factory).name("digests").build();
            assertThat(named.name()).isEqualTo("digests");
            assertThat(named.toString()).contains("digests");

            Pool<Thing> a = new Pool<>(factory);
            Pool<Thing> b = Pool.builder(factory).build();
            assertThat(a.name()).startsWith("Pool-");
            assertThat(b.name()).startsWith("Pool-");
            assertThat(a.name()).isNotEqualTo(b.name());
            assertThat(a.toString()).contains(a.name());
        }

        @Test
        void builderBuildsIndependentPools() {
            Pool.Builder<Thing> builder = Pool.builder(factory).maxSize(1);
            Pool<Thing> first = builder.build();
            Pool<Thing> second = builder.build();
            first.instance().close();
            assertThat(first.stats()).isEqualTo(stats(1, 0, 0, 1, 0));
            assertThat(second.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
        }
    }

    // ----------------------------------------------------------------------------------- leasing

    @Nested
    class Leasing {

        @Test
        void leaseGivesTheNewObjectAndKeepsGivingIt() {
            Pool<Thing> pool = pool(4);
            try (Pool.Lease<Thing> lease = pool.instance()) {
                Thing thing = lease.get();
                assertThat(thing.id).isEqualTo(1);
                assertThat(lease.get()).isSameAs(thing);
                assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 0, 1));
            }
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 1, 0));
        }

        @Test
        void closingTheLeaseReturnsTheObjectForReuse() {
            Pool<Thing> pool = pool(4);
            Thing first;
            try (Pool.Lease<Thing> lease = pool.instance()) {
                first = lease.get();
            }
            try (Pool.Lease<Thing> lease = pool.instance()) {
                assertThat(lease.get()).isSameAs(first);
                assertThat(pool.stats()).isEqualTo(stats(1, 1, 0, 0, 1));
            }
            assertThat(pool.stats()).isEqualTo(stats(1, 1, 0, 1, 0));
            assertThat(made).hasValue(1);
            assertThat(disposed).isEmpty();
        }

        @Test
        void closingTheLeaseReturnsTheObjectAlsoWhenTheBodyThrew() {
            Pool<Thing> pool = pool(4);
            Thing[] seen = new Thing[1];
            IllegalStateException boom = new IllegalStateException("boom");
            assertThatThrownBy(() -> {
                try (Pool.Lease<Thing> lease = pool.instance()) {
                    seen[0] = lease.get();
                    throw boom;
                }
            }).isSameAs(boom);

            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 1, 0));
            try (Pool.Lease<Thing> lease = pool.instance()) {
                assertThat(lease.get()).isSameAs(seen[0]);
            }
        }

        @Test
        void theMostRecentlyReturnedObjectIsReusedFirst() {
            Pool<Thing> pool = pool(4);
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 3);
            Thing a = leases.get(0).get();
            Thing b = leases.get(1).get();
            Thing c = leases.get(2).get();

            // Returned in the order b, c, a: reused a, c, b.
            leases.get(1).close();
            leases.get(2).close();
            leases.get(0).close();

            List<Pool.Lease<Thing>> again = leaseAll(pool, 3);
            assertThat(objects(again)).containsExactly(a, c, b);
            assertThat(pool.stats()).isEqualTo(stats(3, 3, 0, 0, 3));

            // Returned in creation order a, b, c: reused c, b, a.
            again.get(0).close();
            again.get(2).close();
            again.get(1).close();
            assertThat(objects(leaseAll(pool, 3))).containsExactly(c, b, a);
        }

        @Test
        void anObjectReturnedAndReleasedImmediatelyIsTheSameEveryTime() {
            Pool<Thing> pool = pool(4);
            closeAll(leaseAll(pool, 3));
            Thing top;
            try (Pool.Lease<Thing> lease = pool.instance()) {
                top = lease.get();
            }
            for (int i = 0; i < 10; i++) {
                try (Pool.Lease<Thing> lease = pool.instance()) {
                    assertThat(lease.get()).isSameAs(top);
                }
            }
            assertThat(pool.stats()).isEqualTo(stats(3, 11, 0, 3, 0));
        }

        @Test
        void closingALeaseTwiceReturnsTheObjectOnce() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> lease = pool.instance();
            lease.close();
            assertThatCode(lease::close).doesNotThrowAnyException();
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 1, 0));

            Pool.Lease<Thing> one = pool.instance();
            Pool.Lease<Thing> two = pool.instance();
            assertThat(one.get()).isNotSameAs(two.get());
            assertThat(pool.stats()).isEqualTo(stats(2, 1, 0, 0, 2));
        }

        @Test
        void closingAStaleLeaseDoesNotTakeTheObjectFromItsNextBorrower() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> stale = pool.instance();
            Thing thing = stale.get();
            stale.close();

            Pool.Lease<Thing> current = pool.instance();
            assertThat(current.get()).isSameAs(thing);
            stale.close();

            assertThat(current.get()).isSameAs(thing);
            assertThat(pool.stats()).isEqualTo(stats(1, 1, 0, 0, 1));
            try (Pool.Lease<Thing> other = pool.instance()) {
                assertThat(other.get()).isNotSameAs(thing);
            }
            assertThatThrownBy(stale::get).isInstanceOf(ClosedException.class);
            assertThatThrownBy(stale::discard).isInstanceOf(ClosedException.class);
            assertThat(current.get()).isSameAs(thing);
            assertThat(disposed).isEmpty();
        }

        @Test
        void getAfterCloseIsRefused() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> lease = pool.instance();
            lease.close();
            assertThatThrownBy(lease::get)
                    .isExactlyInstanceOf(ClosedException.class)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("get()")
                    .hasMessageContaining("things");
        }

        @Test
        void discardAfterCloseIsRefusedAndLeavesTheObjectIdle() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> lease = pool.instance();
            Thing thing = lease.get();
            lease.close();
            assertThatThrownBy(lease::discard)
                    .isExactlyInstanceOf(ClosedException.class)
                    .hasMessageContaining("discard()")
                    .hasMessageContaining("things");
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 1, 0));
            assertThat(disposed).isEmpty();
            try (Pool.Lease<Thing> again = pool.instance()) {
                assertThat(again.get()).isSameAs(thing);
            }
        }

        @Test
        void discardDisposesTheObjectAndEndsTheLease() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> lease = pool.instance();
            Thing thing = lease.get();
            lease.discard();

            assertThat(disposed).containsExactly(thing);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
            assertThatThrownBy(lease::get).isInstanceOf(ClosedException.class);
            assertThatThrownBy(lease::discard).isInstanceOf(ClosedException.class);
            lease.close();
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
            assertThat(disposed).containsExactly(thing);

            try (Pool.Lease<Thing> next = pool.instance()) {
                assertThat(next.get()).isNotSameAs(thing);
            }
        }

        @Test
        void discardOfAReusedObjectCountsTheReuse() {
            Pool<Thing> pool = pool(4);
            pool.instance().close();
            pool.instance().discard();
            assertThat(pool.stats()).isEqualTo(stats(1, 1, 1, 0, 0));
        }

        @Test
        void leaseToStringNamesThePool() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> lease = pool.instance();
            assertThat(lease.toString()).contains("things");
            lease.close();
            assertThat(lease.toString()).contains("things");
            assertThat(pool.toString()).contains("things");
        }
    }

    // ---------------------------------------------------------------------------------- factory

    @Nested
    class Factory {

        @Test
        void factoryExceptionReachesTheBorrowerAsThrownAndChangesNothing() {
            RuntimeException boom = new IllegalStateException("no connection");
            AtomicInteger calls = new AtomicInteger();
            Pool<Thing> pool = Pool.builder(() -> {
                if (calls.incrementAndGet() == 2) {
                    throw boom;
                }
                return factory.get();
            }).disposer(disposed::add).build();

            Pool.Lease<Thing> held = pool.instance();
            Pool.Stats before = pool.stats();
            assertThat(before).isEqualTo(stats(1, 0, 0, 0, 1));

            assertThatThrownBy(pool::instance).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(before);
            assertThat(disposed).isEmpty();

            // The pool still works.
            try (Pool.Lease<Thing> next = pool.instance()) {
                assertThat(next.get().id).isEqualTo(2);
            }
            held.close();
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 0, 2, 0));
        }

        @Test
        void checkedExceptionFromTheFactoryReachesTheBorrowerAsThrown() {
            Exception boom = new IOException("factory I/O");
            Pool<Thing> pool = new Pool<>(() -> {
                sneakyThrow(boom);
                return null;
            });
            assertThat(catchThrowable(pool::instance)).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
        }

        @Test
        void factoryErrorReachesTheBorrowerAsThrown() {
            Error boom = new StackOverflowError("deep");
            Pool<Thing> pool = new Pool<>(() -> {
                throw boom;
            });
            assertThatThrownBy(pool::instance).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
        }

        @Test
        void factoryReturningNullGivesNullPointerExceptionAndChangesNothing() {
            AtomicInteger calls = new AtomicInteger();
            Pool<Thing> pool = Pool.builder(() -> calls.incrementAndGet() == 1 ? null : factory.get())
                    .disposer(disposed::add).name("nulls").build();

            assertThatThrownBy(pool::instance)
                    .isExactlyInstanceOf(NullPointerException.class)
                    .hasMessageContaining("nulls");
            assertThat(pool.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
            assertThat(disposed).isEmpty();

            try (Pool.Lease<Thing> lease = pool.instance()) {
                assertThat(lease.get().id).isEqualTo(1);
            }
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 1, 0));
        }

        @Test
        void anIdleObjectIsReusedWithoutCallingTheFactory() {
            Pool<Thing> pool = pool(4);
            pool.instance().close();
            pool.instance().close();
            assertThat(made).hasValue(1);
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void creationRunsOutsideAnyLock() throws Exception {
            CountDownLatch creating = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger calls = new AtomicInteger();
            // The second creation blocks until released; the others are immediate.
            Pool<Thing> pool = Pool.builder(() -> {
                int n = calls.incrementAndGet();
                if (n == 2) {
                    creating.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                return new Thing(n);
            }).disposer(disposed::add).build();

            Pool.Lease<Thing> first = pool.instance();
            Thing one = first.get();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                Future<Pool.Lease<Thing>> slow = executor.submit(() -> pool.instance());
                assertThat(creating.await(5, TimeUnit.SECONDS)).isTrue();

                // While the factory is blocked: returning, reusing, creating and stats all proceed.
                first.close();
                Pool.Lease<Thing> reused = pool.instance();
                assertThat(reused.get()).isSameAs(one);
                Pool.Lease<Thing> created = pool.instance();
                assertThat(created.get().id).isEqualTo(3);
                assertThat(pool.stats()).isEqualTo(stats(2, 1, 0, 0, 2));
                assertThat(slow).isNotDone();

                release.countDown();
                Pool.Lease<Thing> slowLease = slow.get(5, TimeUnit.SECONDS);
                assertThat(slowLease.get().id).isEqualTo(2);
                assertThat(pool.stats()).isEqualTo(stats(3, 1, 0, 0, 3));
                closeAll(List.of(reused, created, slowLease));
                assertThat(pool.stats()).isEqualTo(stats(3, 1, 0, 3, 0));
            } finally {
                release.countDown();
                executor.shutdownNow();
                assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    // ------------------------------------------------------------------------ disposer, validator

    @Nested
    class Disposal {

        @Test
        void objectsReturnedOverTheBoundAreDisposed() {
            Pool<Thing> pool = pool(2);
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 4);
            List<Thing> things = objects(leases);
            closeAll(leases);
            assertThat(disposed).containsExactly(things.get(2), things.get(3));
            assertThat(pool.stats()).isEqualTo(stats(4, 0, 2, 2, 0));
        }

        @Test
        void keptAndReusedObjectsAreNotDisposed() {
            Pool<Thing> pool = pool(4);
            for (int i = 0; i < 5; i++) {
                closeAll(leaseAll(pool, 3));
            }
            assertThat(disposed).isEmpty();
            assertThat(pool.stats()).isEqualTo(stats(3, 12, 0, 3, 0));
        }

        @Test
        void idleObjectsAreDisposedAtCloseAndNothingElse() {
            Pool<Thing> pool = pool(4);
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 3);
            List<Thing> things = objects(leases);
            closeAll(leases);
            assertThat(disposed).isEmpty();

            pool.close();
            assertThat(disposed).containsExactlyInAnyOrderElementsOf(things);
            assertThat(pool.stats()).isEqualTo(stats(3, 0, 3, 0, 0));

            pool.close();
            assertThat(disposed).hasSize(3);
            assertThat(pool.stats()).isEqualTo(stats(3, 0, 3, 0, 0));
        }

        @Test
        void objectsReturnedAfterCloseAreDisposed() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> idle = pool.instance();
            Pool.Lease<Thing> out = pool.instance();
            Thing idleThing = idle.get();
            Thing outThing = out.get();
            idle.close();

            pool.close();
            assertThat(disposed).containsExactly(idleThing);
            // A lease still out keeps working until it closes.
            assertThat(out.get()).isSameAs(outThing);
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 1, 0, 1));

            out.close();
            assertThat(disposed).containsExactly(idleThing, outThing);
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 2, 0, 0));
            out.close();
            assertThat(disposed).hasSize(2);
        }

        @Test
        void discardAfterPoolCloseDisposesOnce() {
            Pool<Thing> pool = pool(4);
            Pool.Lease<Thing> out = pool.instance();
            Thing thing = out.get();
            pool.close();
            out.discard();
            out.close();
            assertThat(disposed).containsExactly(thing);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
        }

        @Test
        void validatorIsCalledOnReturnAndInvalidObjectsAreDisposed() {
            List<Thing> validated = new ArrayList<>();
            Predicate<Thing> evenIsValid = t -> {
                validated.add(t);
                return t.id % 2 == 0;
            };
            Pool<Thing> pool = Pool.builder(factory).validator(evenIsValid).disposer(disposed::add).build();
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 4);
            List<Thing> things = objects(leases);
            assertThat(validated).isEmpty();

            closeAll(leases);
            assertThat(validated).containsExactlyElementsOf(things);
            assertThat(disposed).containsExactly(things.get(0), things.get(2));
            assertThat(pool.stats()).isEqualTo(stats(4, 0, 2, 2, 0));

            // Only the valid ones come back, most recent first.
            assertThat(objects(leaseAll(pool, 3))).extracting(t -> t.id).containsExactly(4, 2, 5);
        }

        @Test
        void validatorRunsBeforeTheBoundIsApplied() {
            // maxSize 1: an invalid return must not take the place of a later valid one.
            Pool<Thing> pool = Pool.builder(factory).maxSize(1).validator(t -> t.id != 1)
                    .disposer(disposed::add).build();
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 2);
            closeAll(leases);
            assertThat(disposed).extracting(t -> t.id).containsExactly(1);
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 1, 1, 0));
        }

        @Test
        void aValidatorExceptionMeansInvalidAndTheCloserDoesNotSeeIt() {
            RuntimeException boom = new IllegalStateException("validator failed");
            Pool<Thing> pool = Pool.builder(factory).validator(t -> {
                if (t.id == 1) {
                    throw boom;
                }
                return true;
            }).disposer(disposed::add).build();

            Pool.Lease<Thing> lease = pool.instance();
            Thing thing = lease.get();
            try (PoolLog log = PoolLog.start()) {
                assertThatCode(lease::close).doesNotThrowAnyException();
                assertThat(log.thrown(java.util.logging.Level.WARNING, pool)).containsExactly(boom);
            }
            assertThat(disposed).containsExactly(thing);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
            assertThatThrownBy(lease::get).isInstanceOf(ClosedException.class);

            // Closing again does nothing; the object is never kept.
            assertThatCode(lease::close).doesNotThrowAnyException();
            try (Pool.Lease<Thing> next = pool.instance()) {
                assertThat(next.get()).isNotSameAs(thing);
            }
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 1, 1, 0));
            assertThat(disposed).containsExactly(thing);
        }

        @Test
        void validatorExceptionWithoutDisposerStillDropsTheObject() {
            RuntimeException boom = new IllegalArgumentException("bad");
            Pool<Thing> pool = Pool.builder(factory).validator(t -> {
                throw boom;
            }).build();
            Pool.Lease<Thing> lease = pool.instance();
            try (PoolLog log = PoolLog.start()) {
                assertThatCode(lease::close).doesNotThrowAnyException();
            }
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
        }

        @Test
        void disposerExceptionOnAnOverBoundReturnReachesTheCloser() {
            RuntimeException boom = new IllegalStateException("disposer failed");
            List<Thing> attempted = new ArrayList<>();
            Pool<Thing> pool = Pool.builder(factory).maxSize(1).disposer(t -> {
                attempted.add(t);
                throw boom;
            }).build();

            Pool.Lease<Thing> kept = pool.instance();
            Pool.Lease<Thing> over = pool.instance();
            Thing overThing = over.get();
            kept.close();
            assertThatThrownBy(over::close).isSameAs(boom);
            assertThat(attempted).containsExactly(overThing);
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 1, 1, 0));
            assertThatCode(over::close).doesNotThrowAnyException();

            // The dropped object is never handed out again.
            List<Pool.Lease<Thing>> again = leaseAll(pool, 2);
            assertThat(objects(again)).doesNotContain(overThing);
            assertThat(pool.stats()).isEqualTo(stats(3, 1, 1, 0, 2));
        }

        @Test
        void disposerExceptionOnAnInvalidReturnReachesTheCloser() {
            RuntimeException boom = new IllegalStateException("disposer failed");
            Pool<Thing> pool = Pool.builder(factory).validator(t -> false).disposer(t -> {
                throw boom;
            }).build();
            Pool.Lease<Thing> lease = pool.instance();
            assertThatThrownBy(lease::close).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
        }

        @Test
        void disposerExceptionOnDiscardReachesTheCaller() {
            RuntimeException boom = new IllegalStateException("disposer failed");
            Pool<Thing> pool = Pool.builder(factory).disposer(t -> {
                throw boom;
            }).build();
            Pool.Lease<Thing> lease = pool.instance();
            Thing thing = lease.get();
            assertThatThrownBy(lease::discard).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
            assertThatThrownBy(lease::get).isInstanceOf(ClosedException.class);
            lease.close();
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
            try (Pool.Lease<Thing> next = pool.instance()) {
                assertThat(next.get()).isNotSameAs(thing);
            }
        }

        @Test
        void disposerExceptionOnAReturnAfterCloseReachesTheCloser() {
            RuntimeException boom = new IllegalStateException("disposer failed");
            Pool<Thing> pool = Pool.builder(factory).disposer(t -> {
                throw boom;
            }).build();
            Pool.Lease<Thing> lease = pool.instance();
            pool.close();
            assertThatThrownBy(lease::close).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
            assertThatCode(lease::close).doesNotThrowAnyException();
        }

        @Test
        void disposerExceptionsAtPoolCloseComeAfterEveryIdleObjectWasDisposed() {
            List<Thing> attempted = new ArrayList<>();
            List<RuntimeException> thrown = new ArrayList<>();
            Pool<Thing> pool = Pool.builder(factory).disposer(t -> {
                attempted.add(t);
                if (t.id != 2) {
                    RuntimeException e = new IllegalStateException("cannot dispose " + t);
                    thrown.add(e);
                    throw e;
                }
            }).build();
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 3);
            List<Thing> things = objects(leases);
            closeAll(leases);

            Throwable failure = catchThrowable(pool::close);
            assertThat(attempted).containsExactlyInAnyOrderElementsOf(things);
            assertThat(thrown).hasSize(2);
            assertThat(failure).isIn(thrown.get(0), thrown.get(1));
            assertThat(failure.getSuppressed()).containsExactly(thrown.get(0) == failure ? thrown.get(1) : thrown.get(0));
            assertThat(pool.isClosed()).isTrue();
            assertThat(pool.stats()).isEqualTo(stats(3, 0, 3, 0, 0));

            // Closed once for all: a second close neither disposes nor throws.
            assertThatCode(pool::close).doesNotThrowAnyException();
            assertThat(attempted).hasSize(3);
            assertThatThrownBy(pool::instance).isInstanceOf(ClosedException.class);
        }

        @Test
        void checkedExceptionFromTheValidatorStillDropsTheObject() {
            // Java lambdas cannot throw checked exceptions, but Kotlin lambdas and @SneakyThrows code can.
            Exception boom = new IOException("validator I/O");
            Pool<Thing> pool = Pool.builder(factory).validator(t -> sneakyThrow(boom)).disposer(disposed::add).build();
            Pool.Lease<Thing> lease = pool.instance();
            Thing thing = lease.get();
            try (PoolLog log = PoolLog.start()) {
                assertThat(catchThrowable(lease::close)).isNull();
                assertThat(log.thrown(java.util.logging.Level.WARNING, pool)).containsExactly(boom);
            }
            assertThat(disposed).containsExactly(thing);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
        }

        @Test
        void checkedExceptionFromTheDisposerAtPoolCloseDoesNotStopTheOtherDisposals() {
            List<Thing> attempted = new ArrayList<>();
            List<Exception> thrown = new ArrayList<>();
            Pool<Thing> pool = Pool.builder(factory).disposer(t -> {
                attempted.add(t);
                Exception e = new IOException("cannot close " + t);
                thrown.add(e);
                sneakyThrow(e);
            }).build();
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 3);
            List<Thing> things = objects(leases);
            closeAll(leases);

            Throwable failure = catchThrowable(pool::close);
            assertThat(attempted).containsExactlyInAnyOrderElementsOf(things);
            assertThat(thrown).contains((Exception) failure);
            assertThat(pool.stats()).isEqualTo(stats(3, 0, 3, 0, 0));
        }

        @Test
        void checkedExceptionFromTheDisposerAfterAValidatorFailureReachesTheCloserAlone() {
            RuntimeException primary = new IllegalStateException("validator");
            Exception secondary = new IOException("disposer");
            Pool<Thing> pool = Pool.builder(factory).validator(t -> {
                throw primary;
            }).disposer(t -> sneakyThrow(secondary)).build();
            Pool.Lease<Thing> lease = pool.instance();
            Throwable failure;
            try (PoolLog log = PoolLog.start()) {
                failure = catchThrowable(lease::close);
            }
            assertThat(failure).isSameAs(secondary);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
        }

        @Test
        void checkedExceptionFromTheDisposerOnAnOverBoundReturnReachesTheCloser() {
            Exception boom = new IOException("disposer I/O");
            Pool<Thing> pool = Pool.builder(factory).maxSize(1).disposer(t -> sneakyThrow(boom)).build();
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 2);
            leases.get(0).close();
            assertThat(catchThrowable(leases.get(1)::close)).isSameAs(boom);
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 1, 1, 0));
        }

        @Test
        void aPoolWhoseDisposerThrewKeepsWorking() {
            AtomicInteger calls = new AtomicInteger();
            Pool<Thing> pool = Pool.builder(factory).maxSize(1).disposer(t -> {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("once");
                }
            }).build();
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 2);
            leases.get(0).close();
            assertThatThrownBy(leases.get(1)::close).hasMessage("once");
            for (int i = 0; i < 3; i++) {
                closeAll(leaseAll(pool, 2));
            }
            assertThat(pool.stats()).isEqualTo(stats(5, 3, 4, 1, 0));
            assertThat(calls).hasValue(4);
        }
    }

    // ------------------------------------------------------------------------------ stats, close

    @Nested
    class StatsAndClose {

        @Test
        void statsAreExactAfterEveryKindOfOperation() {
            AtomicInteger validations = new AtomicInteger();
            // maxSize 2; the 3rd validation says invalid.
            Pool<Thing> pool = Pool.builder(factory).maxSize(2)
                    .validator(t -> validations.incrementAndGet() != 3)
                    .disposer(disposed::add).build();
            assertThat(pool.stats()).isEqualTo(stats(0, 0, 0, 0, 0));

            Pool.Lease<Thing> a = pool.instance();
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 0, 1));
            a.close(); // validation 1: kept
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 0, 1, 0));

            a = pool.instance(); // reused
            assertThat(pool.stats()).isEqualTo(stats(1, 1, 0, 0, 1));
            Pool.Lease<Thing> b = pool.instance(); // created
            Pool.Lease<Thing> c = pool.instance(); // created
            assertThat(pool.stats()).isEqualTo(stats(3, 1, 0, 0, 3));

            a.close(); // validation 2: kept
            assertThat(pool.stats()).isEqualTo(stats(3, 1, 0, 1, 2));
            b.close(); // validation 3: invalid, dropped
            assertThat(pool.stats()).isEqualTo(stats(3, 1, 1, 1, 1));
            c.close(); // validation 4: kept
            assertThat(pool.stats()).isEqualTo(stats(3, 1, 1, 2, 0));

            List<Pool.Lease<Thing>> three = leaseAll(pool, 3); // 2 reused, 1 created
            assertThat(pool.stats()).isEqualTo(stats(4, 3, 1, 0, 3));
            three.get(0).discard();
            assertThat(pool.stats()).isEqualTo(stats(4, 3, 2, 0, 2));
            three.get(1).close(); // kept
            three.get(2).close(); // kept
            assertThat(pool.stats()).isEqualTo(stats(4, 3, 2, 2, 0));
            Pool.Lease<Thing> extra = pool.instance();
            Pool.Lease<Thing> extra2 = pool.instance();
            Pool.Lease<Thing> extra3 = pool.instance();
            assertThat(pool.stats()).isEqualTo(stats(5, 5, 2, 0, 3));
            extra.close();
            extra2.close();
            extra3.close(); // over the bound: dropped
            assertThat(pool.stats()).isEqualTo(stats(5, 5, 3, 2, 0));

            Pool.Lease<Thing> out = pool.instance(); // reused
            assertThat(pool.stats()).isEqualTo(stats(5, 6, 3, 1, 1));
            pool.close(); // the idle one dropped
            assertThat(pool.stats()).isEqualTo(stats(5, 6, 4, 0, 1));
            out.close(); // returned after close: dropped
            assertThat(pool.stats()).isEqualTo(stats(5, 6, 5, 0, 0));
            assertThat(disposed).hasSize(5).doesNotHaveDuplicates();
        }

        @Test
        void closeIsIdempotentAndRefusesNewLeases() {
            Pool<Thing> pool = pool(4);
            pool.instance().close();
            pool.close();
            assertThat(pool.isClosed()).isTrue();
            pool.close();
            assertThat(pool.isClosed()).isTrue();
            assertThat(disposed).hasSize(1);

            assertThatThrownBy(pool::instance)
                    .isExactlyInstanceOf(ClosedException.class)
                    .hasMessageContaining("instance()")
                    .hasMessageContaining("things");
            assertThat(made).hasValue(1);
            assertThat(pool.stats()).isEqualTo(stats(1, 0, 1, 0, 0));
        }

        @Test
        void tryWithResourcesClosesThePool() {
            Pool<Thing> leaked;
            try (Pool<Thing> pool = pool(4)) {
                leaked = pool;
                pool.instance().close();
            }
            assertThat(leaked.isClosed()).isTrue();
            assertThat(disposed).hasSize(1);
        }

        @Test
        void closingAnEmptyPoolDisposesNothing() {
            Pool<Thing> pool = pool(4);
            pool.close();
            assertThat(disposed).isEmpty();
            assertThat(pool.stats()).isEqualTo(stats(0, 0, 0, 0, 0));
        }

        @Test
        void leasesOutAtCloseAreDisposedWhenTheyClose() {
            Pool<Thing> pool = pool(4);
            List<Pool.Lease<Thing>> leases = leaseAll(pool, 3);
            List<Thing> things = objects(leases);
            pool.close();
            assertThat(disposed).isEmpty();
            assertThat(pool.stats()).isEqualTo(stats(3, 0, 0, 0, 3));

            leases.get(1).close();
            assertThat(disposed).containsExactly(things.get(1));
            leases.get(0).discard();
            assertThat(disposed).containsExactly(things.get(1), things.get(0));
            leases.get(2).close();
            assertThat(disposed).containsExactly(things.get(1), things.get(0), things.get(2));
            assertThat(pool.stats()).isEqualTo(stats(3, 0, 3, 0, 0));
        }

        @Test
        void closeWithoutDisposerStillDropsTheIdleObjects() {
            Pool<Thing> pool = new Pool<>(factory);
            closeAll(leaseAll(pool, 2));
            pool.close();
            assertThat(pool.stats()).isEqualTo(stats(2, 0, 2, 0, 0));
        }
    }
}
