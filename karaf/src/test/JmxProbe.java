import java.util.Arrays;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A JMX client for karaf-test.sh, run from source ({@code java JmxProbe.java ...}): it connects to
 * Karaf's RMI connector as a user and reads or operates the cs.resources MBeans with open types
 * only, as jconsole would.
 *
 * <pre>java JmxProbe.java SERVICE-URL USER PASSWORD ACTION...</pre>
 *
 * Actions: {@code runstates}, {@code opens}, {@code pools} print one line per row of the
 * attribute; {@code cancel=ID}, {@code pause=ID} and {@code resume=ID} (by id only)
 * invoke that operation and print what it cancelled, paused or resumed.
 * An action that Karaf's JMX ACL refuses prints {@code refused: ...}, one whose operation refuses
 * its argument prints {@code failed: ...} (the message), and the probe goes on; any other failure
 * ends it with exit status 1.
 */
public final class JmxProbe {
    private static final Map<String, String[]> ATTRIBUTES = Map.of(
            "runstates", new String[] {"cs.resources:type=RunStates", "RunStates", "id", "name", "state", "bundle"},
            "opens", new String[] {"cs.resources:type=MultiOpens", "MultiOpens", "serviceId", "className", "openCount", "phase"},
            "pools", new String[] {"cs.resources:type=Pools", "Pools", "serviceId", "name", "created", "reused", "idle", "inUse"});

    /** The RunStates MBean's operations, with what each reports. */
    private static final Map<String, String> OPERATIONS = Map.of("cancel", "cancelled", "pause", "paused", "resume", "resumed");

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: java JmxProbe.java SERVICE-URL USER PASSWORD ACTION...");
            System.exit(2);
        }
        Map<String, Object> env = Map.of(JMXConnector.CREDENTIALS, new String[] {args[1], args[2]});
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(args[0]), env)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            for (String action : Arrays.copyOfRange(args, 3, args.length)) {
                try {
                    String operation = action.contains("=") ? action.substring(0, action.indexOf('=')) : "";
                    if (OPERATIONS.containsKey(operation)) {
                        String arg = action.substring(operation.length() + 1);
                        CompositeData[] rows = (CompositeData[]) server.invoke(new ObjectName("cs.resources:type=RunStates"),
                                operation, new Object[] {arg}, new String[] {String.class.getName()});
                        for (CompositeData row : rows) {
                            System.out.println("jmx " + OPERATIONS.get(operation) + " " + line(row, "id", "name", "state"));
                        }
                    } else {
                        String[] a = ATTRIBUTES.get(action);
                        if (a == null) {
                            throw new IllegalArgumentException("unknown action " + action);
                        }
                        CompositeData[] rows = (CompositeData[]) server.getAttribute(new ObjectName(a[0]), a[1]);
                        System.out.println("jmx " + a[0] + " " + a[1] + ": " + rows.length + " rows");
                        for (CompositeData row : rows) {
                            System.out.println("  " + line(row, Arrays.copyOfRange(a, 2, a.length)));
                        }
                    }
                } catch (SecurityException e) {
                    System.out.println("jmx " + action + " refused: " + e.getMessage());
                } catch (javax.management.RuntimeMBeanException e) {
                    // The operation refused its argument (an IllegalArgumentException, with its message).
                    System.out.println("jmx " + action + " failed: " + e.getCause().getMessage());
                }
            }
        }
    }

    private static String line(CompositeData row, String... keys) {
        StringBuilder b = new StringBuilder();
        for (String k : keys) {
            b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(row.get(k));
        }
        return b.toString();
    }
}
