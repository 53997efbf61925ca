package dev.syncline.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Issues {@link Hlc} stamps for one node: each stamp is greater than every stamp this clock issued
 * or {@linkplain #observe adopted} before, and its wall part never exceeds the larger of the wall
 * clock now and the newest stamp issued or adopted (the one exception: when 65,536 stamps fall in
 * one millisecond, the clock borrows the next millisecond). Wall time comes from the injected
 * {@link Clock}, so tests control it.
 *
 * <p>Restarts: a clock {@linkplain #HlcClock(Clock, String, Hlc, Duration) restored} from the last
 * stamp its node issued or adopted (persist {@link #last()} with every stamp used) issues stamps
 * above that one and never above {@code max(wall now, last)}: it does not start in the future.
 *
 * <p>Remote stamps far ahead (the trade-off): {@link #observe} adopts a remote stamp, so that
 * later local stamps order after it, only when its wall part is at most {@code maxDrift} ahead of
 * this node's wall clock. A stamp further ahead comes from a node whose clock runs fast (or this
 * node's runs slow); adopting it would drag this clock, and through it every node that syncs with
 * this one, ahead by that much, and while the wall clock catches up every node would issue stamps
 * that differ only in their counter, so {@code latest} would order their writes by chance rather
 * than by time. Such a stamp is therefore not adopted: the node's own writes are stamped by its
 * own clock, and a later write here may order before that remote write. What this costs is small
 * in Syncline, because stamps never decide whether two writes conflict (server versions do):
 * an edit made on top of a pulled write is applied after it whatever the stamps say; stamps only
 * rank writes that were concurrent (neither saw the other), and for those, ordering after a
 * remote stamp carries no causal meaning. The node with the wrong clock pays: its writes win (fast
 * clock) or lose (slow clock) concurrent conflicts for as long as its skew lasts. The limit is the
 * constructor's; {@link Duration#ZERO} adopts no stamp dated after this node's wall clock, and
 * the constructors without one adopt everything (the classic hybrid logical clock).
 *
 * <p>Concurrency: all methods are synchronized; the clock is cheap and never blocks on I/O.
 */
public final class HlcClock {
    private final Clock wall;
    private final String node;
    private final long maxDriftMillis;
    private long lastWall;
    private int lastCounter;
    private boolean issued;

    /**
     * A clock that adopts every observed stamp, however far ahead.
     *
     * @param wall source of wall time
     * @param node this node's id (the {@link Hlc#node()} rule applies)
     * @throws InvalidInputException when {@code node} is not a valid node id
     */
    public HlcClock(Clock wall, String node) {
        this(wall, node, null, null);
    }

    /**
     * Restores a clock that must never go below {@code last} (for example the last stamp persisted
     * before a restart); it adopts every observed stamp, however far ahead.
     */
    public HlcClock(Clock wall, String node, Hlc last) {
        this(wall, node, last, null);
    }

    /**
     * Restores a clock that must never go below {@code last} and adopts observed stamps at most
     * {@code maxDrift} ahead of its wall clock.
     *
     * @param wall source of wall time
     * @param node this node's id (the {@link Hlc#node()} rule applies)
     * @param last the newest stamp this node issued or adopted before (null: none); restored as it
     *     is, however far ahead of the wall clock, so stamps never go back
     * @param maxDrift how far ahead of the wall clock an observed stamp may be and still be
     *     adopted; null for no limit
     * @throws InvalidInputException when {@code node} is not a valid node id or {@code maxDrift}
     *     is negative
     */
    public HlcClock(Clock wall, String node, Hlc last, Duration maxDrift) {
        this.wall = Objects.requireNonNull(wall, "wall clock");
        this.node = new Hlc(0, 0, node).node();
        if (maxDrift != null && maxDrift.isNegative()) {
            throw new InvalidInputException("invalid_setting", "maxClockDrift must be zero or positive: " + maxDrift);
        }
        this.maxDriftMillis = maxDrift == null ? Long.MAX_VALUE : maxDrift.toMillis();
        if (last != null) {
            lastWall = last.wallMillis();
            lastCounter = last.counter();
            issued = true;
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
        issued = true;
        return new Hlc(lastWall, lastCounter, node);
    }

    /**
     * Merges a stamp received from elsewhere so later local stamps order after it, unless it is
     * dated more than the clock's drift limit ahead of the wall clock (see the class comment):
     * then it is not adopted and the event is stamped as a local one.
     *
     * @return the merged stamp, as issued by this node (greater than {@code remote} when adopted)
     */
    public synchronized Hlc observe(Hlc remote) {
        Objects.requireNonNull(remote, "remote hlc");
        long physical = wall.millis();
        if (tooFarAhead(remote, physical)) {
            return now();
        }
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
        issued = true;
        return new Hlc(lastWall, lastCounter, node);
    }

    /**
     * @return true when {@link #observe} would not adopt {@code remote}: it is dated more than the
     *     drift limit ahead of the wall clock now
     */
    public boolean isTooFarAhead(Hlc remote) {
        Objects.requireNonNull(remote, "remote hlc");
        return tooFarAhead(remote, wall.millis());
    }

    private boolean tooFarAhead(Hlc remote, long physical) {
        return maxDriftMillis != Long.MAX_VALUE && remote.wallMillis() - physical > maxDriftMillis;
    }

    /**
     * @return the newest stamp this clock issued or adopted (or was restored from), as this
     *     node's; null when there is none. Persist it with each stamp used, and restore from it.
     */
    public synchronized Hlc last() {
        return issued ? new Hlc(lastWall, lastCounter, node) : null;
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
