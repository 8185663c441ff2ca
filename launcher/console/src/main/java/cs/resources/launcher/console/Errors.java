package cs.resources.launcher.console;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.gogo.runtime.EOFError;
import org.apache.felix.gogo.runtime.SyntaxError;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/**
 * What the console prints when a command line fails: the way a command-line tool answers.
 *
 * <ul>
 *   <li>Wrong or missing arguments, which Gogo reports as {@code Cannot coerce run() to any of
 *       [(CommandSession, String, String, Function)]}: {@code resources:run: wrong arguments},
 *       then the command's usage as {@code help} gives it, from its {@code @Descriptor}s.</li>
 *   <li>An argument or state error ({@link IllegalArgumentException}, {@link IllegalStateException},
 *       {@link UnsupportedOperationException}, a syntax error): its message alone. The commands'
 *       messages name the command and what was wrong; the exception's class adds nothing.</li>
 *   <li>Anything else, an unexpected failure: its simple class name and message (and in the
 *       variable {@code exception}, as always in Gogo, the whole exception: {@code $exception
 *       printStackTrace}).</li>
 * </ul>
 */
final class Errors {

    private static final Pattern COERCION = Pattern.compile("^Cannot coerce ([^(\\s]+)\\(");
    /** Words of a command line that may name a command. */
    private static final Pattern WORD = Pattern.compile("[\\w.:-]+");

    private Errors() {
    }

    /**
     * @param e what the command line threw
     * @param line the command line
     * @param session the session it ran in, to find the command and its usage
     * @return the text to print, one or more lines, without a final line separator
     */
    static String describe(Throwable e, CharSequence line, CommandSession session, CommandProcessor processor) {
        String message = e.getMessage();
        if (e instanceof IllegalArgumentException && message != null) {
            Matcher coercion = COERCION.matcher(message);
            if (coercion.find()) {
                String command = command(coercion.group(1), line, session);
                String usage = usage(command, processor);
                return command + ": wrong arguments" + (usage.isBlank() ? "" : "; usage:" + System.lineSeparator() + usage);
            }
        }
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        if (plain(e)) {
            return message;
        }
        return e.getClass().getSimpleName() + ": " + message;
    }

    private static boolean plain(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof UnsupportedOperationException || e instanceof SyntaxError || e instanceof EOFError
                || e instanceof java.io.EOFException; // Gogo's parser: "unexpected eof found in the middle of ..."
    }

    /**
     * @return the scoped name of the command whose function is {@code function}, as the line
     *     calls it (unscoped names resolved through {@code SCOPE}, as Gogo does); {@code function}
     *     itself if the line names none
     */
    static String command(String function, CharSequence line, CommandSession session) {
        Set<String> commands = commands(session);
        Matcher words = WORD.matcher(line);
        while (words.find()) {
            String word = words.group();
            String resolved = resolve(word, commands, session);
            if (resolved != null && resolved.substring(resolved.indexOf(':') + 1).equalsIgnoreCase(function)) {
                return resolved;
            }
        }
        return function;
    }

    private static String resolve(String word, Set<String> commands, CommandSession session) {
        if (word.indexOf(':') >= 0) {
            return commands.contains(word) ? word : null;
        }
        Object path = session.get("SCOPE");
        for (String scope : (path == null ? "*" : path.toString()).split(":")) {
            for (String command : commands) {
                if (("*".equals(scope) && command.endsWith(":" + word)) || command.equals(scope + ":" + word)) {
                    return command;
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> commands(CommandSession session) {
        // Gogo gives the names of all commands, scope:function, as the variable .commands.
        return session.get(".commands") instanceof Set<?> s ? (Set<String>) s : Set.of();
    }

    /** @return what {@code help command} prints, without leading and trailing blank lines */
    static String usage(String command, CommandProcessor processor) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Charset charset = Charset.defaultCharset();
        try (PrintStream out = new PrintStream(text, true, charset);
                CommandSession scratch = processor.createSession(InputStream.nullInputStream(), out, out)) {
            scratch.execute("gogo:help " + command);
        } catch (Exception e) {
            return "";
        }
        return text.toString(charset).strip();
    }
}
