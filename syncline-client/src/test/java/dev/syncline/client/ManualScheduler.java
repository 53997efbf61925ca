package dev.syncline.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A scheduler whose time only moves when the test says: tasks run on the test's thread, in due
 * order, from {@link #advance} and {@link #runDue}. Its {@link #nanoTime()} is the client's
 * monotonic time source, so waits and round trips follow the same fake time. Records the delay of
 * every task scheduled, so a test can check what the code under test asked for.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicLong sequence = new AtomicLong();
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(
            Comparator.<Task<?>>comparingLong(t -> t.due).thenComparingLong(t -> t.seq));
    private final List<Duration> delays = new ArrayList<>();
    private volatile boolean shutdown;

    /** @return the fake monotonic time */
    public LongSupplier nanoTime() {
        return now::get;
    }

    /** @return the delays of every task scheduled so far, in order */
    public synchronized List<Duration> delays() {
        return List.copyOf(delays);
    }

    /** @return how many tasks wait */
    public synchronized int pending() {
        return (int) queue.stream().filter(t -> !t.isDone()).count();
    }

    /** Runs the tasks that are due now (and those they schedule that are due now). */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way, in order. */
    public void advance(Duration d) {
        long target = now.get() + d.toNanos();
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    break;
                }
                queue.poll();
            }
            if (next.isDone()) {
                continue;
            }
            now.set(Math.max(now.get(), next.due));
            next.run();
        }
        now.set(target);
    }

    /** Moves time to the next waiting task and runs it (and what falls due with it). */
    public void runNext() {
        Task<?> next;
        synchronized (this) {
            queue.removeIf(Task::isDone);
            next = queue.peek();
        }
        if (next != null) {
            advance(Duration.ofNanos(Math.max(0, next.due - now.get())));
        }
    }

    private synchronized <V> Task<V> add(Task<V> t, long delayNanos) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        delays.add(Duration.ofNanos(delayNanos));
        queue.add(t);
        return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        long n = Math.max(0, unit.toNanos(delay));
        return add(new Task<Void>(() -> {
            command.run();
            return null;
        }, now.get() + n), n);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        long n = Math.max(0, unit.toNanos(delay));
        return add(new Task<>(callable, now.get() + n), n);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        // Periodic tasks are not needed by the tests that use this scheduler: run once.
        return schedule(command, initialDelay, unit);
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        synchronized (this) {
            queue.forEach(t -> t.cancel(false));
            queue.clear();
        }
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        final long due;
        final long seq = sequence.incrementAndGet();

        Task(Callable<V> c, long due) {
            super(c);
            this.due = due;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now.get(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
