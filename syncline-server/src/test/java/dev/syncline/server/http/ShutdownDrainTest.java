package dev.syncline.server.http;

import static dev.syncline.server.ServerFixture.token;
import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.SyncServer;
import dev.syncline.server.TestHttp;
import dev.syncline.server.TestHttp.Response;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing the server while pushes are in flight: they finish or are turned away with 503, never lost. */
class ShutdownDrainTest {
    @TempDir
    Path dir;

    @Test
    void closeWhilePushing_finishesInFlightPushesAndTurnsNewOnesAway() throws Exception {
        String token = token("alice", "team-1");
        SyncServer server = SyncServer.builder().port(0).dataDir(dir).jwtSecret(ServerFixture.SECRET).start();
        TestHttp http = new TestHttp(server.url());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int n = t;
            fs.add(pool.submit(() -> {
                for (int b = 0; b < 50; b++) {
                    List<String> ops = new ArrayList<>();
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        String id = "t" + n + "-b" + b + "-" + i;
                        ids.add(id);
                        ops.add(upsert("team-1", id, 0, "{\"i\":" + i + "}"));
                    }
                    Response r;
                    try {
                        r = http.push(token, body(ops.toArray(String[]::new)));
                    } catch (UncheckedIOException refused) {
                        return null;
                    }
                    statuses.add(r.status());
                    if (r.status() != 200) {
                        continue;
                    }
                    JsonNode res = r.json().get("results");
                    for (int i = 0; i < ids.size(); i++) {
                        if (res.get(i).get("status").asText().equals("applied")) {
                            acked.add(ids.get(i));
                        }
                    }
                }
                return null;
            }));
        }
        Thread.sleep(400);
        server.close();
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(statuses).isSubsetOf(200, 503);
        assertThat(acked).isNotEmpty();
        try (SyncServer again = SyncServer.builder().port(0).dataDir(dir).jwtSecret(ServerFixture.SECRET).start()) {
            TestHttp h = new TestHttp(again.url());
            Set<String> stored = ConcurrentHashMap.newKeySet();
            String cursor = null;
            while (true) {
                Response r = h.get("/v1/pull" + (cursor == null ? "" : "?cursor=" + cursor), token);
                r.json().get("changes").forEach(c -> stored.add(c.get("id").asText()));
                cursor = java.net.URLEncoder.encode(r.json().get("cursor").asText(), java.nio.charset.StandardCharsets.UTF_8);
                if (!r.json().get("hasMore").asBoolean()) {
                    break;
                }
            }
            assertThat(stored).containsAll(acked);
        }
    }
}
