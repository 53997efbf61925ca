package dev.syncline.core;

import java.time.Clock;
import java.util.Objects;

/**
 * Issues {@link Hlc} stamps for one node: each stamp is greater than every stamp this clock issued
 * or {@linkplain #observe observed} before, and stays close to wall time. Wall time comes from the
 * injected {@link Clock}, so tests control it.
 *
 * <p>Concurrency: all methods are synchronized; the clock is cheap and never blocks on I/O.
 */
public final class HlcClock {
    private final Clock wall;
    private final String node;
    private long lastWall;
    private int lastCounter;

    /**
     * @param wall source of wall time
     * @param node this node's id (the {@link Hlc#node()} rule applies)
     * @throws InvalidInputException when {@code node} is not a valid node id
     */
    public HlcClock(Clock wall, String node) {
        this.wall = Objects.requireNonNull(wall, "wall clock");
        this.node = new Hlc(0, 0, node).node();
    }

    /**
     * Restores a clock that must never go below {@code last} (for example the last stamp persisted
     * before a restart).
     */
    public HlcClock(Clock wall, String node, Hlc last) {
        this(wall, node);
        if (last != null) {
            observe(last);
        }
    }

    /** @return a new stamp, greater than all earlier ones of this clock */
    public synchronized Hlc now() {
        long physical = wall.millis();
        if (physical > lastWall) {
            lastWall = physical;
            lastCounter = 0;
        } else {
            advanceCounter();
        }
        return new Hlc(lastWall, lastCounter, node);
    }

    /**
     * Merges a stamp received from elsewhere so later local stamps order after it.
     *
     * @return the merged stamp, as issued by this node
     */
    public synchronized Hlc observe(Hlc remote) {
        Objects.requireNonNull(remote, "remote hlc");
        long physical = wall.millis();
        long max = Math.max(physical, Math.max(lastWall, remote.wallMillis()));
        if (max == lastWall && max == remote.wallMillis()) {
            lastCounter = Math.max(lastCounter, remote.counter());
            advanceCounter();
        } else if (max == lastWall) {
            advanceCounter();
        } else if (max == remote.wallMillis()) {
            lastWall = max;
            lastCounter = remote.counter();
            advanceCounter();
        } else {
            lastWall = max;
            lastCounter = 0;
        }
        return new Hlc(lastWall, lastCounter, node);
    }

    /** @return this clock's node id */
    public String node() {
        return node;
    }

    private void advanceCounter() {
        if (lastCounter == Hlc.MAX_COUNTER) {
            // Counter exhausted within one millisecond: borrow the next millisecond.
            lastWall++;
            lastCounter = 0;
        } else {
            lastCounter++;
        }
    }
}
