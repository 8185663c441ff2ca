package cs.resources.itest;

import cs.resources.MultiOpen;

/** A service type that extends MultiOpen, as a provider of a shared resource publishes it. */
public interface Database extends MultiOpen {
    /** @return rows, while open */
    String query(String sql);
}
