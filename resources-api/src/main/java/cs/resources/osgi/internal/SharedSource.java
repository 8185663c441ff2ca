package cs.resources.osgi.internal;

import cs.resources.MultiOpen;
import java.util.Optional;
import org.osgi.framework.ServiceReference;

/**
 * Where a publication's shared object comes from: given by the provider
 * ({@link GivenSource}, {@code MultiOpenServices.register}), or borrowed from the provider's own
 * service ({@link BorrowedSource}, the runtime's whiteboard), got at the first view and released
 * after the last. A {@link ViewService} calls {@link #use()} once for each view it makes and
 * {@link #unuse()} once when that view is done with.
 */
abstract sealed class SharedSource permits GivenSource, BorrowedSource {

    /**
     * @return the shared object, for a new view; null if it cannot be had (its service went away)
     * @throws RuntimeException what getting the provider's service threw
     */
    abstract MultiOpen use();

    /** A view made with {@link #use()} is done with it. */
    abstract void unuse();

    /** @return the shared object if it exists now, without getting it */
    abstract Optional<MultiOpen> current();

    /** @return the provider's service the object is borrowed from, for a borrowed one */
    abstract Optional<ServiceReference<?>> original();
}
