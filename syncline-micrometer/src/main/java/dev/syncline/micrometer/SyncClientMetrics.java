package dev.syncline.micrometer;

import dev.syncline.client.ListenerToken;
import dev.syncline.client.ReplicaStatus;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncEvent;
import dev.syncline.core.InvalidInputException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of one {@link SyncClient}: bind it to a registry and the replica's outbox,
 * conflicts, push and pull show up next to the app's other meters.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>kind</th><th>what</th></tr>
 *   <tr><td>{@code syncline.client.outbox.pending}</td><td>gauge</td><td>operations waiting or in flight</td></tr>
 *   <tr><td>{@code syncline.client.outbox.oldest.pending}</td><td>time gauge</td><td>age of the oldest of them</td></tr>
 *   <tr><td>{@code syncline.client.outbox.failed}</td><td>gauge</td><td>dead letters (failed for good)</td></tr>
 *   <tr><td>{@code syncline.client.conflicts.open}</td><td>gauge</td><td>conflicts waiting for a person</td></tr>
 *   <tr><td>{@code syncline.client.conflicts.decided}</td><td>counter, tags {@code by}, {@code parked}</td>
 *       <td>conflicts decided, by the strategy that decided ({@code merge}, {@code latest},
 *       {@code custom}, {@code manual}...) or by the person who settled one ({@code manual:local},
 *       {@code manual:remote}, {@code manual:value}, {@code manual:delete})</td></tr>
 *   <tr><td>{@code syncline.client.push}</td><td>timer, tags {@code outcome}, {@code error}</td>
 *       <td>push batches: rate and round-trip latency; {@code outcome} is {@code answered} or {@code failed}</td></tr>
 *   <tr><td>{@code syncline.client.push.operations}</td><td>counter, tag {@code result}</td>
 *       <td>pushed operations by the server's answer: {@code applied}, {@code conflict}, {@code rejected}</td></tr>
 *   <tr><td>{@code syncline.client.pull}</td><td>timer, tags {@code outcome}, {@code error}</td>
 *       <td>pull pages: rate and latency</td></tr>
 *   <tr><td>{@code syncline.client.pull.changes}</td><td>counter</td><td>changes pulled</td></tr>
 *   <tr><td>{@code syncline.client.sync.lag}</td><td>time gauge</td><td>time since this replica last pulled to the
 *       end of the feed (a pull whose last page said no more); NaN until the first such pull after
 *       binding. It says how stale the replica may be, measured on this machine's monotonic clock.</td></tr>
 * </table>
 *
 * <p>The gauges read {@link SyncClient#status()} when the registry asks (a few indexed counts in
 * the local file); after the client is closed they read NaN. The others are fed by a
 * {@link dev.syncline.client.SyncListener}. Every meter carries the tag {@code client} (the
 * replica's id) plus the tags given. {@link #close()} removes the listener.
 *
 * <p>Thread-safe.
 */
public final class SyncClientMetrics implements MeterBinder, AutoCloseable {
    private final SyncClient client;
    private final Tags tags;
    private final LongSupplier nanoTime;
    private final List<ListenerToken> listeners = new CopyOnWriteArrayList<>();
    private volatile long lastCaughtUpNanos;
    private volatile boolean caughtUpOnce;

    /**
     * Meters of {@code client}, with the lag measured on {@link System#nanoTime()}.
     *
     * @param client an open client
     * @throws InvalidInputException when {@code client} is null
     */
    public SyncClientMetrics(SyncClient client) {
        this(client, Tags.empty(), System::nanoTime);
    }

    /**
     * @param client an open client
     * @param tags extra tags on every meter
     * @param nanoTime monotonic time for the lag (injected by tests)
     * @throws InvalidInputException when an argument is null
     */
    public SyncClientMetrics(SyncClient client, Iterable<Tag> tags, LongSupplier nanoTime) {
        if (client == null) {
            throw new InvalidInputException("invalid_client", "client must not be null");
        }
        if (tags == null) {
            throw new InvalidInputException("invalid_tags", "tags must not be null");
        }
        if (nanoTime == null) {
            throw new InvalidInputException("invalid_clock", "nanoTime must not be null");
        }
        this.client = client;
        this.tags = Tags.of(tags).and("client", client.clientId());
        this.nanoTime = nanoTime;
    }

    /**
     * Registers the meters and starts listening to the client.
     *
     * @throws InvalidInputException when {@code registry} is null
     * @throws IllegalStateException when the client is closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (registry == null) {
            throw new InvalidInputException("invalid_registry", "registry must not be null");
        }
        gauge(registry, "syncline.client.outbox.pending", "operations waiting or in flight", "operations",
                ReplicaStatus::pendingCount);
        TimeGauge.builder("syncline.client.outbox.oldest.pending", this,
                TimeUnit.MILLISECONDS, m -> m.status(s -> s.oldestPendingAge().toMillis()))
                .description("age of the oldest operation waiting").tags(tags).strongReference(true).register(registry);
        gauge(registry, "syncline.client.outbox.failed", "operations failed for good (dead letters)", "operations",
                ReplicaStatus::failedCount);
        gauge(registry, "syncline.client.conflicts.open", "conflicts waiting for a person", "conflicts",
                ReplicaStatus::openConflicts);
        TimeGauge.builder("syncline.client.sync.lag", this, TimeUnit.NANOSECONDS, SyncClientMetrics::lagNanos)
                .description("time since this replica last pulled to the end of the feed")
                .tags(tags).strongReference(true).register(registry);

        Counter applied = operations(registry, "applied");
        Counter conflict = operations(registry, "conflict");
        Counter rejected = operations(registry, "rejected");
        Timer pushAnswered = timer(registry, "syncline.client.push", "push batches", "answered", "none");
        Timer pullAnswered = timer(registry, "syncline.client.pull", "pull pages", "answered", "none");
        Counter pulled = Counter.builder("syncline.client.pull.changes").description("changes pulled")
                .baseUnit("changes").tags(tags).register(registry);
        listeners.add(client.addSyncListener(event -> {
            if (event instanceof SyncEvent.PushAnswered p) {
                pushAnswered.record(p.latency());
                applied.increment(p.applied());
                conflict.increment(p.conflicts());
                rejected.increment(p.rejected());
            } else if (event instanceof SyncEvent.PushFailed f) {
                timer(registry, "syncline.client.push", "push batches", "failed", f.error()).record(f.latency());
            } else if (event instanceof SyncEvent.PullAnswered p) {
                pullAnswered.record(p.latency());
                pulled.increment(p.changes());
                if (!p.hasMore()) {
                    lastCaughtUpNanos = nanoTime.getAsLong();
                    caughtUpOnce = true;
                }
            } else if (event instanceof SyncEvent.PullFailed f) {
                timer(registry, "syncline.client.pull", "pull pages", "failed", f.error()).record(f.latency());
            } else if (event instanceof SyncEvent.ConflictDecided c) {
                Counter.builder("syncline.client.conflicts.decided").description("conflicts decided, by strategy or by a person")
                        .tags(tags).tag("by", c.by()).tag("parked", Boolean.toString(c.parked()))
                        .register(registry).increment();
            }
        }));
    }

    /** Stops listening to the client (the meters stay registered; their gauges read NaN once it closes). */
    @Override
    public void close() {
        listeners.forEach(ListenerToken::close);
        listeners.clear();
    }

    private void gauge(MeterRegistry registry, String name, String description, String unit,
            ToDoubleFunction<ReplicaStatus> value) {
        Gauge.builder(name, this, m -> m.status(value)).description(description).baseUnit(unit).tags(tags)
                .strongReference(true).register(registry);
    }

    private Counter operations(MeterRegistry registry, String result) {
        return Counter.builder("syncline.client.push.operations").description("pushed operations by the server's answer")
                .baseUnit("operations").tags(tags).tag("result", result).register(registry);
    }

    private Timer timer(MeterRegistry registry, String name, String description, String outcome, String error) {
        return Timer.builder(name).description(description).tags(tags).tag("outcome", outcome).tag("error", error)
                .register(registry);
    }

    private double status(ToDoubleFunction<ReplicaStatus> value) {
        try {
            return value.applyAsDouble(client.status());
        } catch (IllegalStateException closed) {
            return Double.NaN;
        }
    }

    private double lagNanos() {
        return caughtUpOnce ? nanoTime.getAsLong() - lastCaughtUpNanos : Double.NaN;
    }
}
