package cs.resources.launcher.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *       An unfinished line waits, per thread, for its end (or for the prompt to go), up to
 *       {@value #MAX_PENDING} bytes: a longer one (a task printing progress without a newline) is
 *       printed as a line of its own then, so that memory stays bounded. The unfinished line of a
 *       thread that has ended is printed at the next write, and the thread forgotten.</li>
 * </ul>
 *
 * <p>Thread-safe. {@code close()} does nothing: nothing may close the terminal's stream through
 * this. The lock guards {@link #reader} and {@link #pending}; JLine is called outside it.
 */
final class ConsoleOutput extends OutputStream {

    /** The longest unfinished line kept for a thread, in bytes. */
    static final int MAX_PENDING = 4096;

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
        StringBuilder lines = new StringBuilder();
        LineReader above;
        synchronized (lock) {
            above = reader;
            if (above == null) {
                terminal.write(b, off, len);
                // A session's channel never flushes: bytes must not wait in a buffer below.
                terminal.flush();
                return;
            }
            // The unfinished lines of threads that have ended: printed now, and the threads forgotten.
            for (Iterator<Map.Entry<Thread, ByteArrayOutputStream>> i = pending.entrySet().iterator(); i.hasNext();) {
                Map.Entry<Thread, ByteArrayOutputStream> e = i.next();
                if (!e.getKey().isAlive()) {
                    lines.append(e.getValue().toString(charset)).append('\n');
                    i.remove();
                }
            }
            ByteArrayOutputStream mine = pending.computeIfAbsent(Thread.currentThread(), t -> new ByteArrayOutputStream());
            for (int i = off; i < off + len; i++) {
                mine.write(b[i]);
                if (b[i] == '\n') {
                    lines.append(mine.toString(charset));
                    mine.reset();
                } else if (mine.size() >= MAX_PENDING && (atCharacterEnd(b, i, off + len) || mine.size() >= MAX_PENDING + 8)) {
                    lines.append(mine.toString(charset)).append('\n');
                    mine.reset();
                }
            }
            if (mine.size() == 0) {
                pending.remove(Thread.currentThread());
            }
        }
        if (lines.length() > 0) {
            // JLine takes its own lock; if the prompt went meanwhile, printAbove just prints.
            above.printAbove(lines.toString().replace("\r\n", "\n"));
        }
    }

    /**
     * @return whether {@code b[i]} ends a character: the next byte, if this write has it, does not
     *     continue a UTF-8 sequence; else {@code b[i]} is ASCII
     */
    private static boolean atCharacterEnd(byte[] b, int i, int end) {
        return i + 1 < end ? (b[i + 1] & 0xC0) != 0x80 : (b[i] & 0x80) == 0;
    }

    /** @return the bytes of unfinished lines held, for the tests */
    int pendingBytes() {
        synchronized (lock) {
            return pending.values().stream().mapToInt(ByteArrayOutputStream::size).sum();
        }
    }

    /** @return the threads whose unfinished lines are held, for the tests */
    Set<Thread> pendingThreads() {
        synchronized (lock) {
            return Set.copyOf(pending.keySet());
        }
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
