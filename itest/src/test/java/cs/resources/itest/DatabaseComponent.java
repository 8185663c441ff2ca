package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** A component registered under its own interface, {@link Database}, not under MultiOpen. */
@Component(service = Database.class, enabled = false)
public class DatabaseComponent extends AbstractMultiOpen implements Database {
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
