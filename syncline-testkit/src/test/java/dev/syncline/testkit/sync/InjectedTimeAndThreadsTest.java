package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.client.SyncReport;
import dev.syncline.testkit.FaultyProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monotonic time source and the stream thread factory given to {@link SyncClientBuilder} are
 * the ones the client uses. The fake time source here is real monotonic time plus an offset the
 * test moves: the proxy moves it while it holds a request, which makes that round trip as slow as
 * the test says, and the test moves it to let a minute pass.
 */
class InjectedTimeAndThreadsTest {
    static final String S = "team-1";

    @TempDir
    Path dir;

    /** Real monotonic time plus a jump the test controls. */
    static final class FakeNanoTime implements LongSupplier {
        final AtomicLong offset = new AtomicLong();

        @Override
        public long getAsLong() {
            return System.nanoTime() + offset.get();
        }

        void advance(Duration d) {
            offset.addAndGet(d.toNanos());
        }
    }

    @Test
    void roundTripsMeasuredByTheInjectedTimeSource_slowOnesMakeTheConnectionNotGood_fastOnesGoodAgain() throws Exception {
        FakeNanoTime time = new FakeNanoTime();
        AtomicReference<Duration> latency = new AtomicReference<>(Duration.ZERO);
        try (Loopback net = new Loopback(dir); FaultyProxy proxy = new FaultyProxy(net.server.port())) {
            proxy.onRequest(r -> time.advance(latency.get()));
            try (SyncClient a = net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S)).nanoTime(time))) {
                latency.set(Duration.ofSeconds(2)); // every answer takes 2 s by the client's time source
                for (int i = 0; i < 10; i++) {
                    assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                }
                assertThat(a.network().isConnected()).isTrue();
                assertThat(a.network().hasGoodConnection()).as("median round trip 2 s").isFalse();

                latency.set(Duration.ofMillis(5));
                for (int i = 0; i < 10; i++) {
                    assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                }
                assertThat(a.network().hasGoodConnection()).as("the last ten round trips were fast").isTrue();
            }
        }
    }

    @Test
    void recentFailures_countAgainstTheConnection_untilAMinuteHasPassedOnTheInjectedTimeSource() throws Exception {
        FakeNanoTime time = new FakeNanoTime();
        try (Loopback net = new Loopback(dir); FaultyProxy proxy = new FaultyProxy(net.server.port());
                SyncClient a = net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S)).nanoTime(time))) {
            proxy.mode(FaultyProxy.Mode.REFUSE);
            assertThat(a.sync(Duration.ofMillis(500)).outcome()).isEqualTo(SyncReport.Outcome.UNREACHABLE);
            proxy.mode(FaultyProxy.Mode.PASS);
            assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            assertThat(a.network().hasGoodConnection()).as("failures in the last minute").isFalse();

            time.advance(Duration.ofSeconds(61));
            assertThat(a.network().hasGoodConnection()).as("the failures are more than a minute old").isTrue();
        }
    }

    @Test
    void theLiveStream_isReadOnAThreadFromTheInjectedFactory_whichEndsWhenTheClientCloses() throws Exception {
        List<Thread> made = new CopyOnWriteArrayList<>();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "app-stream-reader");
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        // No periodic sync: b's write can only reach a through a poke on a's stream.
        BackgroundSyncCoordinator.Settings pokesOnly = new BackgroundSyncCoordinator.Settings(Duration.ofMillis(20),
                Duration.ofMillis(100), Duration.ZERO);
        try (Loopback net = new Loopback(dir); FaultyProxy proxy = new FaultyProxy(net.server.port())) {
            SyncClient a = net.client("a", proxy.url(), b -> b.token(Loopback.token("alice", S)).streamThreadFactory(factory)
                    .backgroundSync(true).backgroundSyncSettings(pokesOnly));
            try (SyncClient b = net.client("b", bld -> bld.token(Loopback.token("bob", S)))) {
                assertThat(made).hasSize(1);
                Thread reader = made.get(0);
                await().atMost(Duration.ofSeconds(10)).until(() -> proxy.requests("/v1/stream") == 1
                        && a.coordinator().status().lastSyncAt() != null);
                assertThat(reader.isAlive()).isTrue();
                assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                        .doesNotContain("syncline-stream");

                b.documents().put(S, "note", "n1", json("{\"t\":\"poked\"}"));
                assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                await().atMost(Duration.ofSeconds(10)).until(() -> a.documents().get(S, "note", "n1").isPresent());

                a.close();
                reader.join(5000);
                assertThat(reader.isAlive()).as("the reader ends with the client").isFalse();
                assertThat(made).hasSize(1);
            } finally {
                a.close();
            }
        }
    }
}
