package cs.resources.itest;

import static org.assertj.core.api.Assertions.assertThat;

import cs.resources.runtime.ResourcesRuntime;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;

class SmokeIT {
    @InjectService(timeout = 5000)
    ResourcesRuntime runtime;

    @Test
    void runtimeIsThere() {
        assertThat(runtime.multiOpens()).isNotEmpty();
    }
}
