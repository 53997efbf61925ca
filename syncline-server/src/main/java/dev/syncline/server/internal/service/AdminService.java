package dev.syncline.server.internal.service;

import dev.syncline.server.internal.store.Store;
import dev.syncline.server.internal.store.StoreUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's overview of one server instance: who it is, its store and health, what it served
 * since it started (read from its own Micrometer meters) and what the store holds (counts, write
 * times and the newest feed entries, never document data). No HTTP here. Thread-safe.
 *
 * <p>An unreachable database does not fail the overview: the page is most wanted exactly then, so
 * it still answers, with {@code health.database = false} and no store figures.
 */
public final class AdminService {
    private static final Logger log = LoggerFactory.getLogger(AdminService.class);
    /** Most scopes listed (most recently written first); the totals cover all of them. */
    public static final int MAX_SCOPES = 200;
    /** Most feed entries listed as recent activity. */
    public static final int MAX_RECENT = 30;

    /**
     * This server process.
     *
     * @param id the instance id (also the node of the HLC stamps this instance makes)
     * @param version the server's build version
     * @param startedAt when it started (ISO-8601)
     * @param now the server's time of this overview (ISO-8601); ages are measured against it
     * @param uptimeSeconds seconds since it started
     */
    public record Instance(String id, String version, String startedAt, String now, long uptimeSeconds) {
    }

    /**
     * Where the data lives.
     *
     * @param kind {@code sqlite} or {@code postgresql}
     * @param location the database file, or the JDBC URL with its password masked
     * @param storeId the store's identity (pull cursors carry it)
     */
    public record StoreInfo(String kind, String location, String storeId) {
    }

    /**
     * Whether this instance can do its work.
     *
     * @param status {@code ok}, {@code degraded} (serving, with a problem) or {@code unavailable}
     *     (the database cannot be reached)
     * @param database true when the overview's queries succeeded
     * @param crossInstancePokes PostgreSQL: true while this instance listens for the other
     *     instances' commits; null on the embedded store (one instance)
     * @param problems one sentence per problem, for a person
     */
    public record Health(String status, boolean database, Boolean crossInstancePokes, List<String> problems) {
    }

    /**
     * What this instance served since it started.
     *
     * @param pushes push requests answered 200
     * @param pulls pull requests answered 200
     * @param opsApplied pushed operations applied
     * @param conflicts pushed operations answered {@code conflict}
     * @param rejections pushed operations answered {@code rejected}
     * @param streams {@code /v1/stream} connections open now on this instance
     */
    public record Traffic(long pushes, long pulls, long opsApplied, long conflicts, long rejections, long streams) {
    }

    /**
     * Totals over every scope of the store.
     *
     * @param scopes scopes
     * @param documents documents that are not deleted
     * @param tombstones deleted documents
     */
    public record Totals(long scopes, long documents, long tombstones) {
    }

    /**
     * One scope.
     *
     * @param scope name
     * @param head feed head (seq of its newest write)
     * @param documents documents that are not deleted
     * @param tombstones deleted documents
     * @param lastWriteAt when it was last written (ISO-8601), null when unknown
     */
    public record ScopeRow(String scope, long head, long documents, long tombstones, String lastWriteAt) {
    }

    /**
     * One recent feed entry, without data.
     *
     * @param scope scope
     * @param type type
     * @param id id
     * @param version version written
     * @param deleted true for a delete
     * @param updatedBy writer
     * @param seq feed position
     * @param writtenAt when it committed (ISO-8601), null when unknown
     */
    public record RecentRow(String scope, String type, String id, long version, boolean deleted, String updatedBy,
            long seq, String writtenAt) {
    }

    /**
     * The overview.
     *
     * @param instance this process
     * @param store where the data lives
     * @param health whether it works
     * @param traffic what it served since start
     * @param totals over all scopes; null when the database cannot be reached
     * @param scopes the most recently written scopes, at most {@link #MAX_SCOPES}
     * @param recent the newest feed entries, at most {@link #MAX_RECENT}
     */
    public record Overview(Instance instance, StoreInfo store, Health health, Traffic traffic, Totals totals,
            List<ScopeRow> scopes, List<RecentRow> recent) {
    }

    private final Store store;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final String instanceId;
    private final String version;
    private final Instant startedAt;

    /**
     * @param store the store to summarize
     * @param metrics the registry the server's meters ({@link Meters}) are registered in
     * @param clock the server's wall clock
     * @param instanceId this instance's id
     * @param version the server's build version
     * @param startedAt when this instance started
     */
    public AdminService(Store store, MeterRegistry metrics, Clock clock, String instanceId, String version,
            Instant startedAt) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.instanceId = instanceId;
        this.version = version;
        this.startedAt = startedAt;
    }

    /** @return the overview now; reads the store once (a few indexed queries) */
    public Overview overview() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Instance instance = new Instance(instanceId, version, text(startedAt), now.toString(),
                Math.max(0, Duration.between(startedAt, now).toSeconds()));
        StoreInfo storeInfo = new StoreInfo(store.kind(), store.location(), store.storeId());
        Traffic traffic = new Traffic(timerCount(Meters.PUSH), timerCount(Meters.PULL), opCount("applied"),
                opCount("conflict"), opCount("rejected"), (long) gauge(Meters.STREAM_CLIENTS, 0));
        double listening = gauge(Meters.NOTIFIER_LISTENING, -1);
        Boolean pokes = listening < 0 ? null : listening > 0;
        List<String> problems = new ArrayList<>();
        Store.Summary summary = null;
        try {
            summary = store.summarize(MAX_SCOPES, MAX_RECENT);
        } catch (StoreUnavailableException e) {
            log.warn("admin overview: store unavailable: {}", e.getMessage());
            problems.add("The database cannot be reached: " + e.getMessage());
        }
        if (Boolean.FALSE.equals(pokes)) {
            problems.add("Not listening for the other instances' commits: streams on this instance miss their"
                    + " pokes until the listening connection is back.");
        }
        String status = summary == null ? "unavailable" : problems.isEmpty() ? "ok" : "degraded";
        Health health = new Health(status, summary != null, pokes, problems);
        if (summary == null) {
            return new Overview(instance, storeInfo, health, traffic, null, List.of(), List.of());
        }
        List<ScopeRow> scopes = summary.scopes().stream().map(s -> new ScopeRow(s.scope(), s.head(), s.documents(),
                s.tombstones(), text(s.lastWriteAt()))).toList();
        List<RecentRow> recent = summary.recent().stream().map(w -> new RecentRow(w.scope(), w.type(), w.id(),
                w.version(), w.deleted(), w.updatedBy(), w.seq(), text(w.writtenAt()))).toList();
        return new Overview(instance, storeInfo, health, traffic,
                new Totals(summary.scopeCount(), summary.documents(), summary.tombstones()), scopes, recent);
    }

    private static String text(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private long timerCount(String name) {
        Timer t = metrics.find(name).timer();
        return t == null ? 0 : t.count();
    }

    private long opCount(String status) {
        Counter c = metrics.find(Meters.PUSH_OPS).tag("status", status).counter();
        return c == null ? 0 : (long) c.count();
    }

    private double gauge(String name, double absent) {
        Gauge g = metrics.find(name).gauge();
        return g == null ? absent : g.value();
    }
}
