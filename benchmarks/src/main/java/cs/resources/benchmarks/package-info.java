/**
 * JMH benchmarks of the cs.resources primitives against their peers and against the JDK operations
 * that bound them from below. Each benchmark class is abstract and holds the benchmark methods; its
 * nested classes {@code T1} and {@code T2} run them with one and two threads (so do not pass
 * {@code -t}, which would override both). {@link cs.resources.benchmarks.Ratios} turns a JMH JSON
 * result into the ratios the project's targets are stated in. See {@code benchmarks/README.md}.
 */
package cs.resources.benchmarks;
