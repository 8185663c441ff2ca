package cs.resources;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the pool's logger ({@code cs.resources.Pool}, a {@link System.Logger} routed to
 * java.util.logging) publishes while it is open, and keeps it off the console.
 */
final class PoolLog extends Handler implements AutoCloseable {
    static final String LOGGER_NAME = "cs.resources.Pool";

    private final Logger logger;
    private final boolean usedParentHandlers;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private PoolLog() {
        logger = Logger.getLogger(LOGGER_NAME);
        usedParentHandlers = logger.getUseParentHandlers();
        setLevel(Level.ALL);
        logger.addHandler(this);
        logger.setUseParentHandlers(false);
    }

    static PoolLog start() {
        return new PoolLog();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /** The records at {@code level} whose message mentions {@code subject}'s toString. */
    List<LogRecord> records(Level level, Object subject) {
        String name = String.valueOf(subject);
        return records.stream()
                .filter(r -> r.getLevel().equals(level))
                .filter(r -> r.getMessage() != null && r.getMessage().contains(name))
                .toList();
    }

    /** The thrown exceptions of the records at {@code level} that mention {@code subject}. */
    List<Throwable> thrown(Level level, Object subject) {
        return records(level, subject).stream().map(LogRecord::getThrown).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setUseParentHandlers(usedParentHandlers);
    }
}
