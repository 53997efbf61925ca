package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.ConflictResolutionService.SettledConflict;
import dev.syncline.client.Durability;
import dev.syncline.client.Resolution;
import dev.syncline.client.RetryPolicy;
import dev.syncline.client.SyncClient;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.testkit.FaultyProxy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Convergence with everything running at once. Three replicas, each behind its own fault-injecting
 * proxy, run their real {@link BackgroundSyncCoordinator} (live stream pokes, a sync after each
 * write, on reconnect, and periodically on odd seeds; even seeds have no periodic sync, so a
 * replica that stops hearing pokes fails them) against one real server, while a driver thread,
 * from a seeded {@link Random}, writes to a few shared documents on all of them, takes their
 * network away for a while (connections refused, black-holed, or silenced without closing), and
 * restarts them (close, reopen the same file), also in the middle of a sync. Three types cover
 * the policies: {@code note} merges field by field, {@code task} keeps the latest write,
 * {@code memo} asks a person, and the test, acting as that person, resolves the inbox by keeping
 * the fields of both sides.
 *
 * <p>Writes add one field named after the write (a tag) with {@code patch}, which reads and
 * changes the stored document in one transaction; a document not live on that replica is created
 * (or brought back) with {@code put}, which replaces it whole. At the end the network is restored
 * and the test waits, bounded, until nothing is left to do; then every replica must equal the
 * server's state (read from the server directly), with nothing pending, failed or open, and every
 * tag written since its document was last replaced (put or delete, on any replica) must be on the
 * server or on record in a settled conflict. Across the seeds, conflicts must have been settled,
 * some of them met by a pull (a pulled change meeting a pending local edit), manual ones resolved,
 * and restarts in the middle of a sync must have happened, or the run proves little.
 *
 * <p>Each seed is a scope of its own on one server. A failure names its seed; {@code
 * -Dsyncline.seed=N} replays it alone (timing differs between runs, so a replay exercises the
 * same script of writes and faults, not the same interleaving). {@code -Dsyncline.seeds=N} sets
 * the number of seeds.
 */
class ConcurrentConvergenceTest {
    static final int SEEDS = Integer.getInteger("syncline.seeds", 12);
    static final int CLIENTS = 3;
    static final int STEPS = 90;
    static final int DOCS = 3;
    static final String MERGED = "note";
    static final String LATEST = "task";
    static final String MANUAL = "memo";
    static final String[] TYPES = {MERGED, LATEST, MANUAL};
    /** Odd seeds also sync periodically; even seeds rely on pokes, writes and reconnects alone. */
    static final Duration PERIODIC = Duration.ofMillis(700);
    static final Duration HEARTBEAT = Duration.ofMillis(200);
    static final RetryPolicy RETRY = new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 2.0, 0.5);
    static final String PULL_TIME_CONFLICT = "pull: version";
    static final FaultyProxy.Mode[] OUTAGES = {FaultyProxy.Mode.REFUSE, FaultyProxy.Mode.BLACKHOLE, FaultyProxy.Mode.STALL};

    @TempDir
    static Path dir;
    static Loopback net;
    static HttpClient http;
    static ch.qos.logback.classic.Logger engineLog;
    static Level engineLevel;
    static final AtomicLong pullTimeConflicts = new AtomicLong();
    static final AppenderBase<ILoggingEvent> pullTimeCounter = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            Object[] args = e.getArgumentArray();
            // The last argument is what settling did; NONE means there was nothing to decide.
            if (e.getMessage().startsWith(PULL_TIME_CONFLICT) && !"NONE".equals(String.valueOf(args[args.length - 1]))) {
                pullTimeConflicts.incrementAndGet();
            }
        }
    };

    /** Totals over the seeds run. */
    long settled;
    long restarts;
    long midSyncRestarts;
    long outages;
    long resolvedByHand;
    long checkedTags;

    @BeforeAll
    static void start() {
        net = new Loopback(dir, b -> b.heartbeat(HEARTBEAT));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // The engine logs each pulled change that meets a pending local edit; count them.
        engineLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.syncline.client.internal.sync.SyncEngine");
        engineLevel = engineLog.getLevel();
        engineLog.setLevel(Level.INFO);
        engineLog.setAdditive(false); // hundreds of INFO lines: counted, not printed
        pullTimeCounter.start();
        engineLog.addAppender(pullTimeCounter);
    }

    @AfterAll
    static void stop() {
        engineLog.detachAppender(pullTimeCounter);
        engineLog.setAdditive(true);
        engineLog.setLevel(engineLevel);
        net.close();
    }

    @Test
    void replicasSyncingConcurrently_converge_andNoWriteIsLost_acrossSeeds() {
        String only = System.getProperty("syncline.seed");
        long first = only != null ? Long.parseLong(only) : 1;
        long count = only != null ? 1 : SEEDS;
        long t0 = System.nanoTime();
        for (long seed = first; seed < first + count; seed++) {
            try {
                runSeed(seed);
            } catch (Throwable t) {
                throw new AssertionError("concurrent convergence failed for seed " + seed
                        + " (replay with -Dsyncline.seed=" + seed + "): " + t.getMessage(), t);
            }
        }
        System.out.printf("concurrent convergence: %d seeds in %d ms; %d conflicts settled, %d met by a pull;"
                + " %d resolved by hand; %d restarts (%d mid-sync); %d outages; %d tags checked%n", count,
                (System.nanoTime() - t0) / 1_000_000, settled, pullTimeConflicts.get(), resolvedByHand, restarts,
                midSyncRestarts, outages, checkedTags);
        if (count >= 5) {
            assertThat(settled).as("conflicts settled").isPositive();
            assertThat(pullTimeConflicts.get()).as("pulled changes that met a pending local edit").isPositive();
            assertThat(resolvedByHand).as("manual conflicts resolved from the inbox").isPositive();
            assertThat(midSyncRestarts).as("restarts in the middle of a sync").isPositive();
            assertThat(outages).as("network outages").isPositive();
        }
    }

    /** A write the driver made: its tag, or a delete. */
    private record Write(int step, String key, String tag, Kind kind) {
    }

    private enum Kind {
        PATCH, PUT, DELETE
    }

    /** One replica: its file, its proxy, and the client open on it now. */
    private final class Replica {
        final long seed;
        final int index;
        final String scope;
        final FaultyProxy proxy;
        SyncClient client;

        Replica(long seed, int index, String scope) throws Exception {
            this.seed = seed;
            this.index = index;
            this.scope = scope;
            this.proxy = new FaultyProxy(net.server.port());
            open();
        }

        void open() {
            client = net.client("cc" + seed + "-c" + index, proxy.url(), b -> b
                    .token(Loopback.token("u" + index, scope))
                    .durability(Durability.NORMAL)
                    .retryPolicy(RETRY)
                    .random(new SplittableRandom(seed * 31 + index)::nextDouble)
                    .timeouts(Duration.ofMillis(500), Duration.ofSeconds(1))
                    // Small batches and pages: pushes pipeline several batches, pulls take several pages.
                    .batchSizes(1 + (int) ((seed + index) % 3), 2 + (int) ((seed * 7 + index) % 3))
                    .conflictStrategy(MERGED, ConflictResolutionStrategy.MERGE)
                    .conflictStrategy(LATEST, ConflictResolutionStrategy.USE_LATEST)
                    .conflictStrategy(MANUAL, ConflictResolutionStrategy.MANUAL)
                    .backgroundSync(true)
                    .backgroundSyncSettings(new BackgroundSyncCoordinator.Settings(Duration.ofMillis(10),
                            Duration.ofMillis(50), seed % 2 == 1 ? PERIODIC : Duration.ZERO, HEARTBEAT.multipliedBy(5))));
        }

        void close() {
            if (client != null) {
                client.close();
            }
            proxy.close();
        }
    }

    private void runSeed(long seed) throws Exception {
        Random rnd = new Random(seed);
        String scope = "cc-" + seed;
        List<Replica> replicas = new ArrayList<>();
        List<Write> writes = new ArrayList<>();
        int[] onlineAt = new int[CLIENTS];
        try {
            for (int i = 0; i < CLIENTS; i++) {
                replicas.add(new Replica(seed, i, scope));
            }
            for (int step = 0; step < STEPS; step++) {
                Replica r = replicas.get(rnd.nextInt(CLIENTS));
                int action = rnd.nextInt(100);
                if (action < 62) {
                    write(r, rnd, step, writes);
                } else if (action < 72) {
                    if (onlineAt[r.index] <= step) {
                        outages++;
                        r.proxy.mode(OUTAGES[rnd.nextInt(OUTAGES.length)]);
                        onlineAt[r.index] = step + 3 + rnd.nextInt(15);
                    }
                } else if (action < 79) {
                    restart(r, rnd);
                } else {
                    // Real time on purpose: the coordinators' real threads run meanwhile, and the
                    // seeded random gaps are what interleaves them with the test's actions.
                    Thread.sleep(rnd.nextInt(30));
                }
                for (Replica x : replicas) {
                    if (onlineAt[x.index] == step) {
                        x.proxy.mode(FaultyProxy.Mode.PASS);
                    }
                }
                Thread.sleep(rnd.nextInt(8)); // a random real gap between actions, as above
            }
            for (Replica x : replicas) {
                x.proxy.mode(FaultyProxy.Mode.PASS);
            }
            settle(replicas, scope);
            check(replicas, scope, writes);
        } finally {
            for (Replica x : replicas) {
                x.close();
            }
        }
    }

    private void write(Replica r, Random rnd, int step, List<Write> writes) {
        String type = TYPES[rnd.nextInt(TYPES.length)];
        String id = "d" + rnd.nextInt(DOCS);
        String key = type + "/" + id;
        String scope = r.scope;
        if (rnd.nextInt(100) < 6) {
            try {
                r.client.documents().delete(scope, type, id);
                writes.add(new Write(step, key, null, Kind.DELETE));
            } catch (InvalidInputException e) {
                assertThat(e.code()).isEqualTo("not_found"); // not live here: nothing to delete
            }
            return;
        }
        String tag = "t" + step + "c" + r.index;
        ObjectNode fields = Json.mapper().createObjectNode().put(tag, step);
        try {
            r.client.documents().patch(scope, type, id, fields);
            writes.add(new Write(step, key, tag, Kind.PATCH));
        } catch (InvalidInputException e) {
            assertThat(e.code()).isEqualTo("not_found");
            r.client.documents().put(scope, type, id, fields); // not live here: create it, or bring it back
            writes.add(new Write(step, key, tag, Kind.PUT));
        }
    }

    private void restart(Replica r, Random rnd) throws InterruptedException {
        restarts++;
        if (rnd.nextBoolean()) {
            r.client.coordinator().forceBackgroundSync();
            Thread.sleep(rnd.nextInt(6)); // real time: a restart that may land mid-run of a real thread
        }
        if (!r.client.coordinator().ongoingSyncKeys().isEmpty()) {
            midSyncRestarts++;
        }
        r.client.close(); // everything must survive in the file
        r.open();
    }

    /**
     * Waits until every replica equals the server with nothing left to do, resolving the inbox of
     * manual conflicts as a person would whenever it is not empty.
     */
    private void settle(List<Replica> replicas, String scope) {
        try {
            awaitConverged(replicas, scope);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder how = new StringBuilder(e.getMessage());
            for (Replica r : replicas) {
                how.append("\nc").append(r.index).append(": connected=").append(r.client.network().isConnected())
                        .append(", ").append(r.client.coordinator().status());
            }
            throw new AssertionError(how.toString(), e);
        }
    }

    private void awaitConverged(List<Replica> replicas, String scope) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (Replica r : replicas) {
                resolveInbox(r.client);
            }
            Map<String, JsonNode> truth = serverState(scope);
            for (Replica r : replicas) {
                assertThat(r.client.conflicts().openConflicts()).as("open conflicts of c%d", r.index).isEmpty();
                assertThat(r.client.pendingOperations().getPendingOperationsCount()).as("pending of c%d", r.index).isZero();
                assertThat(Loopback.liveInScope(r.client, scope, TYPES)).as("replica c%d equals the server", r.index).isEqualTo(truth);
            }
        });
    }

    /** Keeps the fields of both sides: the server's, then this replica's current value. */
    private void resolveInbox(SyncClient c) {
        for (SyncConflict k : c.conflicts().openConflicts()) {
            ObjectNode both = Json.mapper().createObjectNode();
            if (k.remote() != null) {
                both.setAll(k.remote());
            }
            c.documents().get(k.scope(), k.type(), k.id()).filter(d -> !d.deleted()).ifPresent(d -> both.setAll(d.value()));
            try {
                c.conflicts().resolve(k.conflictId(), both.isEmpty() ? Resolution.useRemote() : Resolution.useValue(both));
                resolvedByHand++;
            } catch (InvalidInputException e) {
                // settled meanwhile (a pull brought a state both sides agree on): fine
                assertThat(e.code()).isEqualTo("not_found");
            }
        }
    }

    private void check(List<Replica> replicas, String scope, List<Write> writes) throws Exception {
        Map<String, JsonNode> truth = serverState(scope);
        Set<String> onRecord = new HashSet<>();
        for (Replica r : replicas) {
            assertThat(Loopback.liveInScope(r.client, scope, TYPES)).as("replica c%d equals the server", r.index).isEqualTo(truth);
            assertThat(r.client.pendingOperations().getPendingOperationsCount()).isZero();
            assertThat(r.client.status().failedCount()).as("failed operations of c%d", r.index).isZero();
            assertThat(r.client.conflicts().openConflicts()).isEmpty();
            List<SettledConflict> log = r.client.conflicts().settledConflicts();
            settled += log.size();
            for (SettledConflict sc : log) {
                fields(sc.local(), onRecord);
                fields(sc.remote(), onRecord);
                fields(sc.result(), onRecord);
            }
        }
        Map<String, Integer> lastReplaced = new HashMap<>();
        for (Write w : writes) {
            if (w.kind() != Kind.PATCH) {
                lastReplaced.put(w.key(), w.step());
            }
        }
        for (Write w : writes) {
            if (w.kind() == Kind.DELETE || w.step() < lastReplaced.getOrDefault(w.key(), -1)) {
                continue; // replaced since, on purpose, by a later put or delete
            }
            checkedTags++;
            Set<String> present = new HashSet<>();
            fields(truth.get(w.key()), present);
            assertThat(present.contains(w.tag()) || onRecord.contains(w.tag()))
                    .as("%s %s of %s is on the server or in a settled conflict", w.kind(), w.tag(), w.key()).isTrue();
        }
    }

    private static void fields(JsonNode doc, Set<String> into) {
        if (doc != null) {
            doc.fieldNames().forEachRemaining(into::add);
        }
    }

    /** The server's live documents of {@code scope}, read by pulling from it directly. */
    private static Map<String, JsonNode> serverState(String scope) throws Exception {
        String token = Loopback.token("auditor", scope);
        Map<String, JsonNode> out = new TreeMap<>();
        String cursor = null;
        PullPage page;
        do {
            String q = "/v1/pull?limit=1000" + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(URI.create(net.server.url() + q))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(resp.statusCode()).isEqualTo(200);
            page = Json.read(resp.body(), PullPage.class);
            for (Change ch : page.changes()) {
                String key = ch.type() + "/" + ch.id();
                if (ch.deleted()) {
                    out.remove(key);
                } else {
                    out.put(key, ch.data());
                }
            }
            cursor = page.cursor();
        } while (page.hasMore());
        return out;
    }
}
