package dev.syncline.client.internal.watch;

import dev.syncline.client.ListenerToken;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.DocumentChanged;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live queries over the local store, delivered to listeners.
 *
 * <p>Concurrency: the database calls {@link #onCommit} on the writer's thread, after the commit and
 * still under the write lock, so events arrive here in commit order. This method only enqueues and
 * hands a drain task to the delivery executor; it never runs a query or listener code, so a writer
 * never waits for a watcher. Each watch drains serially (one drain at a time, the {@code wip}
 * counter), so a listener is never called by two threads at once, and its calls are ordered.
 *
 * <p>Two kinds of watchers: a <em>document</em> watcher receives the committed row of every write
 * to its document, in commit order, none skipped; a <em>query</em> watcher re-runs its query after
 * each relevant commit and delivers the result (when commits come faster than it reads, it
 * delivers the newest result once, never an older one after a newer). Both deliver the current
 * state first, at once, on the executor.
 *
 * <p>A listener that throws is logged and keeps its watch. A listener that also implements
 * {@link Ending} (the Flow adapters do) hears when its watch ends: when the store closes, or when
 * reading its value failed (then the watch is removed); a plain listener only sees the failure logged.
 */
public final class WatchHub {
    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

    /** Implemented by listeners that want to hear the end of their watch (adapters). */
    public interface Ending {
        /**
         * Called once, serially after the last value, when the watch ends.
         *
         * @param error why reading failed; null when the store closed
         */
        void ended(Throwable error);
    }

    private final Database db;
    private final Executor executor;
    private final List<Watch<?>> watches = new CopyOnWriteArrayList<>();

    /**
     * @param db the database whose commits are watched
     * @param executor runs queries and listener callbacks
     */
    public WatchHub(Database db, Executor executor) {
        this.db = Objects.requireNonNull(db, "db");
        this.executor = Objects.requireNonNull(executor, "executor");
        db.onCommit(this::onCommit);
        db.documentRowsWanted(() -> !watches.isEmpty());
    }

    private void onCommit(List<Object> events) {
        for (Watch<?> w : watches) {
            w.offer(events);
        }
    }

    /**
     * Watches one document: delivers the current state at once, then the state after every
     * committed write to it.
     *
     * @param initial reads the current row (run under the write lock so no commit slips between)
     * @param map turns a committed row (or null when absent) into the delivered value
     * @param fromEvent the committed row an event carries
     * @return the handle that ends the watch
     */
    public <R, T> ListenerToken document(String scope, String type, String id, Database.ReadWork<R> initial,
            Function<R, T> map, Function<DocumentChanged, R> fromEvent, Consumer<? super T> listener) {
        Objects.requireNonNull(listener, "listener");
        DocumentWatch<R, T> w = new DocumentWatch<>(listener, map, e -> e instanceof DocumentChanged d
                && d.id().equals(id) && d.type().equals(type) && d.scope().equals(scope), fromEvent);
        db.underWriteLock(c -> {
            w.items.add(new Item<>(initial.run(c)));
            watches.add(w);
            return null;
        });
        w.schedule();
        return w::close;
    }

    /**
     * Watches a query: delivers its result at once and after every commit for which
     * {@code relevant} holds for one of its events.
     *
     * @return the handle that ends the watch
     */
    public <T> ListenerToken query(Predicate<Object> relevant, Supplier<T> run, Consumer<? super T> listener) {
        Objects.requireNonNull(listener, "listener");
        QueryWatch<T> w = new QueryWatch<>(listener, relevant, run);
        // Under the write lock: a transaction that began before this watch (and so may have
        // decided nobody watches) has committed before the first run reads.
        db.underWriteLock(c -> watches.add(w));
        w.schedule();
        return w::close;
    }

    /** Ends every watch (the store is closing); {@link Ending} listeners hear it after their last value. */
    public void completeAll() {
        for (Watch<?> w : watches) {
            w.complete();
        }
        watches.clear();
    }

    /** @return how many watches are active (for tests and status) */
    public int activeSubscriptions() {
        return watches.size();
    }

    private record Item<R>(R value) {
    }

    private abstract class Watch<T> implements Runnable {
        final Consumer<? super T> listener;
        final AtomicInteger wip = new AtomicInteger();
        final AtomicBoolean done = new AtomicBoolean();
        volatile boolean completePending;

        Watch(Consumer<? super T> listener) {
            this.listener = listener;
        }

        abstract void offer(List<Object> events);

        /** Delivers what there is to deliver. */
        abstract void drainOnce();

        void deliver(T value) {
            if (done.get()) {
                return;
            }
            try {
                listener.accept(value);
            } catch (RuntimeException e) {
                log.warn("watch listener {} failed: {}", listener.getClass().getName(), e.toString(), e);
            }
        }

        void close() {
            if (done.compareAndSet(false, true)) {
                watches.remove(this);
            }
        }

        void schedule() {
            if (wip.getAndIncrement() == 0) {
                try {
                    executor.execute(this);
                } catch (RuntimeException e) {
                    log.warn("watch delivery rejected: {}", e.toString());
                    wip.set(0);
                }
            }
        }

        @Override
        public void run() {
            int missed = 1;
            do {
                if (done.get()) {
                    return;
                }
                drainOnce();
                if (done.get()) {
                    return;
                }
                if (completePending && done.compareAndSet(false, true)) {
                    if (listener instanceof Ending ending) {
                        ending.ended(null);
                    }
                    return;
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        /**
         * Reading a value failed (not the listener): an {@link Ending} listener's watch ends with
         * the error; a plain listener's watch logs it, skips the value and stays.
         */
        void readFailed(RuntimeException e) {
            if (listener instanceof Ending ending) {
                if (done.compareAndSet(false, true)) {
                    watches.remove(this);
                    log.warn("watch failed: {}", e.toString());
                    ending.ended(e);
                }
                return;
            }
            log.warn("watch could not read its value; it skips it and stays: {}", e.toString(), e);
        }

        void complete() {
            completePending = true;
            schedule();
        }
    }

    private final class DocumentWatch<R, T> extends Watch<T> {
        final ConcurrentLinkedQueue<Item<R>> items = new ConcurrentLinkedQueue<>();
        final Function<R, T> map;
        final Predicate<Object> mine;
        final Function<DocumentChanged, R> fromEvent;

        DocumentWatch(Consumer<? super T> listener, Function<R, T> map, Predicate<Object> mine,
                Function<DocumentChanged, R> fromEvent) {
            super(listener);
            this.map = map;
            this.mine = mine;
            this.fromEvent = fromEvent;
        }

        @Override
        void offer(List<Object> events) {
            // Several events for one document in a transaction: the last one is its committed state.
            DocumentChanged last = null;
            for (Object e : events) {
                if (mine.test(e)) {
                    last = (DocumentChanged) e;
                }
            }
            if (last != null) {
                items.add(new Item<>(fromEvent.apply(last)));
                schedule();
            }
        }

        @Override
        void drainOnce() {
            Item<R> item;
            while (!done.get() && (item = items.poll()) != null) {
                T value;
                try {
                    value = map.apply(item.value());
                } catch (RuntimeException e) {
                    readFailed(e);
                    continue;
                }
                deliver(value);
            }
        }
    }

    private final class QueryWatch<T> extends Watch<T> {
        final Predicate<Object> relevant;
        final Supplier<T> run;
        final AtomicBoolean dirty = new AtomicBoolean(true);

        QueryWatch(Consumer<? super T> listener, Predicate<Object> relevant, Supplier<T> run) {
            super(listener);
            this.relevant = relevant;
            this.run = run;
        }

        @Override
        void offer(List<Object> events) {
            for (Object e : events) {
                if (relevant.test(e)) {
                    dirty.set(true);
                    schedule();
                    return;
                }
            }
        }

        @Override
        void drainOnce() {
            if (!done.get() && dirty.getAndSet(false)) {
                T value;
                try {
                    value = run.get();
                } catch (RuntimeException e) {
                    readFailed(e);
                    return;
                }
                deliver(value);
            }
        }
    }
}
