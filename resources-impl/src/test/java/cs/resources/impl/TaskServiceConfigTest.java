package cs.resources.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cs.resources.MultiOpen;
import cs.resources.runtime.TaskService;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The task service's configuration checks and service contract, without a framework. */
class TaskServiceConfigTest {

    /** A configuration as Declarative Services makes one: the annotation's defaults, overridden. */
    static TaskServiceComponent.Config config(Map<String, Object> values) {
        return (TaskServiceComponent.Config) Proxy.newProxyInstance(TaskServiceComponent.Config.class.getClassLoader(),
                new Class<?>[] {TaskServiceComponent.Config.class}, (p, m, args) -> {
                    if (values.containsKey(m.getName())) {
                        return values.get(m.getName());
                    }
                    Object d = m.getDefaultValue();
                    if (d != null) {
                        return d;
                    }
                    return switch (m.getName()) {
                        case "annotationType" -> TaskServiceComponent.Config.class;
                        case "toString" -> "Config" + values;
                        case "hashCode" -> values.hashCode();
                        default -> p == args[0];
                    };
                });
    }

    @Test
    void theDefaultsAreValid() {
        TaskServiceComponent.Config c = config(Map.of());
        assertThat(c.threads()).isEqualTo(4);
        assertThat(c.gracePeriodMillis()).isEqualTo(5000L);
        assertThatCode(() -> TaskServiceComponent.validate(c)).doesNotThrowAnyException();
    }

    @Test
    void noThreadsOrANegativeGracePeriodIsRefusedNamingThePidAndTheProperty() {
        assertThatThrownBy(() -> TaskServiceComponent.validate(config(Map.of("threads", 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cs.resources.tasks: threads must be at least 1, not 0");
        assertThatThrownBy(() -> TaskServiceComponent.validate(config(Map.of("gracePeriodMillis", -1L))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cs.resources.tasks: gracePeriodMillis must be 0 or more, not -1");
        assertThatCode(() -> TaskServiceComponent.validate(config(Map.of("gracePeriodMillis", 0L))))
                .doesNotThrowAnyException();
    }

    @Test
    void aConsumerHasNothingToCloseTheTaskServiceWith() {
        // The stray close of issue 9 (try-with-resources around the service, or an extra close)
        // cannot be written any more: the service is no MultiOpen and not AutoCloseable.
        assertThat(AutoCloseable.class.isAssignableFrom(TaskService.class)).isFalse();
        assertThat(MultiOpen.class.isAssignableFrom(TaskService.class)).isFalse();
        assertThat(MultiOpen.class.isAssignableFrom(TaskServiceComponent.class)).isFalse();
    }
}
