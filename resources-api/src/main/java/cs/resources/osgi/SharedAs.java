package cs.resources.osgi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * A Declarative Services component property type: the component's service is shared through
 * per-bundle views, published by the cs.resources runtime under the interfaces named here, the
 * ones its consumers bind to. It sets the service property {@value MultiOpenServices#SHARED_AS}
 * to their names. Register the component under {@link Shared} (not under those interfaces), so
 * that consumers find the views and never the object itself:
 *
 * <pre>{@code
 * @Component(service = Shared.class)
 * @SharedAs(SqlDatabase.class)
 * public class H2Database extends AbstractMultiOpen implements SqlDatabase, Shared { ... }
 *
 * // a consumer, in another bundle, as always:
 * @Reference SqlDatabase db;
 * }</pre>
 *
 * <p>The views carry the component's properties (but this one), with
 * {@value MultiOpenServices#VIEWS} and {@value MultiOpenServices#ORIGINAL_SERVICE_ID}. The component
 * stays unactivated until its first consumer gets a view (a delayed component), and is released
 * after the last. It must be singleton-scoped (the default): the runtime refuses a bundle- or
 * prototype-scoped one with a warning, since one object is shared by all its consumers.
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface SharedAs {
    /** Makes the property name {@value MultiOpenServices#SHARED_AS}, with the annotation's name. */
    String PREFIX_ = "cs.resources.";

    /**
     * @return the interfaces consumers bind to: at least one, each an interface the component
     *     implements, at least one of them {@link cs.resources.MultiOpen} or a subtype
     */
    Class<?>[] value();
}
