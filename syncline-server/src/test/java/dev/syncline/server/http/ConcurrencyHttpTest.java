package dev.syncline.server.http;

import static dev.syncline.server.ServerFixture.token;
import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.TestHttp.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The invariants under concurrency, through the HTTP API. */
class ConcurrencyHttpTest {
    @RegisterExtension
    final ServerFixture fx = new ServerFixture();

    private final String token = token("alice", "team-1");

    @Test
    void sixteenConcurrentPushesWithTheSameBase_exactlyOneApplies() throws Exception {
        fx.http().push(token, body(upsert("team-1", "hot", 0, "{}")));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                Response r = fx.http().push(token, body(upsert("team-1", "hot", 1, "{\"w\":" + n + "}")));
                return r.json().get("results").get(0).get("status").asText();
            }));
        }
        go.countDown();
        List<String> statuses = new ArrayList<>();
        for (Future<String> f : results) {
            statuses.add(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(statuses).filteredOn("applied"::equals).hasSize(1);
        assertThat(statuses).filteredOn("conflict"::equals).hasSize(15);
    }

    @Test
    void eightWritersAndAPuller_pullerMissesNoCommittedWrite() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(9);
        Map<String, Long> committed = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            int n = w;
            writers.add(pool.submit(() -> {
                Map<String, Long> versions = new HashMap<>();
                for (int i = 0; i < 40; i++) {
                    List<String> ops = new ArrayList<>();
                    List<String> ids = new ArrayList<>();
                    for (int k = 0; k < 3; k++) {
                        String id = "w" + n + "-" + ((i * 3 + k) % 10);
                        if (ids.contains(id)) {
                            continue;
                        }
                        ids.add(id);
                        ops.add(upsert("team-1", id, versions.getOrDefault(id, 0L), "{\"i\":" + i + "}"));
                    }
                    JsonNode res = fx.http().push(token, body(ops.toArray(String[]::new))).json().get("results");
                    for (int k = 0; k < ids.size(); k++) {
                        assertThat(res.get(k).get("status").asText()).isEqualTo("applied");
                        long v = res.get(k).get("version").asLong();
                        versions.put(ids.get(k), v);
                        committed.put(ids.get(k), v);
                    }
                }
                return null;
            }));
        }
        Map<String, Long> seen = new HashMap<>();
        Future<?> puller = pool.submit(() -> {
            String cursor = null;
            while (true) {
                boolean finished = done.get();
                Response r = fx.http().get("/v1/pull?limit=7" + (cursor == null ? "" : "&cursor="
                        + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), token);
                assertThat(r.status()).isEqualTo(200);
                long lastSeq = 0;
                for (JsonNode c : r.json().get("changes")) {
                    assertThat(c.get("seq").asLong()).as("commit order").isGreaterThan(lastSeq);
                    lastSeq = c.get("seq").asLong();
                    seen.merge(c.get("id").asText(), c.get("version").asLong(), Math::max);
                }
                cursor = r.json().get("cursor").asText();
                if (finished && !r.json().get("hasMore").asBoolean()) {
                    return null;
                }
            }
        });
        for (Future<?> f : writers) {
            f.get(120, TimeUnit.SECONDS);
        }
        done.set(true);
        puller.get(120, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(committed).hasSize(80);
        assertThat(seen).isEqualTo(committed);
    }
}
