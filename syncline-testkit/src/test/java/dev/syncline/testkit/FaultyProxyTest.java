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
