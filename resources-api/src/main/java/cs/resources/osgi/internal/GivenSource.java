package cs.resources.osgi.internal;

import cs.resources.MultiOpen;
import java.util.Objects;
import java.util.Optional;
import org.osgi.framework.ServiceReference;

/** The shared object a provider registered by hand: always there, nothing to get or release. */
final class GivenSource extends SharedSource {
    private final MultiOpen shared;

    GivenSource(MultiOpen shared) {
        this.shared = Objects.requireNonNull(shared, "shared");
    }

    @Override
    MultiOpen use() {
        return shared;
    }

    @Override
    void unuse() {
    }

    @Override
    Optional<MultiOpen> current() {
        return Optional.of(shared);
    }

    @Override
    Optional<ServiceReference<?>> original() {
        return Optional.empty();
    }
}
