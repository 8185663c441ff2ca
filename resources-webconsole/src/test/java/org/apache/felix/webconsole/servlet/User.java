package org.apache.felix.webconsole.servlet;

/**
 * Test stand-in of Web Console 5's user interface (same name and methods), for AccessTest, which
 * runs without the console; the itests use the real one.
 */
public interface User {
    Object getUserObject();

    boolean authorize(String role);
}
