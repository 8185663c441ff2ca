package cs.resources.launcher.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jline.reader.LineReader;

/**
 * The interactive console's output: everything the console session, task sessions and the log
 * print to the terminal goes through here.
 *
 * <ul>
 *   <li>While a command runs (the prompt is not shown), bytes go straight to the terminal.</li>
 *   <li>While the user is at the prompt, output from other threads (tasks, the log) is written
 *       above the prompt and the line being typed, whole lines at a time, through
 *       {@link LineReader#printAbove(String)}, which redraws the prompt and the typed text after.
 *       An unfinished line waits, per thread, for its end (or for the prompt to go).</li>
 * </ul>
 *
 * <p>Thread-safe. {@code close()} does nothing: nothing may close the terminal's stream through
 * this. The lock guards {@link #reader} and {@link #pending}; JLine is called outside it.
 */
final class ConsoleOutput extends OutputStream {

    private final OutputStream terminal;
    private final Charset charset;
    private final Object lock = new Object();
    /** The reader while it shows the prompt, else null. Guarded by {@link #lock}. */
    private LineReader reader;
    /** Unfinished lines written while at the prompt, by thread. Guarded by {@link #lock}. */
    private final Map<Thread, ByteArrayOutputStream> pending = new HashMap<>();

    ConsoleOutput(OutputStream terminal, Charset charset) {
        this.terminal = terminal;
        this.charset = charset;
    }

    /** The prompt is shown: output from now on goes above it. */
    void prompting(LineReader lineReader) {
        synchronized (lock) {
            reader = lineReader;
        }
    }

    /** The prompt has gone (a command runs): output goes straight to the terminal again. */
    void running() throws IOException {
        List<byte[]> unfinished = new ArrayList<>();
        synchronized (lock) {
            reader = null;
            pending.values().forEach(b -> unfinished.add(b.toByteArray()));
            pending.clear();
            // The terminal's own stream, not foreign code: writing it under the lock keeps order.
            for (byte[] b : unfinished) {
                terminal.write(b);
            }
            terminal.flush();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        String lines;
        LineReader above;
        synchronized (lock) {
            above = reader;
            if (above == null) {
                terminal.write(b, off, len);
                // A session's channel never flushes: bytes must not wait in a buffer below.
                terminal.flush();
                return;
            }
            int lastNewline = -1;
            for (int i = off + len - 1; i >= off; i--) {
                if (b[i] == '\n') {
                    lastNewline = i;
                    break;
                }
            }
            ByteArrayOutputStream mine = pending.computeIfAbsent(Thread.currentThread(), t -> new ByteArrayOutputStream());
            if (lastNewline < 0) {
                mine.write(b, off, len);
                return;
            }
            mine.write(b, off, lastNewline + 1 - off);
            lines = mine.toString(charset);
            mine.reset();
            mine.write(b, lastNewline + 1, off + len - lastNewline - 1);
            if (mine.size() == 0) {
                pending.remove(Thread.currentThread());
            }
        }
        // JLine takes its own lock; if the prompt went meanwhile, printAbove just prints.
        above.printAbove(lines.replace("\r\n", "\n"));
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            terminal.flush();
        }
    }

    /** Does nothing: the terminal stays open. */
    @Override
    public void close() {
    }
}
