/**
 * The operator's view in real Felix frameworks: {@code WebConsoleIT} in Felix with Felix HTTP
 * Jetty 12, Web Console 5, Health Checks and Inventory; {@code ServletApiIT} in Felix with one
 * servlet API or none.
 */
package cs.resources.itest.web;
