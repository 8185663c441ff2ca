package cs.resources.launcher.console;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Converters;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/**
 * Gogo's shell commands ({@code each}, {@code echo}, {@code sleep}, {@code help}, {@code complete}
 * ...) and converters, registered as the bundle {@code org.apache.felix.gogo.jline} registers
 * them when it starts its console. The launcher uses that bundle as a library (installed, not
 * started) and runs a console of its own: see {@link Activator}.
 */
final class GogoCommands implements AutoCloseable {

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    GogoCommands(BundleContext context, CommandProcessor processor, Shell.Context shellContext) {
        registrations.add(context.registerService(Converter.class,
                new Converters(context.getBundle(Constants.SYSTEM_BUNDLE_ID).getBundleContext()), null));
        register(context, new Builtin());
        register(context, new Procedural());
        register(context, new Posix(processor));
        register(context, new Shell(shellContext, processor));
    }

    private void register(BundleContext context, Object commands) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(CommandProcessor.COMMAND_SCOPE, "gogo");
        props.put(CommandProcessor.COMMAND_FUNCTION, functions(commands.getClass()));
        registrations.add(context.registerService(commands.getClass().getName(), commands, props));
    }

    /**
     * The functions a Gogo command class offers, as its own static field {@code functions} lists
     * them (package-private in gogo.jline; read here so that the list is that of the installed
     * version, which differs with what JLine offers).
     */
    static String[] functions(Class<?> commands) {
        try {
            Field f = commands.getDeclaredField("functions");
            f.setAccessible(true);
            return ((String[]) f.get(null)).clone();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read the functions of " + commands.getName()
                    + " (org.apache.felix.gogo.jline changed?)", e);
        }
    }

    @Override
    public void close() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping: the framework unregisters them
            }
        }
        registrations.clear();
    }
}
