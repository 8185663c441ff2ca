package cs.resources;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock for tests: it stands still until a test (or a test's threads, safely) moves it, to the
 * millisecond. Not final, so that a test may count its reads.
 */
class ManualClock extends Clock {

    private final AtomicLong millis;

    /** A clock at the epoch. */
    ManualClock() {
        this(Instant.EPOCH);
    }

    ManualClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    /** Moves the clock forward by {@code d} (whole milliseconds), atomically. */
    void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    void set(Instant instant) {
        millis.set(instant.toEpochMilli());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }
}
