package cs.resources.impl;

import cs.resources.runtime.Printable;

/** Quoting for messages that echo user input or task names. */
final class Text {
    private Text() {
    }

    /** @return {@code s} escaped by {@link Printable#escape} and in double quotes */
    static String quote(String s) {
        return '"' + Printable.escape(s).replace("\"", "\\\"") + '"';
    }
}
