package cs.resources.itest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** Runs command lines in a real Gogo session and keeps what they printed. */
final class Gogo implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CommandSession session;

    Gogo(CommandProcessor processor) {
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Runs a line; returns what it printed on standard output (and forgets it). */
    String run(String line) throws Exception {
        synchronized (out) {
            out.reset();
        }
        session.execute(line);
        session.getConsole().flush();
        synchronized (out) {
            String s = out.toString(StandardCharsets.UTF_8);
            out.reset();
            return s;
        }
    }

    /** Runs a line that must fail; returns its exception. */
    Exception fail(String line) {
        try {
            session.execute(line);
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected " + line + " to fail; it printed: " + out.toString(StandardCharsets.UTF_8));
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        session.close();
    }
}
