package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.server.Tokens;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code syncline server --postgres} as separate operating-system processes over one fresh
 * database, driven over HTTP: the processes act as one server (one applied write per base version,
 * a gap-free feed across processes, pokes across processes) and survive killed connections.
 */
class ServerProcessesOnPostgresTest {
    private static final String SECRET = "server-processes-test-secret-32-bytes-or-more";
    private static final String SCOPE = "team-1";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private String adminUrl;
    private String dbName;
    private String dbUrl;
    private final List<Process> processes = new ArrayList<>();
    private String token;

    @BeforeEach
    void createDatabase() throws Exception {
        adminUrl = System.getProperty("syncline.test.postgres", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        dbName = "syncline_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        admin("CREATE DATABASE " + dbName);
        int slash = adminUrl.indexOf('/', "jdbc:postgresql://".length());
        int q = adminUrl.indexOf('?', slash);
        dbUrl = adminUrl.substring(0, slash + 1) + dbName + (q < 0 ? "" : adminUrl.substring(q));
        token = Tokens.mint(SECRET.getBytes(StandardCharsets.UTF_8), "alice", List.of(SCOPE), Duration.ofHours(1),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        admin("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)");
    }

    private void admin(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private int terminateBackends() throws Exception {
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE datname = '" + dbName + "' AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Starts {@code syncline server --port 0 --postgres URL} and returns its base URL. */
    private String startServerProcess() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", cp, "dev.syncline.cli.Main", "server",
                "--port", "0", "--postgres", dbUrl, "--pool-size", "4");
        pb.environment().put("SYNCLINE_JWT_SECRET", SECRET);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        processes.add(p);
        BlockingQueue<String> port = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("listening on port ")) {
                        port.add(line.substring("listening on port ".length()).trim());
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        String n = port.poll(60, TimeUnit.SECONDS);
        assertThat(n).as("server process printed its port").isNotNull();
        return "http://127.0.0.1:" + n;
    }

    private HttpResponse<String> push(String base, String id, long baseVersion) throws Exception {
        String body = "{\"clientId\":\"" + UUID.randomUUID() + "\",\"ops\":[{\"opId\":\"" + UUID.randomUUID()
                + "\",\"scope\":\"" + SCOPE + "\",\"type\":\"note\",\"id\":\"" + id + "\",\"kind\":\"upsert\","
                + "\"baseVersion\":" + baseVersion + ",\"data\":{}}]}";
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/push"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode pull(String base, String cursor) throws Exception {
        String q = "?limit=7" + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/pull" + q))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Json.parse(r.body());
    }

    private int health(String base) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/health")).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @ParameterizedTest(name = "{0} processes")
    @ValueSource(ints = {2, 3})
    void serverProcessesOnOneDatabase_actAsOne_andSurviveKilledConnections(int n) throws Exception {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(startServerProcess());
        }
        assertThat(push(servers.get(0), "doc", 0).statusCode()).isEqualTo(200);

        // 16 writers over the processes on one document with the same base: exactly one applies.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> fs = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
            String base = servers.get(w % n);
            fs.add(pool.submit(() -> {
                go.await();
                HttpResponse<String> r = push(base, "doc", 1);
                assertThat(r.statusCode()).isEqualTo(200);
                return Json.parse(r.body()).get("results").get(0).get("status").asText();
            }));
        }
        go.countDown();
        int applied = 0;
        for (Future<String> f : fs) {
            String status = f.get(60, TimeUnit.SECONDS);
            assertThat(status).isIn("applied", "conflict");
            applied += status.equals("applied") ? 1 : 0;
        }
        pool.shutdown();
        assertThat(applied).isEqualTo(1);

        // 8 writers over the other processes and a puller on the last one: the puller sees every
        // committed create (creates only, so a skipped one would never show up again).
        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean writersDone = new AtomicBoolean();
        ExecutorService writers = Executors.newFixedThreadPool(9);
        List<Future<?>> wf = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            String base = servers.get(w % (n - 1));
            int writer = w;
            wf.add(writers.submit(() -> {
                for (int p = 0; p < 15; p++) {
                    String id = "w" + writer + "-" + p;
                    HttpResponse<String> res = push(base, id, 0);
                    assertThat(res.statusCode()).isEqualTo(200);
                    assertThat(res.body()).contains("\"applied\"");
                    committed.add(id);
                }
                return null;
            }));
        }
        Future<?> puller = writers.submit(() -> {
            String cursor = null;
            while (true) {
                boolean finished = writersDone.get();
                JsonNode page = pull(servers.get(n - 1), cursor);
                page.get("changes").forEach(ch -> seen.add(ch.get("id").asText()));
                cursor = page.get("cursor").asText();
                if (finished && !page.get("hasMore").asBoolean()) {
                    return null;
                }
            }
        });
        for (Future<?> f : wf) {
            f.get(120, TimeUnit.SECONDS);
        }
        writersDone.set(true);
        puller.get(120, TimeUnit.SECONDS);
        writers.shutdown();
        assertThat(committed).hasSize(8 * 15);
        assertThat(seen).containsAll(committed);

        // A stream on the first process is poked for a write through the last.
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        var stream = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(servers.get(0) + "/v1/stream"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        stream.thenAccept(r -> {
            Thread t = new Thread(() -> {
                try {
                    r.body().forEach(lines::add);
                } catch (RuntimeException e) {
                    lines.add("!closed " + e);
                }
            }, "test-sse-reader");
            t.setDaemon(true);
            t.start();
        });
        assertThat(lines.poll(10, TimeUnit.SECONDS)).startsWith(":");
        HttpResponse<String> r = push(servers.get(n - 1), "other", 0);
        long seq = Json.parse(r.body()).get("results").get(0).get("seq").asLong();
        assertThat(awaitPokeLine(lines)).isEqualTo("data: {\"scope\":\"" + SCOPE + "\",\"seq\":" + seq + "}");

        // Every backend killed: pushes answer 200 or 503, then both processes serve again unrestarted.
        assertThat(terminateBackends()).isPositive();
        for (int i = 0; i < 10; i++) {
            assertThat(push(servers.get(i % n), "k" + i, 0).statusCode()).isIn(200, 503);
        }
        for (String base : servers) {
            await().atMost(Duration.ofSeconds(20)).until(() -> health(base) == 200);
            await().atMost(Duration.ofSeconds(20)).until(() -> push(base, "after-" + UUID.randomUUID(), 0)
                    .statusCode() == 200);
        }
        // ... and pokes cross processes again once the listening connection is back.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            push(servers.get(n - 1), "late-" + UUID.randomUUID(), 0);
            String line;
            while ((line = lines.poll(300, TimeUnit.MILLISECONDS)) != null) {
                if (line.startsWith("event:") && line.contains("poke")) {
                    return true;
                }
            }
            return false;
        });
        stream.thenAccept(resp -> resp.body().close());
        stream.cancel(true);
    }

    private static String awaitPokeLine(BlockingQueue<String> lines) throws InterruptedException {
        boolean inPoke = false;
        while (true) {
            String line = lines.poll(15, TimeUnit.SECONDS);
            assertThat(line).as("a stream line within 15 s").isNotNull();
            if (line.startsWith("event:")) {
                inPoke = line.contains("poke");
            } else if (inPoke && line.startsWith("data:")) {
                return "data: " + line.substring(5).trim();
            }
        }
    }

    @Test
    void server_withBothDataAndPostgres_refusesToStart() {
        int code = Main.execute("server", "--data", "x", "--postgres", "jdbc:postgresql://127.0.0.1:5432/x");
        assertThat(code).isEqualTo(Main.EXIT_FAILURE);
    }
}
