package dev.syncline.client.flow;

import dev.syncline.client.ListenerToken;
import dev.syncline.client.internal.watch.WatchHub;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A {@link Flow.Publisher} over a listener registration: each subscription registers one listener
 * and closes its token on cancel.
 *
 * <p>Concurrency: values arrive from the listener (serially, on the client's executor) and demand
 * from any thread; both only enqueue and then drain, and one drain runs at a time (the {@code wip}
 * counter), so signals never overlap (Flow rule 1.3) and a {@code request} from inside
 * {@code onNext} does not recurse (rule 3.3). A value waits for demand: every one in a queue
 * ({@code everyValue}, document watches), or only the newest (query watches, which are
 * snapshots). {@code onNext} runs on the thread that drains: the executor, or a requesting thread.
 */
final class ListenerPublisher<T> implements Flow.Publisher<T> {
    private final Function<Consumer<T>, ListenerToken> register;
    private final boolean everyValue;

    ListenerPublisher(Function<Consumer<T>, ListenerToken> register, boolean everyValue) {
        this.register = register;
        this.everyValue = everyValue;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber"); // rule 1.9
        Sub<T> sub = new Sub<>(subscriber, everyValue);
        subscriber.onSubscribe(sub);
        try {
            sub.token(register.apply(sub));
        } catch (RuntimeException e) {
            sub.ended(e);
        }
    }

    private static final class Sub<T> implements Flow.Subscription, Consumer<T>, WatchHub.Ending {
        private static final Object DONE = new Object();

        final Flow.Subscriber<? super T> subscriber;
        final boolean everyValue;
        final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
        final AtomicReference<T> latest = new AtomicReference<>();
        final AtomicLong demand = new AtomicLong();
        final AtomicInteger wip = new AtomicInteger();
        final AtomicReference<Object> end = new AtomicReference<>(); // null, DONE or a Throwable
        final AtomicReference<Throwable> badRequest = new AtomicReference<>();
        final AtomicReference<ListenerToken> token = new AtomicReference<>();
        volatile boolean cancelled;

        Sub(Flow.Subscriber<? super T> subscriber, boolean everyValue) {
            this.subscriber = subscriber;
            this.everyValue = everyValue;
        }

        void token(ListenerToken t) {
            token.set(t);
            if (cancelled) {
                t.close();
            }
        }

        @Override
        public void accept(T value) {
            if (everyValue) {
                queue.add(value);
            } else {
                latest.set(value);
            }
            drain();
        }

        @Override
        public void ended(Throwable error) {
            end.compareAndSet(null, error == null ? DONE : error);
            drain();
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                stop();
                badRequest.compareAndSet(null, new IllegalArgumentException("request must be positive (Flow rule 3.9): " + n));
            } else {
                demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            }
            drain();
        }

        @Override
        public void cancel() {
            cancelled = true;
            stop();
        }

        private void stop() {
            ListenerToken t = token.get();
            if (t != null) {
                t.close();
            }
        }

        private T poll() {
            return everyValue ? queue.poll() : latest.getAndSet(null);
        }

        private boolean hasValue() {
            return everyValue ? !queue.isEmpty() : latest.get() != null;
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                if (cancelled) {
                    return;
                }
                Throwable bad = badRequest.get();
                if (bad != null) {
                    cancelled = true;
                    subscriber.onError(bad);
                    return;
                }
                while (!cancelled && demand.get() > 0 && hasValue()) {
                    T v = poll();
                    if (v == null) {
                        break;
                    }
                    if (demand.get() != Long.MAX_VALUE) {
                        demand.decrementAndGet();
                    }
                    subscriber.onNext(v);
                }
                Object e = end.get();
                if (!cancelled && e != null && (!hasValue() || demand.get() == 0)) {
                    cancelled = true;
                    stop();
                    if (e == DONE) {
                        subscriber.onComplete();
                    } else {
                        subscriber.onError((Throwable) e);
                    }
                    return;
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }
    }
}
