package dev.syncline.client.internal.coordinator;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run per sync key at a time, debounced, on the scheduler. A trigger for a key that is
 * already scheduled is merged into it (push-only only when every merged trigger was); a trigger
 * for a key that is running marks it to run once more afterwards. A run may ask for a retry,
 * which is scheduled under the key {@code retry}.
 *
 * <p>Concurrency: the maps are guarded by this object, which is also the monitor
 * {@link #awaitIdle} waits on; runs execute on the scheduler's threads, outside the lock.
 */
public final class SyncRuns {
    private static final Logger log = LoggerFactory.getLogger(SyncRuns.class);
    private static final String RETRY = "retry";

    /** What a run does. */
    public interface Body {
        /**
         * Runs the sync of {@code key}.
         *
         * @param pushOnly true when every trigger merged into this run asked for a push only
         * @return when to retry, or null for no retry
         */
        Duration run(String key, boolean pushOnly);

        /** A run ended (its key no longer counts as running). */
        void ended(String key);
    }

    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    private final Map<String, ScheduledFuture<?>> scheduled = new HashMap<>();
    private final Map<String, Boolean> upstreamOnly = new HashMap<>();
    private final Set<String> running = new LinkedHashSet<>();
    private final Set<String> rerun = new LinkedHashSet<>();
    private Body body;
    private boolean closed;

    /**
     * @param scheduler runs the runs, after their delay
     * @param nanoTime monotonic time, for the bound of {@link #awaitIdle}
     */
    public SyncRuns(ScheduledExecutorService scheduler, LongSupplier nanoTime) {
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
    }

    /** Sets what a run does (once, before the first trigger). */
    public synchronized void body(Body b) {
        this.body = b;
    }

    /**
     * Schedules a run of {@code key} in {@code delay}, or merges into one scheduled or running.
     * Does nothing once closed.
     */
    public synchronized void trigger(String key, Duration delay, boolean pushOnly) {
        if (closed) {
            return;
        }
        if (running.contains(key)) {
            rerun.add(key);
            upstreamOnly.merge(key, pushOnly, Boolean::logicalAnd);
            return;
        }
        if (scheduled.containsKey(key)) {
            upstreamOnly.merge(key, pushOnly, Boolean::logicalAnd);
            return;
        }
        upstreamOnly.put(key, pushOnly);
        try {
            scheduled.put(key, scheduler.schedule(() -> run(key), delay.toNanos(), TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException e) {
            log.debug("sync {} not scheduled: scheduler stopped", key);
        }
    }

    /** Runs {@code key} now: a scheduled run of it is cancelled and scheduled again without delay. */
    public void triggerNow(String key, boolean pushOnly) {
        synchronized (this) {
            ScheduledFuture<?> f = scheduled.remove(key);
            if (f != null) {
                f.cancel(false);
            }
        }
        trigger(key, Duration.ZERO, pushOnly);
    }

    /** @return true while a run is scheduled or running */
    public synchronized boolean busy() {
        return !scheduled.isEmpty() || !running.isEmpty();
    }

    /** @return the keys running now */
    public synchronized Set<String> running() {
        return Set.copyOf(running);
    }

    private void run(String key) {
        boolean pushOnly;
        Body b;
        synchronized (this) {
            scheduled.remove(key);
            pushOnly = Boolean.TRUE.equals(upstreamOnly.remove(key));
            running.add(key);
            b = body;
        }
        Duration retryIn = null;
        try {
            retryIn = b.run(key, pushOnly);
        } catch (RuntimeException e) {
            log.warn("background sync {} failed: {}", key, e.toString());
        } finally {
            boolean again;
            boolean againPushOnly;
            synchronized (this) {
                running.remove(key);
                again = rerun.remove(key);
                againPushOnly = Boolean.TRUE.equals(upstreamOnly.remove(key));
                notifyAll();
            }
            b.ended(key);
            if (again) {
                trigger(key, Duration.ZERO, againPushOnly);
            } else if (retryIn != null) {
                trigger(RETRY, retryIn, false);
            }
        }
    }

    /** Cancels every scheduled run; later triggers do nothing. A running one finishes. */
    public synchronized void close() {
        closed = true;
        scheduled.values().forEach(f -> f.cancel(false));
        scheduled.clear();
    }

    /**
     * Waits until no run is running, for at most {@code timeout} of the monotonic time source (a
     * fake source that never moves waits until the run ends).
     *
     * @return true when none is running
     */
    public synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        while (!running.isEmpty()) {
            long left = deadline - nanoTime.getAsLong();
            if (left <= 0) {
                return false;
            }
            // Woken by the run's end (notifyAll above); the bound only rechecks the deadline.
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return true;
    }
}
