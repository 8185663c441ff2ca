/**
 * Not API: helpers that the packages of the API bundle share. Nothing here is exported (no
 * {@code @Export}): bnd keeps the package private to the bundle, and its types may change in any
 * release.
 */
package cs.resources.internal;
