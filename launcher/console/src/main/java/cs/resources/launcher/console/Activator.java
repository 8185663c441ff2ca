package cs.resources.launcher.console;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.osgi.annotation.bundle.Capability;
import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationListener;

/**
 * The launcher's console: {@code g!} in a terminal ({@link Interactive}), or the commands read
 * from standard input ({@link PipedShell}), as the framework property {@value #MODE} says
 * ({@code interactive}, {@code piped}; anything else, or unset: no console).
 *
 * <p>It stands in for the console of {@code org.apache.felix.gogo.jline}, which the launcher
 * installs as a library and does not start: it registers Gogo's shell commands itself
 * ({@link GogoCommands}) and its own ({@link ConsoleCommands}).
 *
 * <p>The console's body is registered as a {@code Callable<Integer>} service with property
 * {@value #MAIN_THREAD}{@code =true}: the launcher's main thread calls it, stops the framework when
 * it returns and exits with its result. A {@code Consumer<String>} service with property
 * {@value #LOG_SINK}{@code =true} prints a line of the log on the console (above the prompt).
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
@Capability(namespace = "org.apache.felix.gogo", name = "shell.implementation", version = "1.0.0")
public final class Activator implements BundleActivator {

    /** The framework property that chooses the console. */
    public static final String MODE = "cs.resources.launcher.console";
    /** The service property by which the launcher finds the console's body. */
    public static final String MAIN_THREAD = "main.thread";
    /** The service property of the console's log sink. */
    public static final String LOG_SINK = "cs.resources.launcher.log";
    /** Framework property: where the launcher writes its log (shown in the banner). */
    public static final String LOG_FILE = "cs.resources.launcher.logfile";
    /** Framework property of FileInstall: the folder it watches (shown in the banner). */
    static final String LOAD_DIR = "felix.fileinstall.dir";

    static final String BANNER = String.join(System.lineSeparator(),
            "cs.resources for OSGi: Apache Felix with SCR, Configuration Admin, Gogo and the resources: commands.",
            "Try:",
            "  ticks = [ ]",
            "  resources:run -e 1s ticker { $ticks add 1 }   a task that counts every second until cancelled",
            "  resources:runstates                           the live RunStates (-a: ended ones too; -p: plain)",
            "  $ticks size                                   what the ticker has counted so far",
            "  resources:cancel ticker                       cancel by name or id (Tab offers them)",
            "  resources:opens ; resources:pools             the MultiOpen and Pool services",
            "  help resources:run                            every command has help; Tab completes",
            "  Ctrl-D (or exit)                              stop the framework and leave",
            "");

    /** What a session needs before the first command: commands found first, helpers, completions. */
    interface Setup {
        void run(CommandSession session, PrintStream errors);
    }

    private final PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true,
            Charset.defaultCharset());
    private ServiceReference<CommandProcessor> processorRef;
    private GogoCommands gogo;
    private Interactive interactive;
    private PipedShell piped;
    private ServiceRegistration<?> commands;
    private ServiceRegistration<?> configurations;
    private ServiceRegistration<?> body;
    private ServiceRegistration<?> logSink;
    /** The console's commands, for Gogo's {@code Shell.Context.exit()}. */
    private volatile ConsoleCommands commandsObject;
    /** What answers {@code system:exit} while the console runs, to take back at stop. */
    private Runnable systemExitGuard;

    @Override
    public void start(BundleContext context) throws BundleException {
        String mode = context.getProperty(MODE);
        if (!"interactive".equals(mode) && !"piped".equals(mode)) {
            return;
        }
        processorRef = context.getServiceReference(CommandProcessor.class);
        CommandProcessor processor = processorRef == null ? null : context.getService(processorRef);
        if (processor == null) {
            throw new BundleException("no Gogo CommandProcessor service: org.apache.felix.gogo.runtime must be"
                    + " active before " + context.getBundle().getSymbolicName());
        }
        gogo = new GogoCommands(context, processor, new Shell.Context() {
            @Override
            public String getProperty(String name) {
                return context.getProperty(name);
            }

            /**
             * Gogo's {@code gosh --login} ends with this. As {@code exit}: the console's own
             * session leaves the console (stopping the framework); any other fails.
             */
            @Override
            public void exit() {
                Job job = Job.Utils.current();
                ConsoleCommands own = commandsObject;
                if (own == null) {
                    throw new IllegalStateException(ConsoleCommands.notTheConsole(0));
                }
                own.exit(job == null ? null : job.session(), 0);
            }
        });

        Callable<Integer> main;
        Consumer<String> log;
        ConsoleCommands own;
        if ("interactive".equals(mode)) {
            Interactive console = new Interactive(Activator::interactiveSetup, processor, banner(context));
            interactive = console;
            own = new ConsoleCommands(console::exit, console::owns);
            main = console;
            log = line -> {
                OutputStream out = console.output();
                try {
                    if (out != null) {
                        out.write((line + System.lineSeparator()).getBytes(Charset.defaultCharset()));
                        out.flush();
                    } else {
                        stderr.println(line);
                    }
                } catch (IOException e) {
                    stderr.println(line);
                }
            };
        } else {
            PipedShell shell = new PipedShell(context, processor, Activator::pipedSetup);
            piped = shell;
            own = new ConsoleCommands(shell::exit, shell::owns);
            main = shell;
            log = stderr::println;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(CommandProcessor.COMMAND_SCOPE, ConsoleCommands.SCOPE);
        props.put(CommandProcessor.COMMAND_FUNCTION, ConsoleCommands.FUNCTIONS);
        commands = context.registerService(ConsoleCommands.class, own, props);
        commandsObject = own;
        guardSystemExit(processor, own);
        configurations = context.registerService(ConfigurationListener.class,
                new ConsoleConfigurations(context, processorRef.getBundle().getLocation()), null);
        logSink = context.registerService(Consumer.class, log, single(LOG_SINK));
        body = context.registerService(Callable.class, main, single(MAIN_THREAD));
    }

    @Override
    public void stop(BundleContext context) {
        for (ServiceRegistration<?> r : new ServiceRegistration<?>[] {body, logSink, commands, configurations}) {
            if (r != null) {
                r.unregister();
            }
        }
        body = logSink = commands = configurations = null;
        commandsObject = null;
        if (systemExitGuard != null) {
            systemExitGuard.run();
            systemExitGuard = null;
        }
        if (interactive != null) {
            interactive.stop();
            interactive = null;
        }
        if (piped != null) {
            piped.stop();
            piped = null;
        }
        if (gogo != null) {
            gogo.close();
            gogo = null;
        }
        if (processorRef != null) {
            context.ungetService(processorRef);
            processorRef = null;
        }
    }

    /**
     * Makes {@code system:exit} the console's {@code exit}. The profiles add java.lang.System's
     * static methods as the commands of scope {@code system}, and {@code system:exit} would be
     * {@link System#exit(int)}: the JVM gone from any thread, a task's included, without the
     * framework stopped. Gogo keeps the command of highest ranking for a name; this one outranks
     * theirs whenever they are added.
     */
    private void guardSystemExit(CommandProcessor processor, ConsoleCommands own) {
        if (processor instanceof CommandProcessorImpl impl) {
            impl.addCommand("system", own, "exit", Integer.MAX_VALUE);
            systemExitGuard = () -> impl.removeCommand("system", "exit", own);
        }
    }

    private static Dictionary<String, Object> single(String key) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(key, Boolean.TRUE);
        return props;
    }

    static String banner(BundleContext context) {
        StringBuilder b = new StringBuilder(BANNER);
        String load = context.getProperty(LOAD_DIR);
        if (load != null) {
            b.append("Deploy: bundles (*.jar) and configurations (*.cfg, *.config) dropped into ").append(load)
                    .append(" are installed and applied.").append(System.lineSeparator());
        }
        String logFile = context.getProperty(LOG_FILE);
        if (logFile != null) {
            b.append("Log (with stack traces): ").append(logFile).append(System.lineSeparator());
        }
        return b.toString();
    }

    /**
     * Interactive: Gogo's own default profile (commands found first, the framework's and
     * System's methods as commands, the prompt, completion of Gogo's commands), without its
     * welcome message, then the console's scope first, then the completion of the
     * {@code resources:} commands (the script Karaf's feature installs too).
     */
    static void interactiveSetup(CommandSession session, PrintStream errors) {
        session.put(".gosh_quiet", Boolean.TRUE);
        source(session, Shell.class, "/gosh_profile", errors);
        execute(session, "SCOPE = '" + ConsoleCommands.SCOPE + ":gogo:*'", errors);
        source(session, Activator.class, "/resources.completion.script", errors);
    }

    /**
     * Piped input: what the default profile gives less what needs a terminal: commands found
     * first, the BundleContext's methods ({@code bundle 3}, {@code bundles}) and System's
     * ({@code getProperty java.version}) as commands.
     */
    static void pipedSetup(CommandSession session, PrintStream errors) {
        execute(session, "SCOPE = '" + ConsoleCommands.SCOPE + ":gogo:*'", errors);
        execute(session, "addcommand context ${.context}", errors);
        execute(session, "addcommand system (((${.context} getClass) getClassLoader) loadClass java.lang.System)",
                errors);
    }

    private static void source(CommandSession session, Class<?> from, String resource, PrintStream errors) {
        try (InputStream in = from.getResourceAsStream(resource)) {
            if (in == null) {
                errors.println("console: " + resource + " is missing from " + from.getName() + "'s bundle");
                return;
            }
            execute(session, new String(in.readAllBytes(), StandardCharsets.UTF_8), errors);
        } catch (IOException e) {
            errors.println("console: cannot read " + resource + ": " + e.getMessage());
        }
    }

    private static void execute(CommandSession session, String script, PrintStream errors) {
        try {
            session.execute(script);
        } catch (Exception e) {
            errors.println("console: session setup: " + e);
        }
    }
}
