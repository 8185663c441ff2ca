package cs.resources.osgi;

import cs.resources.MultiOpen;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The service type a provider registers a shared MultiOpen under, so that its consumers never
 * find the object itself: they find the per-bundle views the cs.resources runtime publishes for
 * it, under the interfaces its {@value MultiOpenServices#SHARED_AS} property names
 * ({@link SharedAs}). It declares nothing: a provider's class implements it beside its own service
 * interface.
 *
 * <pre>{@code
 * @Component(service = Shared.class)
 * @SharedAs(SqlDatabase.class)
 * public class H2Database extends AbstractMultiOpen implements SqlDatabase, Shared { ... }
 * }</pre>
 */
@ConsumerType
public interface Shared extends MultiOpen {
}
