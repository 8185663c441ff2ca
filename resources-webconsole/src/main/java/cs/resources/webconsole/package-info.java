/**
 * The operator's view of cs.resources, free of any servlet API: what the Web Console page, its
 * {@code resources.json}, the health check and the inventory printer show ({@link
 * cs.resources.webconsole.Tables}, the one place where the runtime's records become columns), how
 * it is rendered ({@link cs.resources.webconsole.ResourcesPage}), who may act ({@link
 * cs.resources.webconsole.Access}, {@link cs.resources.webconsole.Csrf}), and the short history
 * behind the pool charts ({@link cs.resources.webconsole.Sampler}). The subpackages {@code jakarta}
 * and {@code javax} adapt it to the two servlet APIs; nothing here is exported.
 */
package cs.resources.webconsole;
