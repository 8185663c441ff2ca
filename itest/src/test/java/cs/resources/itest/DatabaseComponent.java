package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.osgi.Shared;
import cs.resources.osgi.SharedAs;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** A component shared as its own interface, {@link Database}, not as MultiOpen. */
@Component(service = Shared.class, enabled = false)
@SharedAs(Database.class)
public class DatabaseComponent extends AbstractMultiOpen implements Database, Shared {
    @Deactivate
    void deactivate() {
        retire();
    }

    @Override
    public String query(String sql) {
        ensureOpen();
        return "rows of " + sql;
    }
}
