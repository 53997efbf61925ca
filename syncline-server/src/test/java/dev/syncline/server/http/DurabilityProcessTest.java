package dev.syncline.server.http;

import static dev.syncline.server.ServerFixture.token;
import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.op;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ServerProcessMain;
import dev.syncline.server.TestHttp;
import dev.syncline.server.TestHttp.Response;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server runs as a separate process and is killed with SIGKILL while pushes are in flight;
 * restarted on the same data directory it still has every acknowledged write and remembers every
 * acknowledged opId (a replay writes nothing).
 */
class DurabilityProcessTest {
    @TempDir
    Path dir;

    private final String token = token("alice", "team-1");

    private record Acked(String opId, String docId, String opJson, long version, long seq) {
    }

    private static Process start(Path data, int[] port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ServerProcessMain.class.getName(), data.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("listening on port ")) {
                port[0] = Integer.parseInt(line.substring("listening on port ".length()).trim());
                return p;
            }
        }
        throw new IllegalStateException("server process exited with " + p.waitFor());
    }

    @Test
    void acknowledgedPushes_surviveSigkillAndRestart() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path data = dir.resolve("data");
        Map<String, Acked> acked = new ConcurrentHashMap<>();
        Map<String, Long> versions = new HashMap<>();
        int[] port = new int[1];
        for (int round = 0; round < 3; round++) {
            Process server = start(data, port);
            TestHttp http = new TestHttp("http://127.0.0.1:" + port[0]);
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                int n = 0;
                while (!stop.get()) {
                    List<String> ops = new ArrayList<>();
                    List<String[]> meta = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        String docId = "d" + random.nextInt(200);
                        // Ops on the same doc in one batch chain their base versions.
                        long base = versions.getOrDefault(docId, 0L);
                        String opId = UUID.randomUUID().toString();
                        String json = op(opId, "team-1", "note", docId, "upsert", base, "{\"n\":" + (n++) + "}");
                        ops.add(json);
                        meta.add(new String[] {opId, docId, json});
                        versions.put(docId, base + 1);
                    }
                    Response r;
                    try {
                        r = http.push(token, body(ops.toArray(String[]::new)));
                    } catch (UncheckedIOException killed) {
                        return;
                    }
                    JsonNode results = r.json().get("results");
                    for (int i = 0; i < results.size(); i++) {
                        JsonNode res = results.get(i);
                        String[] m = meta.get(i);
                        if (res.get("status").asText().equals("applied")) {
                            acked.put(m[0], new Acked(m[0], m[1], m[2], res.get("version").asLong(),
                                    res.get("seq").asLong()));
                        } else {
                            // Conflict: learn the real version so later ops line up again.
                            versions.put(m[1], res.get("current").get("version").asLong());
                        }
                    }
                }
            }, "durability-writer");
            writer.start();
            Thread.sleep(300 + random.nextInt(700));
            server.destroyForcibly();
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            stop.set(true);
            writer.join(10_000);
            // Versions the writer believed in may include unacknowledged ops; relearn from the server next round.
            Process again = start(data, port);
            try {
                TestHttp h = new TestHttp("http://127.0.0.1:" + port[0]);
                Map<String, JsonNode> docs = pullAll(h);
                versions.clear();
                docs.forEach((id, d) -> versions.put(id, d.get("version").asLong()));
                for (Acked a : acked.values()) {
                    JsonNode d = docs.get(a.docId());
                    assertThat(d).as("seed %d: acknowledged doc %s present", seed, a.docId()).isNotNull();
                    assertThat(d.get("version").asLong()).as("seed %d", seed).isGreaterThanOrEqualTo(a.version());
                }
                // Replaying acknowledged opIds returns their original result and writes nothing.
                List<Acked> sample = new ArrayList<>(acked.values()).subList(0, Math.min(100, acked.size()));
                for (Acked a : sample) {
                    JsonNode res = h.push(token, body(a.opJson())).json().get("results").get(0);
                    assertThat(res.get("status").asText()).as("seed %d replay %s", seed, a.opId()).isEqualTo("applied");
                    assertThat(res.get("version").asLong()).isEqualTo(a.version());
                    assertThat(res.get("seq").asLong()).isEqualTo(a.seq());
                }
                assertThat(pullAll(h)).as("seed %d: replays wrote nothing", seed).isEqualTo(docs);
            } finally {
                again.destroyForcibly();
                again.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertThat(acked).as("the writer got acknowledgements").isNotEmpty();
    }

    private Map<String, JsonNode> pullAll(TestHttp h) {
        Map<String, JsonNode> docs = new HashMap<>();
        String cursor = null;
        while (true) {
            Response r = h.get("/v1/pull" + (cursor == null ? "" : "?cursor="
                    + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), token);
            r.json().get("changes").forEach(c -> docs.put(c.get("id").asText(), c));
            cursor = r.json().get("cursor").asText();
            if (!r.json().get("hasMore").asBoolean()) {
                return docs;
            }
        }
    }
}
