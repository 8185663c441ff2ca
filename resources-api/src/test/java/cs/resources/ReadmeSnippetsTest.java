package cs.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.util.diff.Delta;
import org.assertj.core.util.diff.DiffUtils;
import org.assertj.core.util.diff.Patch;
import org.junit.jupiter.api.Test;

/**
 * The README shows compiled code: every {@code ```java} block of README.md equals, once common
 * indentation, trailing spaces and blank lines at either end are removed, a block between
 * {@code // README:name} and {@code // README:end} in this module's test sources (which compile
 * and run it, as {@link ReadmeExamplesTest} does); and every such block is shown by the README.
 *
 * <p>A {@code ```java} block that cannot compile here says so on the line right before its fence,
 * {@code <!-- not compiled: why -->}, and is skipped. Other fences ({@code ```}, {@code ```text})
 * are not Java and are not compared.
 *
 * <p>The check itself is tested on small made-up inputs below, so that a broken check cannot pass
 * quietly.
 */
class ReadmeSnippetsTest {

    /** README.md, seen from the module directory (where Surefire runs the tests). */
    static final Path README = Path.of("..", "README.md");

    /** The test sources whose blocks the README may show. */
    static final Path TEST_SOURCES = Path.of("src", "test", "java");

    @Test
    void everyJavaBlockOfTheReadmeIsABlockOfTheTestSources() throws IOException {
        assertThat(README).as("README.md, from %s", Path.of("").toAbsolutePath()).isRegularFile();
        Map<String, List<String>> sources = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(TEST_SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(f -> {
                try {
                    sources.put(f.toString().replace('\\', '/'), Files.readAllLines(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        Report report = check("README.md", Files.readAllLines(README), sources);

        if (!report.problems().isEmpty()) {
            fail(report.problems().size() + " README snippet problem(s):\n\n" + String.join("\n\n", report.problems()));
        }
        assertThat(report.compared()).as("```java blocks of README.md compared").isPositive();
        assertThat(report.sourceBlocks()).as("// README: blocks in %s", TEST_SOURCES).isPositive();
    }

    // ---------------------------------------------------------------------------------------
    // The check.

    /** What the check found: how many blocks it compared, skipped and read, and what is wrong. */
    record Report(int compared, int skipped, int sourceBlocks, List<String> problems) {
    }

    /** A {@code ```java} block of the README: where it is, and its lines (fences excluded). */
    record ReadmeBlock(int line, String section, boolean notCompiled, List<String> lines) {
        String where(String readme) {
            return readme + " line " + line + (section.isEmpty() ? "" : " (section \"" + section + "\")");
        }
    }

    /** A block between {@code // README:name} and {@code // README:end} of a test source. */
    record SourceBlock(String name, String file, int line, List<String> lines) {
        String where() {
            return "`" + name + "` (" + file + " line " + line + ")";
        }
    }

    private static final Pattern FENCE = Pattern.compile("(`{3,})\\s*([^`\\s]*)[^`]*");
    private static final Pattern HEADING = Pattern.compile("#{1,6}\\s+(.*?)\\s*#*");
    private static final String MARKER_START = "<!-- not compiled";
    private static final Pattern MARKER = Pattern.compile("<!-- not compiled: *(\\S.*?) *-->");
    private static final String SOURCE_MARK = "// README:";
    private static final Pattern BLOCK_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /**
     * Compares the README's {@code ```java} blocks with the sources' {@code // README:} blocks.
     *
     * @param readme the README's name, for messages
     * @param readmeLines the README
     * @param sources each test source's name (for messages) and lines
     * @return the counts and the problems, each naming the block and saying what to do
     */
    static Report check(String readme, List<String> readmeLines, Map<String, List<String>> sources) {
        List<String> problems = new ArrayList<>();
        List<ReadmeBlock> readmeBlocks = readmeBlocks(readme, readmeLines, problems);
        List<SourceBlock> sourceBlocks = new ArrayList<>();
        sources.forEach((file, lines) -> sourceBlocks.addAll(sourceBlocks(file, lines, problems)));

        Map<String, SourceBlock> byName = new HashMap<>();
        for (SourceBlock b : sourceBlocks) {
            SourceBlock earlier = byName.putIfAbsent(b.name(), b);
            if (earlier != null) {
                problems.add(b.file() + " line " + b.line() + ": `" + SOURCE_MARK + b.name()
                        + "` is already the name of " + earlier.where() + "; give each block its own name.");
            }
        }

        Map<SourceBlock, List<String>> normalized = new LinkedHashMap<>();
        sourceBlocks.forEach(b -> normalized.put(b, normalize(b.lines())));
        List<SourceBlock> shown = new ArrayList<>();
        int compared = 0;
        int skipped = 0;
        for (ReadmeBlock block : readmeBlocks) {
            if (block.notCompiled()) {
                skipped++;
                continue;
            }
            compared++;
            List<String> text = normalize(block.lines());
            List<SourceBlock> equal = normalized.entrySet().stream()
                    .filter(e -> e.getValue().equals(text)).map(Map.Entry::getKey).toList();
            if (!equal.isEmpty()) {
                shown.addAll(equal);
                continue;
            }
            problems.add(drift(readme, block, text, normalized));
        }
        for (SourceBlock b : sourceBlocks) {
            if (!shown.contains(b)) {
                problems.add(b.file() + " line " + b.line() + ": " + SOURCE_MARK + b.name() + " is shown in no ```java block of "
                        + readme + ": show it there, or remove its markers if the README no longer needs it.");
            }
        }
        return new Report(compared, skipped, sourceBlocks.size(), List.copyOf(problems));
    }

    /** The message for a README block that equals no source block: the closest one, as a diff. */
    private static String drift(String readme, ReadmeBlock block, List<String> text, Map<SourceBlock, List<String>> sources) {
        String head = block.where(readme) + ": this ```java block is no " + SOURCE_MARK + "name block of the test sources."
                + " Edit the test so that its block reads exactly as the README should (or, if it cannot compile in"
                + " resources-api, put `" + MARKER_START + ": why -->` on the line before the fence).";
        // The closest block shares the most lines with the README's (not counting blank ones and
        // lone braces); of those, the one least changed.
        Map.Entry<SourceBlock, Patch<String>> closest = sources.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), DiffUtils.diff(text, e.getValue())))
                .min(Comparator.<Map.Entry<SourceBlock, Patch<String>>>comparingInt(
                                e -> -sharedLines(text, sources.get(e.getKey())))
                        .thenComparingInt(e -> changedLines(e.getValue())))
                .orElse(null);
        if (closest == null || sharedLines(text, sources.get(closest.getKey())) == 0) {
            return head + "\nNo " + SOURCE_MARK + " block shares a line with it. The README's block:\n" + String.join("\n", text);
        }
        SourceBlock b = closest.getKey();
        List<String> diff = DiffUtils.generateUnifiedDiff(readme + " line " + block.line(), b.file() + " " + SOURCE_MARK + b.name(),
                text, closest.getValue(), 2);
        return head + "\nClosest: " + b.where() + "; - is the README, + the test:\n" + String.join("\n", diff);
    }

    /** How many lines with a word in them {@code a} and {@code b} have in common, in order. */
    private static int sharedLines(List<String> a, List<String> b) {
        List<String> x = a.stream().filter(ReadmeSnippetsTest::hasAWord).toList();
        List<String> y = b.stream().filter(ReadmeSnippetsTest::hasAWord).toList();
        return (x.size() + y.size() - changedLines(DiffUtils.diff(x, y))) / 2;
    }

    private static boolean hasAWord(String line) {
        return line.chars().anyMatch(Character::isLetter);
    }

    private static int changedLines(Patch<String> patch) {
        int n = 0;
        for (Delta<String> d : patch.getDeltas()) {
            n += d.getOriginal().size() + d.getRevised().size();
        }
        return n;
    }

    /** The README's {@code ```java} blocks, with the section each is in and its marker. */
    static List<ReadmeBlock> readmeBlocks(String readme, List<String> lines, List<String> problems) {
        List<ReadmeBlock> blocks = new ArrayList<>();
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                section = heading.group(1);
                continue;
            }
            if (line.startsWith(MARKER_START)) {
                Matcher m = MARKER.matcher(line);
                if (!m.matches()) {
                    problems.add(readme + " line " + (i + 1) + ": `" + line + "` should read `" + MARKER_START
                            + ": <why> -->`, on one line, saying why the block cannot compile.");
                }
                if (i + 1 >= lines.size() || !isJavaFence(lines.get(i + 1).strip())) {
                    problems.add(readme + " line " + (i + 1) + ": `" + MARKER_START + "` is not on the line right before a ```java fence.");
                }
                continue;
            }
            Matcher fence = FENCE.matcher(line);
            if (!fence.matches()) {
                continue;
            }
            int open = i;
            String ticks = fence.group(1);
            List<String> body = new ArrayList<>();
            i++;
            while (i < lines.size() && !isClosing(lines.get(i).strip(), ticks)) {
                body.add(lines.get(i));
                i++;
            }
            if (i >= lines.size()) {
                problems.add(readme + " line " + (open + 1) + ": the fence " + ticks + fence.group(2) + " is never closed.");
            }
            if (fence.group(2).equals("java")) {
                boolean marked = open > 0 && lines.get(open - 1).strip().startsWith(MARKER_START);
                blocks.add(new ReadmeBlock(open + 1, section, marked, List.copyOf(body)));
            }
        }
        return blocks;
    }

    private static boolean isJavaFence(String line) {
        Matcher fence = FENCE.matcher(line);
        return fence.matches() && fence.group(2).equals("java");
    }

    private static boolean isClosing(String line, String ticks) {
        return line.length() >= ticks.length() && line.chars().allMatch(c -> c == '`');
    }

    /** The blocks of one test source, between {@code // README:name} and {@code // README:end}. */
    static List<SourceBlock> sourceBlocks(String file, List<String> lines, List<String> problems) {
        List<SourceBlock> blocks = new ArrayList<>();
        String name = null;
        int start = 0;
        List<String> body = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith(SOURCE_MARK)) {
                if (name != null) {
                    body.add(lines.get(i));
                }
                continue;
            }
            String mark = line.substring(SOURCE_MARK.length()).strip();
            String where = file + " line " + (i + 1) + ": ";
            if (mark.equals("end")) {
                if (name == null) {
                    problems.add(where + SOURCE_MARK + "end ends no block.");
                } else if (normalize(body).isEmpty()) {
                    problems.add(where + "block `" + name + "` (line " + start + ") is empty.");
                } else {
                    blocks.add(new SourceBlock(name, file, start, List.copyOf(body)));
                }
                name = null;
                body.clear();
            } else if (!BLOCK_NAME.matcher(mark).matches()) {
                problems.add(where + "`" + line + "`: a block's name is lowercase letters, digits and dashes.");
            } else if (name != null) {
                problems.add(where + SOURCE_MARK + mark + " starts inside block `" + name + "` (line " + start
                        + "), which has no " + SOURCE_MARK + "end before it.");
            } else {
                name = mark;
                start = i + 1;
            }
        }
        if (name != null) {
            problems.add(file + " line " + start + ": block `" + name + "` has no " + SOURCE_MARK + "end.");
        }
        return blocks;
    }

    /**
     * The lines without trailing spaces, without blank lines at either end, and without the
     * indentation they all share.
     */
    static List<String> normalize(List<String> lines) {
        List<String> stripped = lines.stream().map(String::stripTrailing).toList();
        int from = 0;
        int to = stripped.size();
        while (from < to && stripped.get(from).isEmpty()) {
            from++;
        }
        while (to > from && stripped.get(to - 1).isEmpty()) {
            to--;
        }
        List<String> kept = stripped.subList(from, to);
        int indent = kept.stream().filter(l -> !l.isEmpty())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return kept.stream().map(l -> l.isEmpty() ? l : l.substring(indent)).toList();
    }

    // ---------------------------------------------------------------------------------------
    // The check, on made-up inputs.

    private static Report check(List<String> readme, List<String> source) {
        return check("README.md", readme, Map.of("Example.java", source));
    }

    @Test
    void aBlockEqualOnceIndentationAndTrailingSpacesAreRemovedPasses() {
        Report r = check(List.of(
                "## Tour",
                "- in a list item:",
                "",
                "  ```java",
                "  if (ok) {   ",
                "      go();",
                "  }",
                "  ```"), List.of(
                "class Example {",
                "    void m() {",
                "        // README:ok",
                "",
                "        if (ok) {",
                "            go();",
                "        }",
                "        // README:end",
                "    }",
                "}"));
        assertThat(r.problems()).isEmpty();
        assertThat(r.compared()).isEqualTo(1);
        assertThat(r.sourceBlocks()).isEqualTo(1);
    }

    @Test
    void aBlockThatDriftedIsNamedWithTheClosestSourceBlockAndADiff() {
        Report r = check(List.of(
                "# Title",
                "### MultiOpen",
                "```java",
                "a();",
                "b();",
                "c();",
                "```"), List.of(
                "// README:far",
                "x();",
                "// README:end",
                "// README:near",
                "a();",
                "B();",
                "c();",
                "// README:end"));
        assertThat(r.problems()).hasSize(3);
        assertThat(r.problems().get(0))
                .startsWith("README.md line 3 (section \"MultiOpen\"): this ```java block is no // README:name block")
                .contains("Closest: `near` (Example.java line 4)")
                .contains("--- README.md line 3", "+++ Example.java // README:near", "\n a();\n-b();\n+B();\n c();");
        assertThat(r.problems().get(1)).startsWith("Example.java line 1: // README:far is shown in no ```java block of README.md");
        assertThat(r.problems().get(2)).startsWith("Example.java line 4: // README:near is shown in no ```java block");
    }

    @Test
    void aBlockLikeNoSourceBlockIsShownWhole() {
        Report r = check(List.of("```java", "@ExtendWith(X.class)", "class T { ... }", "```"),
                List.of("// README:x", "x();", "// README:end"));
        assertThat(r.problems()).first().asString()
                .endsWith("\nNo // README: block shares a line with it. The README's block:\n@ExtendWith(X.class)\nclass T { ... }");
    }

    @Test
    void aMarkedBlockIsSkippedAndOtherFencesAreNotJava() {
        Report r = check(List.of(
                "<!-- not compiled: needs the DS annotations -->",
                "```java",
                "@Component class C { ... }",
                "```",
                "```",
                "g! resources:runstates",
                "```",
                "````text",
                "```java",
                "not java: inside a text fence",
                "```",
                "````"), List.of());
        assertThat(r.problems()).isEmpty();
        assertThat(r.compared()).isZero();
        assertThat(r.skipped()).isEqualTo(1);
    }

    @Test
    void aMarkerSaysWhyAndStandsRightBeforeAJavaFence() {
        Report r = check(List.of(
                "<!-- not compiled -->",
                "```java",
                "x();",
                "```",
                "<!-- not compiled: a reason -->",
                "",
                "```java",
                "y();",
                "```"), List.of("// README:y", "y();", "// README:end"));
        assertThat(r.problems()).containsExactly(
                "README.md line 1: `<!-- not compiled -->` should read `<!-- not compiled: <why> -->`, on one line, saying why the block cannot compile.",
                "README.md line 5: `<!-- not compiled` is not on the line right before a ```java fence.");
        assertThat(r.skipped()).as("the block after the bare marker").isEqualTo(1);
        assertThat(r.compared()).as("the block after the marker and a blank line is not skipped").isEqualTo(1);
    }

    @Test
    void anUnclosedFenceIsReported() {
        Report r = check(List.of("```java", "x();"), List.of("// README:x", "x();", "// README:end"));
        assertThat(r.problems()).containsExactly("README.md line 1: the fence ```java is never closed.");
    }

    @Test
    void badSourceMarkersAreReported() {
        List<String> problems = new ArrayList<>();
        List<SourceBlock> blocks = sourceBlocks("Example.java", List.of(
                "// README:end",
                "// README:Bad_Name",
                "// README:a",
                "a();",
                "// README:b",
                "b();",
                "// README:end",
                "// README:empty",
                "",
                "// README:end",
                "// README:open",
                "open();"), problems);
        assertThat(problems).containsExactly(
                "Example.java line 1: // README:end ends no block.",
                "Example.java line 2: `// README:Bad_Name`: a block's name is lowercase letters, digits and dashes.",
                "Example.java line 5: // README:b starts inside block `a` (line 3), which has no // README:end before it.",
                "Example.java line 10: block `empty` (line 8) is empty.",
                "Example.java line 11: block `open` has no // README:end.");
        assertThat(blocks).extracting(SourceBlock::name).containsExactly("a");
        assertThat(blocks.get(0).lines()).as("the stray start is reported, not kept").containsExactly("a();", "b();");
    }

    @Test
    void twoBlocksOfOneNameAreReported() {
        Map<String, List<String>> sources = new LinkedHashMap<>();
        sources.put("A.java", List.of("// README:x", "x();", "// README:end"));
        sources.put("B.java", List.of("", "// README:x", "x();", "// README:end"));
        Report r = check("README.md", List.of("```java", "x();", "```"), sources);
        assertThat(r.problems()).containsExactly(
                "B.java line 2: `// README:x` is already the name of `x` (A.java line 1); give each block its own name.");
    }
}
