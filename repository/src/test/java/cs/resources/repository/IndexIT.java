package cs.resources.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The OSGi repository the build makes ({@code target/repository/index.xml} beside its bundles), used
 * as a bnd workspace uses one: {@code index-check.bndrun} names requirements only (the runtime's
 * and the task service's service capabilities, the shell bundle, Gogo's console) and
 * {@code -standalone} the index; the build resolved it with bnd's resolver and exported the result
 * as an executable jar ({@code target/index-check.jar}). These tests read the index, check that
 * the run holds exactly bundles of the index, and run it: a real Felix, our commands at Gogo's
 * console.
 */
class IndexIT {

    private static final Path REPOSITORY = Path.of(System.getProperty("repository.dir"));
    private static final Path RUN = Path.of(System.getProperty("index.check.jar"));
    private static final String REPOSITORY_NS = "http://www.osgi.org/xmlns/repository/v1.0.0";

    /** One resource of the index: its identity, version and content URL. */
    record Entry(String identity, String version, String type, String url, String sha256) {
    }

    @Test
    void theIndexListsOurBundlesAndTheirRuntimeBesideItself() throws Exception {
        List<Entry> entries = entries();
        assertThat(entries).extracting(Entry::identity).contains("cs.resources.api", "cs.resources.impl",
                "cs.resources.shell", "cs.resources.webconsole", "cs.resources.metrics", "micrometer-core",
                "org.apache.felix.framework", "org.apache.felix.scr",
                "org.apache.felix.gogo.runtime", "org.apache.felix.webconsole");
        assertThat(entries).filteredOn(e -> e.identity().startsWith("cs.resources."))
                .allSatisfy(e -> assertThat(e.type()).isEqualTo("osgi.bundle"));
        for (Entry e : entries) {
            // Relative to the index, inside its folder, and the bytes the index describes.
            assertThat(e.url()).as(e.identity()).doesNotContain(":").startsWith("bundles/");
            Path file = REPOSITORY.resolve(e.url());
            assertThat(file).as(e.identity()).isRegularFile();
            assertThat(sha256(Files.readAllBytes(file))).as(e.identity()).isEqualTo(e.sha256());
        }
        try (Stream<Path> files = Files.list(REPOSITORY.resolve("bundles"))) {
            assertThat(files.map(f -> "bundles/" + f.getFileName()))
                    .as("every file in the folder is indexed")
                    .containsExactlyInAnyOrderElementsOf(entries.stream().map(Entry::url).toList());
        }
    }

    @Test
    void theResolvedRunHoldsOnlyBundlesOfTheIndex() throws Exception {
        Map<String, String> indexed = new TreeMap<>();
        for (Entry e : entries()) {
            indexed.put(e.sha256(), e.identity());
        }
        List<String> run = new ArrayList<>();
        try (JarFile jar = new JarFile(RUN.toFile())) {
            for (var entry : jar.stream().toList()) {
                String name = entry.getName();
                if (!name.startsWith("jar/") || !name.endsWith(".jar") || name.startsWith("jar/biz.aQute.launcher")) {
                    continue; // bnd's launcher is the export's, not the run's
                }
                try (InputStream in = jar.getInputStream(entry)) {
                    String hash = sha256(in.readAllBytes());
                    assertThat(indexed).as("%s is a bundle of the index", name).containsKey(hash);
                    run.add(indexed.get(hash));
                }
            }
        }
        assertThat(run).contains("org.apache.felix.framework", "cs.resources.api", "cs.resources.impl",
                "cs.resources.shell", "org.apache.felix.scr", "org.apache.felix.gogo.runtime",
                "org.apache.felix.gogo.jline");
        assertThat(run).as("nothing the requirements do not need").doesNotContain("cs.resources.webconsole",
                "org.apache.felix.http.jetty12");
    }

    @Test
    void theResolvedRunStartsAndRunsOurCommands(@TempDir Path dir) throws Exception {
        // Gogo's console, given a script (gosh.args), runs it at start level 2, after our bundles
        // (level 1) started, then "stop 0" stops the framework; its login profile is replaced by
        // an empty one, whose default needs an interactive terminal.
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/gosh_profile"), "");
        String script = "resources:runstates ; resources:run index-check { sleep 600000 } ; resources:runstates ;"
                + " resources:cancel index-check ; stop 0";
        Path out = dir.resolve("out.txt");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dgosh.home=" + dir, "-Dgosh.args=--nointeractive -c " + script, "-jar", RUN.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        boolean ended;
        try {
            ended = process.waitFor(120, TimeUnit.SECONDS);
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(ended).as("the run ended within 120 s:%n%s", output).isTrue();
        // bnd's launcher exits with 117 when the framework was stopped from inside.
        assertThat(process.exitValue()).as(output).isEqualTo(117);
        assertThat(output).containsPattern("(?m)^ID +NAME +STATE +BUNDLE +STARTED +RUN TIME +PROGRESS +LEFT +MESSAGE$")
                .containsPattern("(?m)^task (\\d+) index-check submitted; resources:cancel \\1 stops it$")
                .containsPattern("(?m)^ *\\d+ +index-check +(PENDING|RUNNING) +cs\\.resources\\.shell ")
                .containsPattern("(?m)^cancelled \\d+ index-check \\((STOPPING|CANCELLED)\\)$")
                .doesNotContain("Exception", "ERROR");
    }

    private static List<Entry> entries() throws Exception {
        Document index = DocumentBuilderFactory.newDefaultNSInstance().newDocumentBuilder()
                .parse(REPOSITORY.resolve("index.xml").toFile());
        List<Entry> entries = new ArrayList<>();
        NodeList resources = index.getElementsByTagNameNS(REPOSITORY_NS, "resource");
        for (int i = 0; i < resources.getLength(); i++) {
            Element resource = (Element) resources.item(i);
            Map<String, String> identity = attributes(resource, "osgi.identity");
            if ("bnd.synthetic".equals(identity.get("type"))) {
                continue; // bnd's view of a multi-release jar on one Java release: the same file
            }
            Map<String, String> content = attributes(resource, "osgi.content");
            entries.add(new Entry(identity.get("osgi.identity"), identity.get("version"), identity.get("type"),
                    content.get("url"), content.get("osgi.content")));
        }
        return entries;
    }

    /** The attributes of the resource's first capability in the namespace. */
    private static Map<String, String> attributes(Element resource, String namespace) {
        NodeList capabilities = resource.getElementsByTagNameNS(REPOSITORY_NS, "capability");
        for (int i = 0; i < capabilities.getLength(); i++) {
            Element capability = (Element) capabilities.item(i);
            if (namespace.equals(capability.getAttribute("namespace"))) {
                Map<String, String> attributes = new TreeMap<>();
                NodeList list = capability.getElementsByTagNameNS(REPOSITORY_NS, "attribute");
                for (int j = 0; j < list.getLength(); j++) {
                    Element a = (Element) list.item(j);
                    attributes.put(a.getAttribute("name"), a.getAttribute("value"));
                }
                return attributes;
            }
        }
        throw new AssertionError("a resource without " + namespace);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
