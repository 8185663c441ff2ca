package cs.resources.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import cs.resources.AbstractMultiOpen;
import cs.resources.LeakDetection;
import cs.resources.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs sample test classes through the JUnit engine and checks which of them the extension fails. */
class LeakDetectionExtensionTest {

    static final Pool<StringBuilder> POOL = Pool.builder(StringBuilder::new).name("samples").build();

    static final class Shared extends AbstractMultiOpen {
    }

    static final Shared SHARED = new Shared();

    /** Not run on its own: only through the test kit below. */
    @ExtendWith(LeakDetectionExtension.class)
    static class Samples {
        @Test
        void closesWhatItUses() {
            try (var lease = POOL.instance(); var open = SHARED.open()) {
                lease.get().append(open.openCount());
            }
        }

        @Test
        void forgetsToCloseALease() {
            POOL.instance().get().append('y');
        }

        @Test
        void forgetsToCloseAnOpen() {
            SHARED.open();
        }
    }

    @Test
    void failsExactlyTheTestsThatLeakWithTheOpenersStack() {
        boolean before = LeakDetection.isEnabled();
        var results = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.conditions.deactivate", "*")
                .selectors(selectClass(Samples.class))
                .execute();
        results.testEvents().assertStatistics(s -> s.started(3).succeeded(1).failed(2));
        results.testEvents().assertThatEvents()
                .haveExactly(1, event(test("forgetsToCloseALease"), finishedWithFailure(instanceOf(AssertionError.class),
                        message(m -> m.contains("forgetsToCloseALease() leaked 1 open or lease")
                                && m.contains("still held after the test")
                                && m.contains("lease of Pool[samples]")
                                && m.contains("at cs.resources.testing.LeakDetectionExtensionTest$Samples.forgetsToCloseALease")))))
                .haveExactly(1, event(test("forgetsToCloseAnOpen"), finishedWithFailure(instanceOf(AssertionError.class),
                        message(m -> m.contains("open of " + Shared.class.getName())
                                && m.contains("at cs.resources.testing.LeakDetectionExtensionTest$Samples.forgetsToCloseAnOpen")))));
        assertThat(LeakDetection.isEnabled()).as("restored after each test").isEqualTo(before);
        assertThat(SHARED.openCount()).isEqualTo(1);
        SHARED.close();
    }
}
