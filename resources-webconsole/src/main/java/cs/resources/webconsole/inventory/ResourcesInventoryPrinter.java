package cs.resources.webconsole.inventory;

import cs.resources.LeakDetection;
import cs.resources.runtime.Printable;
import cs.resources.runtime.ResourcesRuntime;
import cs.resources.webconsole.Json;
import cs.resources.webconsole.ResourcesPage;
import cs.resources.webconsole.Sampler;
import cs.resources.webconsole.Snapshot;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.inventory.Format;
import org.apache.felix.inventory.InventoryPrinter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Felix Inventory printer {@value #PRINTER}: RunStates, MultiOpen services with their
 * holders ({@link ResourcesRuntime#holders}, recorded while leak detection is on), and pools with
 * their statistics and holders, as text or JSON, for the Web Console's status pages and support
 * dumps (Karaf's {@code dev:dump-create} among them). Enabled by {@code ConsoleSelector} only
 * where Felix Inventory's API is wired.
 */
@Component(name = ResourcesInventoryPrinter.NAME, enabled = false, service = InventoryPrinter.class,
        property = {
            InventoryPrinter.NAME + "=" + ResourcesInventoryPrinter.PRINTER,
            InventoryPrinter.TITLE + "=cs.resources",
            InventoryPrinter.FORMAT + "=TEXT",
            InventoryPrinter.FORMAT + "=JSON"
        })
public final class ResourcesInventoryPrinter implements InventoryPrinter {

    /** The component name. */
    public static final String NAME = "cs.resources.webconsole.inventory";
    /** The printer's name. */
    public static final String PRINTER = "cs.resources";

    private final ResourcesRuntime runtime;
    private final Sampler sampler;
    private final Clock clock = Clock.systemUTC();

    /**
     * @param runtime what to print
     * @param sampler the pool history
     */
    @Activate
    public ResourcesInventoryPrinter(@Reference(name = "runtime") ResourcesRuntime runtime,
            @Reference(name = "sampler") Sampler sampler) {
        this.runtime = runtime;
        this.sampler = sampler;
    }

    @Override
    public void print(PrintWriter out, Format format, boolean isZip) {
        Snapshot s = Snapshot.take(runtime, sampler.history(), clock.instant());
        if (Format.JSON.equals(format)) {
            Map<String, Object> m = s.toJson(false);
            addHolders(m, "multiOpens");
            addHolders(m, "pools");
            out.print(Json.write(m));
        } else {
            out.print(ResourcesPage.plainText(s));
            out.println("Holders (recorded while leak detection is on)");
            boolean any = false;
            for (Map.Entry<Long, List<LeakDetection.Holder>> e : holders(s).entrySet()) {
                for (LeakDetection.Holder h : e.getValue()) {
                    any = true;
                    String[] lines = h.describe().split("\n");
                    out.println("  service " + e.getKey() + ": " + Printable.escape(lines[0]));
                    for (int i = 1; i < lines.length; i++) {
                        out.println("      " + Printable.escape(lines[i].strip()));
                    }
                }
            }
            if (!any) {
                out.println("  none");
            }
        }
        out.flush();
    }

    private Map<Long, List<LeakDetection.Holder>> holders(Snapshot s) {
        Map<Long, List<LeakDetection.Holder>> m = new LinkedHashMap<>();
        s.multiOpens().forEach(x -> m.put(x.serviceId(), holders(x.serviceId())));
        s.pools().forEach(x -> m.put(x.serviceId(), holders(x.serviceId())));
        return m;
    }

    /** The service's holders; none if it went away since it was listed. */
    private List<LeakDetection.Holder> holders(long serviceId) {
        try {
            return runtime.holders(serviceId);
        } catch (IllegalArgumentException gone) {
            return List.of();
        }
    }

    @SuppressWarnings("unchecked")
    private void addHolders(Map<String, Object> m, String key) {
        for (Object row : (List<Object>) m.get(key)) {
            Map<String, Object> r = (Map<String, Object>) row;
            long id = ((Number) r.get("serviceId")).longValue();
            r.put("holders", holders(id).stream().map(ResourcesInventoryPrinter::holder).toList());
        }
    }

    private static Map<String, Object> holder(LeakDetection.Holder h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", h.kind());
        m.put("thread", h.thread());
        m.put("since", h.since());
        m.put("opener", h.opener());
        m.put("stack", h.stack().stream().map(StackTraceElement::toString).toList());
        return m;
    }
}
