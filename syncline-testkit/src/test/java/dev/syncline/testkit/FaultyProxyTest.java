package dev.syncline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.server.SyncServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultyProxyTest {
    @TempDir
    Path dir;

    private static HttpResponse<String> health(String base, Duration timeout) throws Exception {
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return c.send(HttpRequest.newBuilder(URI.create(base + "/v1/health")).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void proxy_passesRefusesAndBlackholesOnCommand() throws Exception {
        byte[] secret = "proxy-test-secret-proxy-test-secret!".getBytes(StandardCharsets.UTF_8);
        try (SyncServer server = SyncServer.builder().port(0).dataDir(dir).jwtSecret(secret).start();
             FaultyProxy proxy = new FaultyProxy(server.port())) {
            assertThat(health(proxy.url(), Duration.ofSeconds(5)).statusCode()).isEqualTo(200);

            proxy.mode(FaultyProxy.Mode.REFUSE);
            assertThatThrownBy(() -> health(proxy.url(), Duration.ofSeconds(5))).isInstanceOf(IOException.class);

            proxy.mode(FaultyProxy.Mode.BLACKHOLE);
            assertThatThrownBy(() -> health(proxy.url(), Duration.ofMillis(300)))
                    .isInstanceOf(HttpTimeoutException.class);

            proxy.mode(FaultyProxy.Mode.PASS);
            proxy.delay(Duration.ofMillis(200));
            long t0 = System.nanoTime();
            assertThat(health(proxy.url(), Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
    }

    @Test
    void proxy_countsTheRequestsItForwards_byPath_butNotTextInsideABody() throws Exception {
        byte[] secret = "proxy-test-secret-proxy-test-secret!".getBytes(StandardCharsets.UTF_8);
        try (SyncServer server = SyncServer.builder().port(0).dataDir(dir).jwtSecret(secret).start();
             FaultyProxy proxy = new FaultyProxy(server.port())) {
            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            proxy.onRequest(seen::add);
            HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String body = "{\"clientId\":\"x\",\"ops\":[]}\r\n\r\nGET /v1/fake HTTP/1.1\r\n\r\n";
            c.send(HttpRequest.newBuilder(URI.create(proxy.url() + "/v1/health")).build(), HttpResponse.BodyHandlers.ofString());
            c.send(HttpRequest.newBuilder(URI.create(proxy.url() + "/v1/push"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            c.send(HttpRequest.newBuilder(URI.create(proxy.url() + "/v1/pull?limit=5")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(proxy.requests("/v1/health")).isEqualTo(1);
            assertThat(proxy.requests("/v1/push")).isEqualTo(1);
            assertThat(proxy.requests("/v1/pull")).isEqualTo(1);
            assertThat(proxy.requests("/v1/fake")).as("text inside a body is not a request").isZero();
            assertThat(proxy.requests()).isEqualTo(3);
            assertThat(seen).containsExactly("GET /v1/health", "POST /v1/push", "GET /v1/pull");
        }
    }

    @Test
    void stall_silencesOpenConnectionsForGood_withoutClosingThem_whileNewOnesWorkAfterPass() throws Exception {
        byte[] secret = "proxy-test-secret-proxy-test-secret!".getBytes(StandardCharsets.UTF_8);
        try (SyncServer server = SyncServer.builder().port(0).dataDir(dir).jwtSecret(secret).start();
             FaultyProxy proxy = new FaultyProxy(server.port());
             java.net.Socket raw = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), proxy.port())) {
            byte[] request = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            raw.setSoTimeout(2000);
            raw.getOutputStream().write(request);
            byte[] head = new byte[12];
            assertThat(raw.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
            raw.getInputStream().skip(raw.getInputStream().available());

            proxy.mode(FaultyProxy.Mode.STALL);
            proxy.mode(FaultyProxy.Mode.PASS);
            raw.setSoTimeout(500);
            raw.getOutputStream().write(request);
            assertThatThrownBy(() -> raw.getInputStream().read()).as("silent, not closed")
                    .isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(health(proxy.url(), Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
        }
    }

    /** A real HTTP server on loopback that counts the requests it handled, by path. */
    private static final class CountingServer implements AutoCloseable {
        final com.sun.net.httpserver.HttpServer http;
        final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> handled =
                new java.util.concurrent.ConcurrentHashMap<>();

        CountingServer(int bodyBytes) throws IOException {
            http = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            byte[] body = "x".repeat(bodyBytes).getBytes(StandardCharsets.US_ASCII);
            http.createContext("/", ex -> {
                ex.getRequestBody().readAllBytes();
                handled.computeIfAbsent(ex.getRequestURI().getPath(), p -> new java.util.concurrent.atomic.AtomicInteger())
                        .incrementAndGet();
                ex.sendResponseHeaders(200, body.length);
                try (var out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            http.start();
        }

        int port() {
            return http.getAddress().getPort();
        }

        int handled(String path) {
            var n = handled.get(path);
            return n == null ? 0 : n.get();
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    private static final HttpClient HTTP11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> post(String base, String path, Duration timeout) throws Exception {
        return HTTP11.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String base, String path, Duration timeout) throws Exception {
        return HTTP11.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dropResponses_forwardsTheRequestToTheServer_butTheClientNeverHearsTheAnswer() throws Exception {
        try (CountingServer server = new CountingServer(100); FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.mode(FaultyProxy.Mode.DROP_RESPONSES);
            assertThatThrownBy(() -> post(proxy.url(), "/v1/push", Duration.ofSeconds(5))).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> get(proxy.url(), "/v1/pull", Duration.ofSeconds(5))).isInstanceOf(IOException.class);
            assertThat(server.handled("/v1/push")).as("the server did the work").isEqualTo(1);
            // The JDK client retries an idempotent GET once on a broken connection: every try reached the server.
            assertThat(server.handled("/v1/pull")).isPositive().isEqualTo((int) proxy.requests("/v1/pull"));
            assertThat(proxy.faults(FaultyProxy.Fault.RESPONSE_DROPPED)).isEqualTo(proxy.requests());
        }
    }

    @Test
    void dropResponses_forOnePath_losesOnlyThoseAnswers_whileOtherPathsAndLaterRequestsOnTheSameClientWork()
            throws Exception {
        try (CountingServer server = new CountingServer(100); FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.dropResponses("/v1/push");
            for (int i = 0; i < 3; i++) {
                assertThat(get(proxy.url(), "/v1/pull", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
                assertThatThrownBy(() -> post(proxy.url(), "/v1/push", Duration.ofSeconds(5)))
                        .as("push acknowledgement lost").isInstanceOf(IOException.class);
            }
            assertThat(server.handled("/v1/push")).isEqualTo(3);
            assertThat(server.handled("/v1/pull")).isEqualTo(3);
            assertThat(proxy.faults(FaultyProxy.Fault.RESPONSE_DROPPED)).isEqualTo(3);

            proxy.heal();
            assertThat(post(proxy.url(), "/v1/push", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void resetResponses_forwardsPartOfTheResponse_thenResetsTheConnection() throws Exception {
        try (CountingServer server = new CountingServer(50_000); FaultyProxy proxy = new FaultyProxy(server.port());
             java.net.Socket raw = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), proxy.port())) {
            proxy.resetResponses(20, "/v1/pull");
            raw.setSoTimeout(5000);
            raw.getOutputStream().write("GET /v1/pull HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = raw.getInputStream().read(buf)) != -1) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // the RST may surface as an exception instead of EOF
            }
            assertThat(got.size()).as("part of the response, not all of it").isBetween(1, 20);
            assertThat(got.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1");
            assertThat(server.handled("/v1/pull")).isEqualTo(1);
            assertThat(proxy.faults(FaultyProxy.Fault.RESPONSE_RESET)).isEqualTo(1);
            assertThatThrownBy(() -> get(proxy.url(), "/v1/pull", Duration.ofSeconds(5))).isInstanceOf(IOException.class);
            assertThat(get(proxy.url(), "/v1/other", Duration.ofSeconds(5)).statusCode())
                    .as("other paths pass").isEqualTo(200);
        }
    }

    @Test
    void refuse_resetsNewConnections_withoutReachingTheServer() throws Exception {
        try (CountingServer server = new CountingServer(10); FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.mode(FaultyProxy.Mode.REFUSE);
            assertThatThrownBy(() -> get(proxy.url(), "/a", Duration.ofSeconds(5))).isInstanceOf(IOException.class);
            assertThat(server.handled("/a")).isZero();
            assertThat(proxy.faults(FaultyProxy.Fault.REFUSED)).isPositive();
        }
    }

    @Test
    void blackhole_acceptsAndNeverAnswers_untilHealed() throws Exception {
        try (CountingServer server = new CountingServer(10); FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.mode(FaultyProxy.Mode.BLACKHOLE);
            assertThatThrownBy(() -> get(proxy.url(), "/a", Duration.ofMillis(300))).isInstanceOf(HttpTimeoutException.class);
            assertThat(server.handled("/a")).isZero();
            assertThat(proxy.faults(FaultyProxy.Fault.BLACKHOLED)).isPositive();
            proxy.heal();
            assertThat(get(proxy.url(), "/a", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void delay_holdsEveryChunkBack() throws Exception {
        try (CountingServer server = new CountingServer(10); FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.delay(Duration.ofMillis(150));
            long t0 = System.nanoTime();
            assertThat(get(proxy.url(), "/a", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(proxy.faults(FaultyProxy.Fault.SLOWED)).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void bandwidth_limitsBytesPerSecond_andLiftsWhenHealed() throws Exception {
        try (CountingServer server = new CountingServer(40_000); FaultyProxy proxy = new FaultyProxy(server.port())) {
            proxy.bandwidth(50_000);
            long t0 = System.nanoTime();
            assertThat(get(proxy.url(), "/a", Duration.ofSeconds(10)).body()).hasSize(40_000);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("40 kB at 50 kB/s")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(700));
            proxy.heal();
            long t1 = System.nanoTime();
            assertThat(get(proxy.url(), "/a", Duration.ofSeconds(10)).body()).hasSize(40_000);
            assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofMillis(700));
        }
    }

    @Test
    void cutAll_closesOpenConnections_andCountsEachOnce() throws Exception {
        // A target that answers and then keeps the connection open for good, so the only thing
        // that can close it is the cut (an HTTP server may close an idle connection on its own).
        try (java.net.ServerSocket target = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
             FaultyProxy proxy = new FaultyProxy(target.getLocalPort());
             java.net.Socket raw = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), proxy.port());
             java.net.Socket upstream = target.accept()) {
            raw.setSoTimeout(5000);
            upstream.getOutputStream().write("hello".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(raw.getInputStream().readNBytes(5)).hasSize(5); // the link is up both ways
            proxy.cutAll();
            assertThat(proxy.faults(FaultyProxy.Fault.CUT)).isEqualTo(1);
            int got;
            try {
                got = raw.getInputStream().read();
            } catch (java.net.SocketException reset) {
                got = -1;
            }
            assertThat(got).as("the connection is gone").isEqualTo(-1);
        }
    }

    @Test
    void retarget_sendsNewConnectionsToTheRestartedServer() throws Exception {
        try (CountingServer first = new CountingServer(10); FaultyProxy proxy = new FaultyProxy(first.port())) {
            assertThat(get(proxy.url(), "/a", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
            first.close();
            assertThatThrownBy(() -> get(proxy.url(), "/a", Duration.ofSeconds(5))).as("server down")
                    .isInstanceOf(IOException.class);
            assertThat(proxy.faults(FaultyProxy.Fault.TARGET_DOWN)).isPositive();
            try (CountingServer second = new CountingServer(10)) {
                proxy.retarget(second.port());
                assertThat(proxy.targetPort()).isEqualTo(second.port());
                assertThat(get(proxy.url(), "/a", Duration.ofSeconds(5)).statusCode()).isEqualTo(200);
                assertThat(second.handled("/a")).isEqualTo(1);
            }
        }
    }

    @Test
    void manualClock_movesOnlyWhenTold() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        clock.advance(Duration.ofMinutes(5));
        assertThat(clock.millis()).isEqualTo(Instant.parse("2026-01-01T00:05:00Z").toEpochMilli());
        clock.set(Instant.parse("2025-12-31T23:00:00Z"));
        assertThat(clock.withZone(java.time.ZoneId.of("Europe/Paris")).instant()).isEqualTo(clock.instant());
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
