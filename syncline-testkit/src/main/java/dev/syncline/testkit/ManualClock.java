package dev.syncline.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/** A {@link Clock} that stands still until a test moves it. Thread-safe. */
public final class ManualClock extends Clock {
    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    /** @param start the time it shows until moved */
    public ManualClock(Instant start) {
        this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
    }

    private ManualClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** Moves the clock forward by {@code d} (not negative). */
    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("cannot advance by a negative duration: " + d);
        }
        now.updateAndGet(t -> t.plus(d));
    }

    /** Sets the time, forward or back (wall clocks do jump back). */
    public void set(Instant t) {
        now.set(Objects.requireNonNull(t, "t"));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** @return a clock sharing this one's time in another zone */
    @Override
    public Clock withZone(ZoneId zone) {
        return new ManualClock(now, zone);
    }
}
