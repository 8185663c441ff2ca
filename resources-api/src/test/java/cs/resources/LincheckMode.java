package cs.resources;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Locale;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * How much work the Lincheck tests do, chosen with the system property {@code lincheck.mode}.
 * A scenario is a small random program over a test's operations: a few run by one thread, then a
 * few per thread in parallel, then a few more by one thread. Model checking runs each scenario
 * under many interleavings of its choosing (an invocation each); stress testing runs it many times
 * on real threads.
 * <ul>
 * <li>{@code quick}, the default, what {@code mvn verify} and CI run: model checking of 15
 *     scenarios x 200 invocations, stress testing of 10 scenarios x 100 invocations; a few seconds
 *     per test.</li>
 * <li>{@code long}, for a change to the concurrency code: 100 x 1,000 and 50 x 1,000; up to a few
 *     minutes per test, about seven minutes for all of them on two cores:
 *     {@code mvn -B -pl resources-api verify -Dlincheck.mode=long -Dtest='*LincheckTest'}</li>
 * </ul>
 * Each check has a budget (10 min quick, 30 min long); a check that exceeds it fails instead of
 * hanging the build. The class-wide 60 s default timeout of {@code junit-platform.properties}
 * would not fit the long mode, hence the explicit {@code @Timeout} on the Lincheck test classes.
 * Lincheck cannot be stopped: an abandoned check keeps running, and the Lincheck checks after it
 * in the same JVM wait for it and exceed their budgets too, so read the first failure.
 */
enum LincheckMode {
    QUICK(15, 200, 10, 100, Duration.ofMinutes(10)),
    LONG(100, 1_000, 50, 1_000, Duration.ofMinutes(30));

    /** The system property that selects the mode. */
    static final String PROPERTY = "lincheck.mode";

    private final int modelCheckingScenarios;
    private final int modelCheckingInvocations;
    private final int stressScenarios;
    private final int stressInvocations;
    private final Duration budget;

    LincheckMode(int modelCheckingScenarios, int modelCheckingInvocations, int stressScenarios,
            int stressInvocations, Duration budget) {
        this.modelCheckingScenarios = modelCheckingScenarios;
        this.modelCheckingInvocations = modelCheckingInvocations;
        this.stressScenarios = stressScenarios;
        this.stressInvocations = stressInvocations;
        this.budget = budget;
    }

    /** @return the mode named by {@value #PROPERTY}, {@link #QUICK} when it is not set */
    static LincheckMode current() {
        String name = System.getProperty(PROPERTY, "quick").trim();
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + name + ": expected quick or long", e);
        }
    }

    /** @return model checking with this mode's scenario and invocation counts */
    ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions()
                .iterations(modelCheckingScenarios)
                .invocationsPerIteration(modelCheckingInvocations);
    }

    /** @return stress testing with this mode's scenario and invocation counts */
    StressOptions stress() {
        return new StressOptions()
                .iterations(stressScenarios)
                .invocationsPerIteration(stressInvocations);
    }

    /**
     * The system property that replaces the budget of every check (an ISO-8601 duration, such as
     * {@code PT10M}), for a machine too loaded for the default: the budget bounds a hang, it does
     * not measure speed.
     */
    static final String BUDGET_PROPERTY = "lincheck.budget";

    /** @return this mode's budget, or the one {@value #BUDGET_PROPERTY} gives */
    Duration budget() {
        String given = System.getProperty(BUDGET_PROPERTY);
        return given == null || given.isBlank() ? budget : Duration.parse(given.trim());
    }

    /** Runs Lincheck on {@code testClass}; fails if it finds an error or exceeds the budget. */
    void check(Options<?, ?> options, Class<?> testClass) {
        Duration budget = budget();
        assertTimeoutPreemptively(budget, () -> options.check(testClass),
                () -> "Lincheck (" + name().toLowerCase(Locale.ROOT) + " mode) on " + testClass.getSimpleName()
                        + " exceeded its budget of " + budget);
    }
}
