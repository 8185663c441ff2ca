package cs.resources.launcher;

import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * With {@code --web}: pax-logging-api (the SLF4J API of Jetty, the Web Console and the Health
 * Checks; no back end here) writes into the launcher's log instead of standard output, where its
 * lines (a failing task's stack, before) landed on the console's prompt.
 *
 * <p>Two of its settings do it. {@value #SKIP_JUL}: it leaves {@code java.util.logging} alone
 * (by default it resets it and bridges it into itself, taking the log file and the console's
 * one-line warnings away from every bundle that logs through the JDK). And its fallback logger,
 * with {@value #FILE_FALLBACK} set, prints to the stream of a registered
 * {@value #PROVIDER} service if there is one (else to that file): the launcher registers one
 * before the framework starts, whose stream is {@link Logs.PaxLines}. The interface is
 * pax-logging-api's own, so the bundle is resolved first and the service is a proxy of it.
 */
final class PaxLogging {

    static final String BUNDLE = "org.ops4j.pax.logging.pax-logging-api";
    static final String PROVIDER = "org.ops4j.pax.logging.spi.PaxDefaultLogStreamProvider";
    static final String SKIP_JUL = "org.ops4j.pax.logging.skipJUL";
    static final String FILE_FALLBACK = "org.ops4j.pax.logging.useFileLogFallback";

    private PaxLogging() {
    }

    /**
     * Between {@code init()} and {@code start()}: if pax-logging-api is installed, resolves it and
     * registers the stream provider that writes to {@code file}.
     *
     * @return whether pax-logging-api is there and now writes to {@code file}
     */
    static boolean route(BundleContext context, Logs.LogFile file) throws ClassNotFoundException {
        Bundle pax = null;
        for (Bundle b : context.getBundles()) {
            if (BUNDLE.equals(b.getSymbolicName())) {
                pax = b;
            }
        }
        if (pax == null) {
            return false;
        }
        context.getBundle(0).adapt(FrameworkWiring.class).resolveBundles(List.of(pax));
        Class<?> provider = pax.loadClass(PROVIDER);
        PrintStream stream = new PrintStream(new Logs.PaxLines(file), true, StandardCharsets.UTF_8);
        Object service = Proxy.newProxyInstance(provider.getClassLoader(), new Class<?>[] {provider},
                (proxy, method, args) -> switch (method.getName()) {
                    case "stream" -> stream;
                    case "close" -> null; // the log file is the launcher's to close
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "cs.resources launcher: pax-logging into the launcher's log";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        context.registerService(PROVIDER, service, null);
        return true;
    }
}
