package cs.resources.itest;

import cs.resources.AbstractMultiOpen;
import cs.resources.osgi.Shared;

/** A shared {@link Database} the tests register by hand under {@link Shared}, with a name. */
public class NamedDatabase extends AbstractMultiOpen implements Database, Shared {
    private final String name;

    NamedDatabase(String name) {
        this.name = name;
    }

    @Override
    public String query(String sql) {
        ensureOpen();
        return name + ": rows of " + sql;
    }

    @Override
    public String toString() {
        return "NamedDatabase[" + name + "]";
    }
}
