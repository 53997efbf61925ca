package dev.syncline.client.internal.watch;

import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.DocumentChanged;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live queries over the local store, as {@link Flow.Publisher}s.
 *
 * <p>Concurrency: the database calls {@link #onCommit} on the writer's thread, after the commit and
 * still under the write lock, so events arrive here in commit order. This method only enqueues and
 * hands a drain task to the delivery executor; it never runs a query or subscriber code, so a
 * writer never waits for a watcher. Each subscription drains serially (one drain at a time, the
 * {@code wip} counter), which gives subscribers the Flow guarantee of non-overlapping signals.
 *
 * <p>Two kinds of watchers: a <em>document</em> watcher receives the committed row of every write
 * to its document, in commit order, none skipped; a <em>query</em> watcher re-runs its query after
 * each relevant commit and emits the result (when commits come faster than it reads, it emits the
 * newest result once, never an older one after a newer).
 */
public final class WatchHub {
    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

    private final Database db;
    private final Executor executor;
    private final List<Sub<?>> subs = new CopyOnWriteArrayList<>();

    /**
     * @param db the database whose commits are watched
     * @param executor runs queries and subscriber callbacks
     */
    public WatchHub(Database db, Executor executor) {
        this.db = Objects.requireNonNull(db, "db");
        this.executor = Objects.requireNonNull(executor, "executor");
        db.onCommit(this::onCommit);
        db.documentRowsWanted(() -> !subs.isEmpty());
    }

    private void onCommit(List<Object> events) {
        for (Sub<?> s : subs) {
            s.offer(events);
        }
    }

    /**
     * A publisher of one document's state: emits the current state at subscribe, then the state
     * after every committed write to it.
     *
     * @param key the document's (scope, type, id)
     * @param initial reads the current row (run under the write lock so no commit slips between)
     * @param map turns a committed row (or null when absent) into the emitted value
     */
    public <R, T> Flow.Publisher<T> document(String scope, String type, String id,
            Database.ReadWork<R> initial, Function<R, T> map, Function<DocumentChanged, R> fromEvent) {
        return subscriber -> {
            Objects.requireNonNull(subscriber, "subscriber");
            DocumentSub<R, T> sub = new DocumentSub<>(subscriber, map, e -> e instanceof DocumentChanged d
                    && d.id().equals(id) && d.type().equals(type) && d.scope().equals(scope), fromEvent);
            try {
                db.underWriteLock(c -> {
                    sub.items.add(new Item<>(initial.run(c)));
                    subs.add(sub);
                    return null;
                });
            } catch (RuntimeException e) {
                subscriber.onSubscribe(sub);
                sub.fail(e);
                return;
            }
            subscriber.onSubscribe(sub);
            sub.schedule();
        };
    }

    /**
     * A publisher of a query's result: emits it at subscribe and after every commit for which
     * {@code relevant} holds for one of its events.
     */
    public <T> Flow.Publisher<T> query(Predicate<Object> relevant, Supplier<T> run) {
        return subscriber -> {
            Objects.requireNonNull(subscriber, "subscriber");
            QuerySub<T> sub = new QuerySub<>(subscriber, relevant, run);
            // Under the write lock: a transaction that began before this subscription (and so may
            // have decided nobody watches) has committed before the first run reads.
            db.underWriteLock(c -> subs.add(sub));
            subscriber.onSubscribe(sub);
            sub.schedule();
        };
    }

    /** Completes every subscription (the store is closing). */
    public void completeAll() {
        for (Sub<?> s : subs) {
            s.complete();
        }
        subs.clear();
    }

    /** @return how many subscriptions are active (for tests and status) */
    public int activeSubscriptions() {
        return subs.size();
    }

    private record Item<R>(R value) {
    }

    private abstract class Sub<T> implements Flow.Subscription, Runnable {
        final Flow.Subscriber<? super T> subscriber;
        final AtomicLong demand = new AtomicLong();
        final AtomicInteger wip = new AtomicInteger();
        final AtomicBoolean done = new AtomicBoolean();
        volatile boolean completePending;

        Sub(Flow.Subscriber<? super T> subscriber) {
            this.subscriber = subscriber;
        }

        abstract void offer(List<Object> events);

        /** Emits while there is demand and something to emit; returns when it is done. */
        abstract void drainOnce();

        @Override
        public void request(long n) {
            if (n <= 0) {
                fail(new IllegalArgumentException("request must be positive (Flow rule 3.9): " + n));
                return;
            }
            demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            schedule();
        }

        @Override
        public void cancel() {
            if (done.compareAndSet(false, true)) {
                subs.remove(this);
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
                try {
                    drainOnce();
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                if (completePending && done.compareAndSet(false, true)) {
                    subscriber.onComplete();
                    return;
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        void fail(Throwable t) {
            if (done.compareAndSet(false, true)) {
                subs.remove(this);
                log.warn("watcher failed: {}", t.toString());
                subscriber.onError(t);
            }
        }

        void complete() {
            completePending = true;
            schedule();
        }

        boolean take() {
            while (true) {
                long d = demand.get();
                if (d == 0) {
                    return false;
                }
                if (d == Long.MAX_VALUE || demand.compareAndSet(d, d - 1)) {
                    return true;
                }
            }
        }
    }

    private final class DocumentSub<R, T> extends Sub<T> {
        final ConcurrentLinkedQueue<Item<R>> items = new ConcurrentLinkedQueue<>();
        final Function<R, T> map;
        final Predicate<Object> mine;
        final Function<DocumentChanged, R> fromEvent;

        DocumentSub(Flow.Subscriber<? super T> subscriber, Function<R, T> map, Predicate<Object> mine,
                Function<DocumentChanged, R> fromEvent) {
            super(subscriber);
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
            while (!done.get() && !items.isEmpty() && take()) {
                Item<R> item = items.poll();
                subscriber.onNext(map.apply(item.value()));
            }
        }
    }

    private final class QuerySub<T> extends Sub<T> {
        final Predicate<Object> relevant;
        final Supplier<T> run;
        final AtomicBoolean dirty = new AtomicBoolean(true);

        QuerySub(Flow.Subscriber<? super T> subscriber, Predicate<Object> relevant, Supplier<T> run) {
            super(subscriber);
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
            if (!done.get() && dirty.get() && demand.get() > 0) {
                dirty.set(false);
                T result = run.get();
                if (take()) {
                    subscriber.onNext(result);
                }
            }
        }
    }
}
