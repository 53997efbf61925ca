package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.server.Tokens;
import dev.syncline.testkit.FaultyProxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How replicas behave when the network or the server misbehaves; real server, real files. */
class NetworkBehaviourTest {
    static final String S = "team-1";
    static final BackgroundSyncCoordinator.Settings FAST = new BackgroundSyncCoordinator.Settings(Duration.ofMillis(20),
            Duration.ofMillis(200), Duration.ofSeconds(30));

    @TempDir
    Path dir;
    Loopback net;
    final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        net = new Loopback(dir);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        net.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        closeables.add(0, c);
        return c;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        org.awaitility.Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    @Test
    void writesMadeOffline_reachTheServerByThemselves_whenTheNetworkComesBack() throws Exception {
        FaultyProxy proxy = keep(new FaultyProxy(net.server.port()));
        proxy.mode(FaultyProxy.Mode.REFUSE);
        SyncClient a = keep(net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S)).backgroundSync(true)
                .backgroundSyncSettings(FAST)));
        for (int i = 0; i < 3; i++) {
            a.documents().put(S, "note", "n" + i, json("{\"i\":" + i + "}"));
        }
        await("offline status", Duration.ofSeconds(5),
                () -> a.coordinator().status().state() == BackgroundSyncCoordinator.State.OFFLINE);
        assertThat(a.network().isConnected()).isFalse();
        assertThat(a.pendingOperations().getPendingOperationsCount()).isEqualTo(3);

        proxy.mode(FaultyProxy.Mode.PASS); // no call from the app after this
        await("outbox drained", Duration.ofSeconds(20), () -> a.pendingOperations().getPendingOperationsCount() == 0);
        assertThat(a.network().isConnected()).isTrue();
        SyncClient b = keep(net.client("b", bld -> bld.token(Loopback.token("bob", S))));
        assertThat(b.sync().pulled()).isEqualTo(3);
    }

    @Test
    void aWriteOnOneReplica_appearsOnAnother_throughTheLiveStream() throws Exception {
        SyncClient a = keep(net.client("a", b -> b.token(Loopback.token("alice", S)).backgroundSync(true)
                .backgroundSyncSettings(FAST)));
        SyncClient b = keep(net.client("b", bld -> bld.token(Loopback.token("bob", S)).backgroundSync(true)
                .backgroundSyncSettings(FAST)));
        await("both connected", Duration.ofSeconds(10), () -> a.network().isConnected() && b.network().isConnected());
        a.documents().put(S, "note", "n1", json("{\"t\":\"hello\"}"));
        await("b sees the write", Duration.ofSeconds(10), () -> b.documents().get(S, "note", "n1").isPresent());
        assertThat(b.documents().get(S, "note", "n1").orElseThrow().value()).isEqualTo(json("{\"t\":\"hello\"}"));
        assertThat(b.conflicts().openConflicts()).isEmpty();
    }

    @Test
    void aStreamReopenedIntoABlackholedNetwork_timesOut_insteadOfHangingForever_soPokesArriveAgain() throws Exception {
        // Regression: the stream request had no timeout. When the link died by swallowing packets
        // (connect succeeds, nothing answers) just as the stream was reopened, the reader waited
        // for the response head forever, and the replica heard no poke again until restarted.
        BackgroundSyncCoordinator.Settings pokesOnly = new BackgroundSyncCoordinator.Settings(Duration.ofMillis(20),
                Duration.ofMillis(100), Duration.ZERO);
        FaultyProxy proxy = keep(new FaultyProxy(net.server.port()));
        SyncClient a = keep(net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S)).backgroundSync(true)
                .backgroundSyncSettings(pokesOnly).timeouts(Duration.ofMillis(500), Duration.ofSeconds(1))));
        SyncClient b = keep(net.client("b", bld -> bld.token(Loopback.token("bob", S))));
        await("stream open", Duration.ofSeconds(10), () -> proxy.requests("/v1/stream") == 1
                && a.coordinator().status().lastSyncAt() != null);

        proxy.mode(FaultyProxy.Mode.BLACKHOLE); // the open stream ends; it is reopened into the black hole
        await("a connection swallowed by the black hole", Duration.ofSeconds(10),
                () -> proxy.faults(FaultyProxy.Fault.BLACKHOLED) >= 1);
        proxy.mode(FaultyProxy.Mode.PASS); // the black-holed connection stays silent; new ones work
        await("stream open again", Duration.ofSeconds(15), () -> proxy.requests("/v1/stream") == 2);
        // Real time, longer than the request timeout: the JDK client's own timer (real time, not
        // the client's time source) must bound only the wait for the head, not the stream.
        Thread.sleep(1500);
        b.documents().put(S, "note", "n1", json("{\"t\":\"after the outage\"}"));
        assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        await("a hears of it by a poke", Duration.ofSeconds(10), () -> a.documents().get(S, "note", "n1").isPresent());
        assertThat(proxy.requests("/v1/stream")).as("the same stream carried the poke").isEqualTo(2);
    }

    @Test
    void unauthorizedMidSync_stopsWithAuthenticationNeeded_keepsTheOperation_andResumesWithANewToken() {
        byte[] otherSecret = "some-other-secret-0123456789abcdefghij".getBytes(StandardCharsets.UTF_8);
        AtomicReference<String> token = new AtomicReference<>(Loopback.token("alice", S));
        SyncClient a = keep(net.client("a", b -> b.tokenProvider(token::get)));
        a.documents().put(S, "note", "n1", json("{\"v\":1}"));
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);

        token.set(Tokens.mint(otherSecret, "alice", List.of(S), Duration.ofHours(1), Clock.systemUTC()));
        a.documents().put(S, "note", "n1", json("{\"v\":2}"));
        SyncReport r = a.sync(Duration.ofSeconds(5));
        assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.AUTHENTICATION_NEEDED);
        assertThat(a.authenticationNeeded()).isTrue();
        List<PendingOperation> ops = a.pendingOperations().pendingOperations();
        assertThat(ops).hasSize(1);
        assertThat(ops.get(0).attempts()).isZero(); // a 401 is not the operation's fault
        assertThat(a.sync(Duration.ofSeconds(5)).outcome()).isEqualTo(SyncReport.Outcome.AUTHENTICATION_NEEDED);

        token.set(Loopback.token("alice", S)); // the app supplies a new token: syncing resumes
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(a.documents().get(S, "note", "n1").orElseThrow().sync().version()).isEqualTo(2);
    }

    @Test
    void serviceUnavailableWithRetryAfter_waitsThatLong_thenPushesOnce() throws Exception {
        AtomicInteger refused = new AtomicInteger();
        HttpServer front = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        HttpClient http = HttpClient.newHttpClient();
        front.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (ex.getRequestURI().getPath().equals("/v1/push") && refused.getAndIncrement() == 0) {
                byte[] err = "{\"error\":{\"code\":\"unavailable\",\"message\":\"busy\"}}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Retry-After", "2");
                ex.sendResponseHeaders(503, err.length);
                ex.getResponseBody().write(err);
                ex.close();
                return;
            }
            try {
                HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(net.server.url() + ex.getRequestURI()))
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                ex.getRequestHeaders().forEach((k, v) -> {
                    if (k.equalsIgnoreCase("Authorization") || k.equalsIgnoreCase("Content-Type")) {
                        v.forEach(x -> rb.header(k, x));
                    }
                });
                HttpResponse<byte[]> resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
                ex.sendResponseHeaders(resp.statusCode(), resp.body().length);
                ex.getResponseBody().write(resp.body());
            } catch (InterruptedException e) {
                ex.sendResponseHeaders(500, -1);
            }
            ex.close();
        });
        front.start();
        closeables.add(() -> front.stop(0));
        String url = "http://127.0.0.1:" + front.getAddress().getPort();
        SyncClient a = keep(net.client("a", url, b -> b.token(Loopback.token("alice", S))));
        a.documents().put(S, "note", "n1", json("{\"v\":1}"));
        Instant t0 = Instant.now();
        SyncReport r = a.sync(Duration.ofSeconds(15));
        Duration took = Duration.between(t0, Instant.now());
        assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(refused.get()).isEqualTo(2); // the refused push and the one retry
        assertThat(a.documents().get(S, "note", "n1").orElseThrow().sync().version()).isEqualTo(1);
    }

    @Test
    void aServerAnsweringTooSlowly_timesOut_keepsTheOperation_andTheRetryIsAppliedOnce() throws Exception {
        FaultyProxy proxy = keep(new FaultyProxy(net.server.port()));
        SyncClient a = keep(net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S))
                .timeouts(Duration.ofSeconds(2), Duration.ofMillis(400))));
        a.documents().put(S, "note", "n1", json("{\"v\":1}"));
        proxy.delay(Duration.ofMillis(700));
        SyncReport slow = a.sync(Duration.ofMillis(1500));
        assertThat(slow.outcome()).isEqualTo(SyncReport.Outcome.UNREACHABLE);
        assertThat(slow.error()).contains("timed out");
        assertThat(a.pendingOperations().getPendingOperationsCount()).isEqualTo(1);

        proxy.delay(Duration.ZERO);
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        // The slow push may have been applied already; the retry with the same opId is not applied again.
        assertThat(a.documents().get(S, "note", "n1").orElseThrow().sync().version()).isEqualTo(1);
        SyncClient b = keep(net.client("b", bld -> bld.token(Loopback.token("bob", S))));
        b.sync();
        assertThat(b.documents().get(S, "note", "n1").orElseThrow().sync().version()).isEqualTo(1);
    }

    @Test
    void offlineMode_keepsTheReplicaOffline_untilTurnedOff() throws Exception {
        SyncClient a = keep(net.client("a", b -> b.token(Loopback.token("alice", S)).backgroundSync(true)
                .backgroundSyncSettings(FAST)));
        await("connected", Duration.ofSeconds(10), () -> a.network().isConnected());
        a.network().setOfflineMode(true);
        assertThat(a.network().isConnected()).isFalse();
        assertThat(a.network().connectionType()).isEqualTo(dev.syncline.client.NetworkStateManager.ConnectionType.NONE);
        List<BackgroundSyncCoordinator.Status> seen = new CopyOnWriteArrayList<>();
        a.coordinator().addStatusListener(seen::add);
        a.documents().put(S, "note", "n1", json("{\"v\":1}"));
        // The write's run finds the replica offline, says so and ends without sending.
        await("the write's run held back", Duration.ofSeconds(10), () -> seen.stream().anyMatch(st ->
                st.ongoingSyncKeys().contains("local-write") && st.state() == BackgroundSyncCoordinator.State.OFFLINE));
        assertThat(a.pendingOperations().getPendingOperationsCount()).isEqualTo(1);
        a.network().setOfflineMode(false);
        await("pushed after offline mode", Duration.ofSeconds(10), () -> a.pendingOperations().getPendingOperationsCount() == 0);
    }

    @Test
    void coordinator_publishesImmutableStatusSnapshots_andCloseStopsItWithNothingLost() throws Exception {
        SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)).backgroundSync(true)
                .backgroundSyncSettings(FAST));
        List<BackgroundSyncCoordinator.Status> seen = new CopyOnWriteArrayList<>();
        AutoCloseable listening = a.coordinator().addStatusListener(seen::add);
        await("connected", Duration.ofSeconds(10), () -> a.network().isConnected());
        a.documents().put(S, "note", "n1", json("{\"v\":1}"));
        await("pushed", Duration.ofSeconds(10), () -> a.pendingOperations().getPendingOperationsCount() == 0
                && !a.coordinator().hasPendingSync());
        assertThat(seen).extracting(BackgroundSyncCoordinator.Status::state)
                .contains(BackgroundSyncCoordinator.State.PUSHING, BackgroundSyncCoordinator.State.PULLING,
                        BackgroundSyncCoordinator.State.IDLE);
        assertThat(a.coordinator().status().lastSyncAt()).isNotNull();
        assertThat(a.coordinator().ongoingSyncKeys()).isEmpty();
        listening.close();
        int before = seen.size();
        a.coordinator().forceBackgroundSync();
        await("forced sync done", Duration.ofSeconds(10), () -> !a.coordinator().hasPendingSync());
        assertThat(seen).hasSize(before); // the closed listener heard nothing more

        a.coordinator().close();
        a.documents().put(S, "note", "n2", json("{\"v\":2}"));
        assertThat(a.coordinator().ongoingSyncKeys()).as("a closed coordinator starts no run").isEmpty();
        assertThat(a.pendingOperations().getPendingOperationsCount()).isEqualTo(1); // kept, not pushed
        a.close();
        try (SyncClient again = net.client("a", b -> b.token(Loopback.token("alice", S)))) {
            assertThat(again.sync().pushed()).isEqualTo(1);
        }
    }

    @Test
    void aStreamThatFallsSilent_isDroppedAfterTheIdleTimeout_andTheReplicaCatchesUp() throws Exception {
        // Regression: a stream whose link died without closing (no FIN, no RST: a NAT timeout, a
        // sleeping laptop) was read forever. The replica heard no poke again and, with the network
        // still counted as up, nothing else noticed. The server's heartbeats now keep a live stream
        // from looking idle, and a silent one is dropped.
        try (Loopback beating = new Loopback(dir.resolve("beating"), sb -> sb.heartbeat(Duration.ofMillis(100)))) {
            BackgroundSyncCoordinator.Settings pokesOnly = new BackgroundSyncCoordinator.Settings(Duration.ofMillis(20),
                    Duration.ofMillis(100), Duration.ZERO, Duration.ofSeconds(1));
            FaultyProxy proxy = keep(new FaultyProxy(beating.server.port()));
            SyncClient a = keep(beating.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S))
                    .backgroundSync(true).backgroundSyncSettings(pokesOnly).timeouts(Duration.ofMillis(500),
                            Duration.ofSeconds(1))));
            SyncClient b = keep(beating.client("b", bld -> bld.token(Loopback.token("bob", S))));
            await("stream open", Duration.ofSeconds(10), () -> proxy.requests("/v1/stream") == 1
                    && a.coordinator().status().lastSyncAt() != null);
            // Real time: the server's heartbeats come on its own (real) clock, and must keep the
            // stream open for longer than the client's idle timeout.
            Thread.sleep(2500);
            assertThat(proxy.requests("/v1/stream")).as("heartbeats keep a live stream open past the idle timeout")
                    .isEqualTo(1);

            proxy.mode(FaultyProxy.Mode.STALL); // every open connection dies without a word
            proxy.mode(FaultyProxy.Mode.PASS); // new connections work
            b.documents().put(S, "note", "n1", json("{\"t\":\"while a was deaf\"}"));
            assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            await("a catches up", Duration.ofSeconds(15), () -> a.documents().get(S, "note", "n1").isPresent());
            await("a listens again", Duration.ofSeconds(10), () -> proxy.requests("/v1/stream") == 2);
        }
    }

    @Test
    void theLastStatusOfAFinishedRun_listsNoOngoingSyncKeys() throws Exception {
        // Regression: a run published its outcome (IDLE) while its key still counted as running,
        // and nothing published after, so listeners were left with "IDLE, syncing: local-write".
        SyncClient a = keep(net.client("a", b -> b.token(Loopback.token("alice", S)).backgroundSync(true)
                .backgroundSyncSettings(FAST)));
        List<BackgroundSyncCoordinator.Status> seen = new CopyOnWriteArrayList<>();
        a.coordinator().addStatusListener(seen::add);
        await("connected", Duration.ofSeconds(10), () -> a.network().isConnected());
        a.documents().put(S, "note", "n1", json("{\"v\":1}"));
        await("pushed", Duration.ofSeconds(10), () -> a.pendingOperations().getPendingOperationsCount() == 0
                && !a.coordinator().hasPendingSync());
        await("a snapshot without running keys", Duration.ofSeconds(5),
                () -> a.coordinator().status().ongoingSyncKeys().isEmpty());
        BackgroundSyncCoordinator.Status last = seen.get(seen.size() - 1);
        assertThat(last.state()).isEqualTo(BackgroundSyncCoordinator.State.IDLE);
        assertThat(last.ongoingSyncKeys()).isEmpty();
    }

    @Test
    void networkState_reportsTheProvidersLinkType_andAGoodConnectionAfterFastAnswers_butNotAfterFailures()
            throws Exception {
        FaultyProxy proxy = keep(new FaultyProxy(net.server.port()));
        SyncClient a = keep(net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S))
                .connectionTypeProvider(() -> dev.syncline.client.NetworkStateManager.ConnectionType.WIFI)));
        assertThat(a.network().connectionType()).isEqualTo(dev.syncline.client.NetworkStateManager.ConnectionType.WIFI);
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(a.network().isConnected()).isTrue();
        assertThat(a.network().hasGoodConnection()).isTrue();

        proxy.mode(FaultyProxy.Mode.REFUSE);
        assertThat(a.sync(Duration.ofMillis(500)).outcome()).isEqualTo(SyncReport.Outcome.UNREACHABLE);
        assertThat(a.network().isConnected()).isFalse();
        assertThat(a.network().hasGoodConnection()).isFalse();
        proxy.mode(FaultyProxy.Mode.PASS);
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(a.network().isConnected()).isTrue();
        // Reachable again, but the recent failures still count against the link's quality.
        assertThat(a.network().hasGoodConnection()).isFalse();
    }
}
