package cs.resources.launcher.console;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams that a Gogo session may close without closing the console under them.
 *
 * <p>Gogo's session wraps its streams in NIO channels ({@code Channels.newChannel}), and such a
 * channel is interruptible: a thread interrupted while it reads or writes through it closes the
 * channel, and closing the channel closes the stream under it. Given the JVM's standard output or
 * the terminal, that is file descriptor 1 or the keyboard, gone for good. A {@code KeepOpen}
 * stream stands between: its {@code close()} only records that it was asked ({@link #closed()}),
 * so that the owner of the session can replace the session whose channels are now unusable.
 */
final class KeepOpen {

    private KeepOpen() {
    }

    /** An output stream over {@code out} that never closes it; {@code flush()} passes through. */
    static final class Output extends OutputStream {
        private final OutputStream out;
        private volatile boolean closed;

        Output(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        /** Records the request and flushes; {@code out} stays open and this stream stays usable. */
        @Override
        public void close() throws IOException {
            closed = true;
            out.flush();
        }

        /** @return whether something (typically an interrupted channel) asked to close this stream */
        boolean closed() {
            return closed;
        }
    }

    /** An input stream over {@code in} that never closes it. */
    static final class Input extends FilterInputStream {
        private volatile boolean closed;

        Input(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            closed = true;
        }

        /** @return whether something asked to close this stream */
        boolean closed() {
            return closed;
        }
    }
}
