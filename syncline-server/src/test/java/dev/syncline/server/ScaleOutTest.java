package dev.syncline.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ApiClient.Op;
import dev.syncline.server.ApiClient.Reply;
import dev.syncline.server.internal.store.PostgresTestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several in-process servers on ports of their own over one real PostgreSQL database, driven over
 * HTTP: they must act as one server.
 */
class ScaleOutTest {
    static final byte[] SECRET = "scale-out-test-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);
    static final String SCOPE = "team-1";

    private PostgresTestDatabase db;
    private final List<SyncServer> servers = new ArrayList<>();
    private String token;

    @BeforeEach
    void createDatabase() throws Exception {
        db = PostgresTestDatabase.create();
        token = Tokens.mint(SECRET, "alice", List.of(SCOPE), Duration.ofHours(1), Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        for (SyncServer s : servers) {
            s.close();
        }
        db.close();
    }

    private List<ApiClient> startInstances(int n) {
        List<ApiClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SyncServer s = SyncServer.builder().port(0).postgres(db.url()).postgresPoolSize(4).jwtSecret(SECRET)
                    .start();
            servers.add(s);
            clients.add(new ApiClient(s.url(), token));
        }
        return clients;
    }

    /** Pushes until the answer is 200, retrying 503s (same opIds) as a client does. */
    private static Reply pushUntilAnswered(ApiClient c, List<Op> ops, List<Integer> statuses) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Reply r;
            try {
                r = c.push(ops);
            } catch (IOException e) {
                statuses.add(-1);
                Thread.sleep(100);
                continue;
            }
            statuses.add(r.status());
            if (r.status() == 200) {
                return r;
            }
            assertThat(r.status()).as("push status (body %s)", r.body()).isEqualTo(503);
            assertThat(r.retryAfter()).isNotNull();
            assertThat(System.nanoTime()).as("push answered 200 within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @ParameterizedTest(name = "{0} instances")
    @ValueSource(ints = {2, 3})
    void sixteenWritersOverInstancesOnOneDocument_exactlyOneAppliedPerBaseVersion(int instances) throws Exception {
        List<ApiClient> api = startInstances(instances);
        assertThat(api.get(0).push(List.of(Op.upsert(SCOPE, "doc", 0, "{\"w\":-1}"))).status()).isEqualTo(200);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (long base = 1; base <= 5; base++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<JsonNode>> fs = new ArrayList<>();
                for (int w = 0; w < 16; w++) {
                    ApiClient c = api.get(w % instances);
                    Op op = Op.upsert(SCOPE, "doc", base, "{\"w\":" + w + "}");
                    fs.add(pool.submit(() -> {
                        go.await();
                        Reply r = c.push(List.of(op));
                        assertThat(r.status()).isEqualTo(200);
                        return r.body().get("results").get(0);
                    }));
                }
                go.countDown();
                int applied = 0;
                for (Future<JsonNode> f : fs) {
                    JsonNode result = f.get(60, TimeUnit.SECONDS);
                    String status = result.get("status").asText();
                    if (status.equals("applied")) {
                        applied++;
                        assertThat(result.get("version").asLong()).isEqualTo(base + 1);
                    } else {
                        assertThat(status).isEqualTo("conflict");
                        assertThat(result.get("current").get("version").asLong()).isEqualTo(base + 1);
                    }
                }
                assertThat(applied).as("applied on base version %d", base).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        JsonNode page = api.get(instances - 1).pull(null, 1000).body();
        assertThat(page.get("changes")).hasSize(1);
        assertThat(page.get("changes").get(0).get("version").asLong()).isEqualTo(6);
    }

    @ParameterizedTest(name = "{0} instances")
    @ValueSource(ints = {2, 3})
    void eightWritersOverInstancesAndAPullerOnAnother_pullerSeesEveryCommittedWrite(int instances) throws Exception {
        List<ApiClient> api = startInstances(instances);
        ApiClient puller = api.get(instances - 1);
        int writers = 8;
        int pushesEach = 25;
        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                // Writers go through every instance but the puller's (with 2 instances: the other one).
                ApiClient c = api.get(w % Math.max(1, instances - 1));
                fs.add(pool.submit(() -> {
                    for (int p = 0; p < pushesEach; p++) {
                        // Creates only: a document skipped by the puller would never show up again.
                        List<Op> ops = new ArrayList<>();
                        for (int k = 0; k <= (writer + p) % 4; k++) {
                            ops.add(Op.upsert(SCOPE, "w" + writer + "-" + p + "-" + k, 0, "{\"k\":" + k + "}"));
                        }
                        Reply r = c.push(ops);
                        assertThat(r.status()).isEqualTo(200);
                        for (JsonNode res : r.body().get("results")) {
                            assertThat(res.get("status").asText()).isEqualTo("applied");
                        }
                        ops.forEach(op -> committed.add(op.id()));
                    }
                    return null;
                }));
            }
            Future<?> pull = pool.submit(() -> {
                String cursor = null;
                long lastSeq = 0;
                while (true) {
                    boolean finished = done.get();
                    Reply r = puller.pull(cursor, 7);
                    assertThat(r.status()).isEqualTo(200);
                    for (JsonNode ch : r.body().get("changes")) {
                        // One scope: the feed comes in strictly increasing seq order, never repeating.
                        assertThat(ch.get("seq").asLong()).isGreaterThan(lastSeq);
                        lastSeq = ch.get("seq").asLong();
                        seen.add(ch.get("id").asText());
                    }
                    cursor = r.body().get("cursor").asText();
                    if (finished && !r.body().get("hasMore").asBoolean()) {
                        return null;
                    }
                }
            });
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
            done.set(true);
            pull.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(committed).hasSizeGreaterThan(writers * pushesEach);
        assertThat(seen).isEqualTo(committed);
    }

    @Test
    void streamOnInstanceOne_getsPokeForWriteThroughInstanceTwo() throws Exception {
        List<ApiClient> api = startInstances(2);
        try (ApiClient.EventStream stream = api.get(0).stream()) {
            assertThat(stream.lines.poll(10, TimeUnit.SECONDS)).startsWith(":");
            Reply r = api.get(1).push(List.of(Op.upsert(SCOPE, "doc", 0, "{}")));
            long seq = r.body().get("results").get(0).get("seq").asLong();
            assertThat(nextEvent(stream)).isEqualTo("poke {\"scope\":\"" + SCOPE + "\",\"seq\":" + seq + "}");
        }
    }

    /** @return "name data" of the next event on the stream, skipping comments */
    static String nextEvent(ApiClient.EventStream stream) throws InterruptedException {
        String event = null;
        while (true) {
            String line = stream.lines.poll(15, TimeUnit.SECONDS);
            assertThat(line).as("a line from the stream within 15 s").isNotNull();
            if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:") && event != null) {
                return event + " " + line.substring(5).trim();
            }
        }
    }

    @Test
    void connectionsKilledWhileServersRun_pushesFailWith503OrSucceed_nothingAcknowledgedIsLost() throws Exception {
        List<ApiClient> api = startInstances(2);
        int writers = 4;
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            ApiClient c = api.get(w % 2);
            fs.add(pool.submit(() -> {
                for (int p = 0; !stop.get(); p++) {
                    List<Op> ops = List.of(Op.upsert(SCOPE, "w" + writer + "-" + p, 0, "{}"),
                            Op.upsert(SCOPE, "w" + writer + "-" + p + "b", 0, "{}"));
                    Reply r = pushUntilAnswered(c, ops, statuses);
                    for (JsonNode res : r.body().get("results")) {
                        // A retried push whose first attempt committed replays "applied" by opId.
                        assertThat(res.get("status").asText()).isEqualTo("applied");
                    }
                    for (int i = 0; i < ops.size(); i++) {
                        acknowledged.put(ops.get(i).id(), r.body().get("results").get(i).get("version").asLong());
                    }
                }
                return null;
            }));
        }
        int killed = 0;
        for (int round = 0; round < 4; round++) {
            Thread.sleep(700);
            killed += db.terminateConnections();
        }
        Thread.sleep(700);
        stop.set(true);
        for (Future<?> f : fs) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(killed).isPositive();
        assertThat(statuses).as("push statuses").allMatch(s -> s == 200 || s == 503);

        // Every acknowledged write is in the feed, read through the other instance.
        Map<String, Long> inFeed = new HashMap<>();
        String cursor = null;
        while (true) {
            Reply r = api.get(1).pull(cursor, 1000);
            assertThat(r.status()).isEqualTo(200);
            r.body().get("changes").forEach(ch -> inFeed.put(ch.get("id").asText(), ch.get("version").asLong()));
            cursor = r.body().get("cursor").asText();
            if (!r.body().get("hasMore").asBoolean()) {
                break;
            }
        }
        assertThat(acknowledged).isNotEmpty();
        assertThat(inFeed).containsAllEntriesOf(acknowledged);

        // Both instances serve again without a restart, and pokes cross instances again.
        for (ApiClient c : api) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.health().status() == 200);
        }
        try (ApiClient.EventStream stream = api.get(0).stream()) {
            assertThat(stream.lines.poll(10, TimeUnit.SECONDS)).startsWith(":");
            // The listening connection may still be in its backoff; a later write must get through.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                pushUntilAnswered(api.get(1), List.of(Op.upsert(SCOPE, "after-" + System.nanoTime(), 0, "{}")),
                        statuses);
                String line;
                while ((line = stream.lines.poll(300, TimeUnit.MILLISECONDS)) != null) {
                    if (line.startsWith("event: poke") || line.startsWith("event:poke")) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    @Test
    void instancesStartingAtOnceOnAnEmptyDatabase_migrateOnceAndShareOneIdentity() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<SyncServer>> starting = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            starting.add(pool.submit(() -> {
                go.await();
                return SyncServer.builder().port(0).postgres(db.url()).postgresPoolSize(2).jwtSecret(SECRET).start();
            }));
        }
        go.countDown();
        List<ApiClient> api = new ArrayList<>();
        for (Future<SyncServer> f : starting) {
            SyncServer s = f.get(60, TimeUnit.SECONDS);
            servers.add(s);
            api.add(new ApiClient(s.url(), token));
        }
        pool.shutdown();
        assertThat(api.get(0).push(List.of(Op.upsert(SCOPE, "a", 0, "{}"), Op.upsert(SCOPE, "b", 0, "{}"),
                Op.upsert(SCOPE, "c", 0, "{}"))).status()).isEqualTo(200);
        // A cursor made by one instance is accepted by every other one and continues where it stopped.
        List<String> ids = new ArrayList<>();
        String cursor = null;
        for (int i = 0; i < 3; i++) {
            Reply r = api.get(i).pull(cursor, 1);
            assertThat(r.status()).as("pull on instance %d", i).isEqualTo(200);
            r.body().get("changes").forEach(ch -> ids.add(ch.get("id").asText()));
            cursor = r.body().get("cursor").asText();
        }
        assertThat(ids).containsExactly("a", "b", "c");
    }

    @Test
    void metrics_reportConnectionPoolAndListeningNotifier() throws Exception {
        ApiClient api = startInstances(1).get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.metrics().contains("syncline_notifier_listening 1.0"));
        assertThat(api.push(List.of(Op.upsert(SCOPE, "doc", 0, "{}"))).status()).isEqualTo(200);
        String m = api.metrics();
        assertThat(m).contains("hikaricp_connections_active{pool=\"syncline-pg\"}");
        assertThat(m).contains("hikaricp_connections_timeout_total{pool=\"syncline-pg\"}");
        assertThat(m).contains("syncline_push_ops_total{status=\"applied\"} 1.0");
    }

    @Test
    void databaseUnreachable_healthPushAndPullAnswer503_thenRecoverWithoutRestart() throws Exception {
        List<ApiClient> api = startInstances(2);
        assertThat(api.get(0).health().status()).isEqualTo(200);
        db.refuseConnections(true);
        try {
            db.terminateConnections();
            for (ApiClient c : api) {
                Reply h = c.health();
                assertThat(h.status()).isEqualTo(503);
                assertThat(h.body().get("status").asText()).isEqualTo("unavailable");
            }
            Reply push = api.get(0).push(List.of(Op.upsert(SCOPE, "during", 0, "{}")));
            assertThat(push.status()).isEqualTo(503);
            assertThat(push.retryAfter()).isNotNull();
            assertThat(push.body().get("error").get("code").asText()).isEqualTo("unavailable");
            Reply pull = api.get(1).pull(null, 10);
            assertThat(pull.status()).isEqualTo(503);
            assertThat(pull.retryAfter()).isNotNull();
        } finally {
            db.refuseConnections(false);
        }
        for (ApiClient c : api) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.health().status() == 200);
        }
        Reply push = api.get(1).push(List.of(Op.upsert(SCOPE, "after", 0, "{}")));
        assertThat(push.status()).isEqualTo(200);
        assertThat(push.body().get("results").get(0).get("status").asText()).isEqualTo("applied");
    }
}
