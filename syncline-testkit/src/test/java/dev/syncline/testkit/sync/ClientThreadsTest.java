package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.client.transport.jdk.JdkHttpTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed client leaves no thread behind (issue 10: each client created its own JDK
 * {@code HttpClient} whose threads outlived {@code close()}): its scheduler, stream reader,
 * watch executor, HTTP executor and the JDK client's selector all end, within a bounded wait;
 * an {@code HttpClient} the app passed in is left open.
 */
class ClientThreadsTest {
    static final String S = "team-1";
    /** Threads the server (and the JVM) start on their own; not the client's. */
    static final Pattern NOT_THE_CLIENTS = Pattern.compile(
            "syncline-housekeeping.*|syncline-stream-sender.*|syncline-pg.*|syncline-sqlite.*|qtp.*|Jetty.*|Javalin.*|awaitility.*|app-http.*"
                    + "|Hikari.*|ForkJoinPool\\.commonPool.*|Common-Cleaner|Attach Listener|process reaper.*|Signal Dispatcher"
                    + "|Notification Thread|Finalizer|Reference Handler|main|surefire.*|junit.*|logback.*|idle-timeout-task");

    @TempDir
    Path dir;
    Loopback net;
    Set<Thread> before;

    @BeforeEach
    void start() {
        net = new Loopback(dir);
        before = Thread.getAllStackTraces().keySet();
    }

    @AfterEach
    void stop() {
        net.close();
    }

    /** Threads alive now that were not before the test, and that the server or JVM did not start. */
    private Map<String, String> newClientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && !NOT_THE_CLIENTS.matcher(t.getName()).matches())
                .collect(Collectors.toMap(t -> t.getName() + "#" + t.getId(), t -> String.valueOf(t.getState())));
    }

    /**
     * Waits (bounded, no sleep) until the client's threads are gone. On Java 17 the JDK client's
     * selector thread ends only once the client object is unreachable, so the poll asks for a
     * collection; from Java 21 {@code HttpClient.close()} stops it at once.
     */
    private void awaitNoClientThread() {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            System.gc();
            assertThat(newClientThreads()).as("threads the client started, still alive after close()").isEmpty();
        });
    }

    @Test
    void close_afterBackgroundSyncWithItsOwnHttpClient_leavesNoThreadOfTheClientAlive() {
        SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)).backgroundSync(true));
        // A watch, so the client's watch executor runs too.
        a.documents().watch(S, "note", "n1", doc -> { });
        a.documents().put(S, "note", "n1", json("{\"t\":\"hello\"}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.pendingOperations().getPendingOperationsCount() == 0
                && a.network().isConnected() && a.coordinator().status().lastSyncAt() != null);
        assertThat(newClientThreads()).as("the client runs threads while open").isNotEmpty();

        a.close();

        awaitNoClientThread();
    }

    @Test
    void close_duringASyncThatAwaitsAnAnswer_endsThatSyncAtOnce() throws Exception {
        // Regression: once close() shut the HTTP executor down, the JDK client never completed
        // the answer a sync on another thread waited for, and that thread waited forever.
        try (dev.syncline.testkit.FaultyProxy hole = new dev.syncline.testkit.FaultyProxy(net.server.port())) {
            hole.mode(dev.syncline.testkit.FaultyProxy.Mode.BLACKHOLE);
            SyncClient a = net.client("a", hole.url(), b -> b.token(Loopback.token("alice", S))
                    .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(60)));
            a.documents().put(S, "note", "n1", json("{\"t\":\"hello\"}"));
            Thread syncing = new Thread(() -> {
                try {
                    a.sync(Duration.ofSeconds(60));
                } catch (RuntimeException expected) {
                    // the client closed under it
                }
            }, "test-sync");
            syncing.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> hole.faults(dev.syncline.testkit.FaultyProxy.Fault.BLACKHOLED) >= 1);

            a.close();

            syncing.join(Duration.ofSeconds(10).toMillis());
            assertThat(syncing.isAlive()).as("the sync ended when its client closed").isFalse();
        }
    }

    @Test
    void close_withTheAppsHttpClient_stopsTheClientsThreads_butLeavesTheAppsClientWorking() throws Exception {
        java.util.concurrent.ExecutorService appThreads = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "app-http");
            t.setDaemon(true);
            return t;
        });
        HttpClient app = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(appThreads).build();
        before = Thread.getAllStackTraces().keySet(); // the app's own client threads are the app's
        SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)).transport(JdkHttpTransport.factory(app))
                .backgroundSync(true));
        a.documents().put(S, "note", "n1", json("{\"t\":\"hello\"}"));
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);

        a.close();

        awaitNoClientThread();
        HttpResponse<String> health = app.send(HttpRequest.newBuilder(URI.create(net.server.url() + "/v1/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("the app's HttpClient still works").isEqualTo(200);
        appThreads.shutdownNow();
    }
}
