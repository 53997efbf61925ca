package dev.syncline.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.server.ApiClient.Op;
import dev.syncline.server.ApiClient.Reply;
import dev.syncline.server.internal.store.PostgresTestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A seeded random workload over three instances on one database: writers with fresh and stale base
 * versions, upserts and deletes, replayed pushes, two scopes, and a puller, then the invariants of
 * ARCHITECTURE.md checked on the outcome. The seed (printed, and in every assertion message) fixes
 * each writer's choices; rerun one with {@code -Dsyncline.seed=N}. Thread interleaving is not
 * replayed.
 */
class RandomizedScaleOutTest {
    private static final Logger log = LoggerFactory.getLogger(RandomizedScaleOutTest.class);
    private static final List<String> SCOPES = List.of("team-a", "team-b");
    private static final int DOCS_PER_SCOPE = 6;
    private static final int WRITERS = 8;
    private static final int PUSHES_EACH = 30;

    /** One applied write as acknowledged to a writer. */
    private record Write(String doc, long version, long seq, String opId, String kind, String dataJson) {
    }

    private PostgresTestDatabase db;
    private final List<SyncServer> servers = new ArrayList<>();
    private final List<ApiClient> api = new ArrayList<>();
    private long seed;

    @BeforeEach
    void start() throws Exception {
        seed = Long.getLong("syncline.seed", new Random().nextLong());
        log.info("RandomizedScaleOutTest seed {} (rerun with -Dsyncline.seed={})", seed, seed);
        db = PostgresTestDatabase.create();
        String token = Tokens.mint(ScaleOutTest.SECRET, "alice", SCOPES, Duration.ofHours(1), Clock.systemUTC());
        for (int i = 0; i < 3; i++) {
            SyncServer s = SyncServer.builder().port(0).postgres(db.url()).postgresPoolSize(3)
                    .jwtSecret(ScaleOutTest.SECRET).start();
            servers.add(s);
            api.add(new ApiClient(s.url(), token));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (SyncServer s : servers) {
            s.close();
        }
        db.close();
    }

    private static String key(String scope, String id) {
        return scope + "/" + id;
    }

    @Test
    void randomWritersReplaysAndAPuller_overThreeInstances_keepTheInvariants() throws Exception {
        Map<String, List<Write>> applied = new ConcurrentHashMap<>();
        Map<String, Long> pulled = new ConcurrentHashMap<>();
        Map<String, String> pulledData = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            Random rnd = new Random(seed + w);
            ApiClient c = api.get(w % 2); // instances 0 and 1 take writes; 2 serves the puller
            writers.add(pool.submit(() -> {
                Map<String, Long> known = new HashMap<>();
                List<Op> previous = null;
                List<String> previousResults = null;
                for (int p = 0; p < PUSHES_EACH; p++) {
                    if (previous != null && rnd.nextInt(6) == 0) {
                        // A retried push: an applied opId answers its original result and writes nothing
                        // again; a conflicted op was not applied, so it is judged again (and, as versions
                        // only grow, conflicts again).
                        Reply again = c.push(previous);
                        assertThat(again.status()).isEqualTo(200);
                        for (int i = 0; i < previous.size(); i++) {
                            JsonNode res = again.body().get("results").get(i);
                            if (previousResults.get(i).contains("\"applied\"")) {
                                assertThat(res.toString()).as("replay, seed %d", seed).isEqualTo(previousResults.get(i));
                            } else {
                                assertThat(res.get("status").asText()).as("replay, seed %d", seed).isEqualTo("conflict");
                            }
                        }
                        continue;
                    }
                    List<Op> ops = new ArrayList<>();
                    int n = 1 + rnd.nextInt(4);
                    for (int k = 0; k < n; k++) {
                        String scope = SCOPES.get(rnd.nextInt(SCOPES.size()));
                        String id = "d" + rnd.nextInt(DOCS_PER_SCOPE);
                        long base = known.getOrDefault(key(scope, id), 0L);
                        if (rnd.nextInt(5) == 0 && base > 0) {
                            base = rnd.nextInt((int) base); // deliberately stale
                        }
                        boolean delete = rnd.nextInt(10) == 0;
                        String data = delete ? null : "{\"w\":" + rnd.nextInt(1000) + ",\"p\":" + p + "}";
                        ops.add(new Op(UUID.randomUUID().toString(), scope, "note", id, delete ? "delete" : "upsert",
                                base, data));
                    }
                    Reply r = c.push(ops);
                    assertThat(r.status()).as("push status, seed %d", seed).isEqualTo(200);
                    List<String> results = new ArrayList<>();
                    for (int i = 0; i < ops.size(); i++) {
                        Op op = ops.get(i);
                        JsonNode res = r.body().get("results").get(i);
                        results.add(res.toString());
                        String k = key(op.scope(), op.id());
                        switch (res.get("status").asText()) {
                            case "applied" -> {
                                known.put(k, res.get("version").asLong());
                                applied.computeIfAbsent(k, x -> Collections.synchronizedList(new ArrayList<>()))
                                        .add(new Write(k, res.get("version").asLong(), res.get("seq").asLong(),
                                                op.opId(), op.kind(), op.dataJson()));
                            }
                            case "conflict" -> known.put(k, res.get("current").get("version").asLong());
                            default -> throw new AssertionError("unexpected result " + res + ", seed " + seed);
                        }
                    }
                    previous = ops;
                    previousResults = results;
                }
                return null;
            }));
        }
        Future<?> puller = pool.submit(() -> {
            String cursor = null;
            while (true) {
                boolean finished = done.get();
                Reply r = api.get(2).pull(cursor, 5);
                assertThat(r.status()).isEqualTo(200);
                for (JsonNode ch : r.body().get("changes")) {
                    String k = key(ch.get("scope").asText(), ch.get("id").asText());
                    pulled.merge(k, ch.get("version").asLong(), Math::max);
                    if (pulled.get(k) == ch.get("version").asLong()) {
                        pulledData.put(k, ch.get("deleted").asBoolean() ? "deleted" : ch.get("data").toString());
                    }
                }
                cursor = r.body().get("cursor").asText();
                if (finished && !r.body().get("hasMore").asBoolean()) {
                    return null;
                }
            }
        });
        for (Future<?> f : writers) {
            f.get(180, TimeUnit.SECONDS);
        }
        done.set(true);
        puller.get(180, TimeUnit.SECONDS);
        pool.shutdown();

        assertThat(applied).as("seed %d", seed).isNotEmpty();
        Map<String, List<Long>> seqsByScope = new HashMap<>();
        for (Map.Entry<String, List<Write>> e : applied.entrySet()) {
            List<Long> versions = e.getValue().stream().map(Write::version).sorted().toList();
            // No lost update, exactly once: every version of a document was applied by exactly one op.
            List<Long> expected = new ArrayList<>();
            for (long v = 1; v <= versions.size(); v++) {
                expected.add(v);
            }
            assertThat(versions).as("versions of %s, seed %d", e.getKey(), seed).isEqualTo(expected);
            Write last = e.getValue().stream().filter(x -> x.version() == versions.size()).findFirst().orElseThrow();
            // Gap-free feed: the puller ended on the latest version, with the latest write's content.
            assertThat(pulled.get(e.getKey())).as("pulled version of %s, seed %d", e.getKey(), seed)
                    .isEqualTo(last.version());
            // Compared as JSON: PostgreSQL's JSONB keeps objects, not their key order.
            Object expectedData = last.kind().equals("delete") ? "deleted" : Json.parse(last.dataJson());
            String got = pulledData.get(e.getKey());
            assertThat(got == null || got.equals("deleted") ? got : Json.parse(got))
                    .as("pulled state of %s, seed %d", e.getKey(), seed).isEqualTo(expectedData);
            String scope = e.getKey().substring(0, e.getKey().indexOf('/'));
            e.getValue().forEach(wr -> seqsByScope.computeIfAbsent(scope, x -> new ArrayList<>()).add(wr.seq()));
        }
        assertThat(pulled.keySet()).as("seed %d", seed).isEqualTo(applied.keySet());
        // Each scope's feed positions were handed out once each, without holes.
        for (Map.Entry<String, List<Long>> e : seqsByScope.entrySet()) {
            List<Long> seqs = e.getValue().stream().sorted().toList();
            assertThat(seqs).as("seqs of %s, seed %d", e.getKey(), seed).doesNotHaveDuplicates();
            assertThat(seqs.get(seqs.size() - 1)).as("head of %s, seed %d", e.getKey(), seed)
                    .isEqualTo((long) seqs.size());
        }
    }
}
