package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.osgi.Shared;
import cs.resources.osgi.SharedAs;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * A bundle-scoped component that asks to be shared: one object per consumer bundle cannot be one
 * shared object, so the runtime refuses it. Disabled until a test enables it.
 */
@Component(service = Shared.class, scope = ServiceScope.BUNDLE, property = "db.name=bundle-scoped", enabled = false)
@SharedAs(Database.class)
public class BundleScopedDatabase extends AbstractMultiOpen implements Database, Shared {
    @Override
    public String query(String sql) {
        return sql;
    }
}
