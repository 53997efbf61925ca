package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.NetworkStateManager.ConnectionType;
import dev.syncline.core.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The health probe that finds out when the server is back, on a scheduler and a monotonic time
 * the test moves: its backoff never waits longer than the cap, and a network-change signal or a
 * transport success ends the wait at once (issue 10: after a 7 s outage, writes took 4-8 s to
 * arrive because the probe had backed off towards 30 s).
 */
class ReachabilityProbeTest {
    final ManualScheduler scheduler = new ManualScheduler();
    final FakeTransport net = new FakeTransport();

    private NetworkStateManager manager(Duration cap, NetworkStateManager.ConnectionTypeProvider provider) {
        // Jitter that keeps almost all of each delay: the longest waits the backoff can ask for.
        return new NetworkStateManager(net, scheduler, provider, () -> 0.999_999, scheduler.nanoTime(), cap);
    }

    private NetworkStateManager manager(Duration cap) {
        return manager(cap, () -> ConnectionType.UNKNOWN);
    }

    /** Lets the probe fail {@code n} times in a row, each after the wait it asked for. */
    private void failProbes(int n) {
        int before = net.probes.get();
        while (net.probes.get() < before + n) {
            scheduler.runNext();
        }
    }

    @Test
    void probeBackoff_whileTheServerStaysDown_growsToTheCapAndNeverWaitsLonger() {
        for (Duration cap : List.of(NetworkStateManager.DEFAULT_PROBE_BACKOFF_MAX, Duration.ofMillis(700), Duration.ofSeconds(9))) {
            ManualScheduler s = new ManualScheduler();
            try (NetworkStateManager m = new NetworkStateManager(net, s, () -> ConnectionType.UNKNOWN,
                    () -> 0.999_999, s.nanoTime(), cap)) {
                m.start();
                int before = net.probes.get();
                while (net.probes.get() < before + 40) {
                    s.runNext();
                }
                assertThat(m.isConnected()).isFalse();
                List<Duration> waits = s.delays();
                assertThat(waits).as("every probe wait with cap %s", cap).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(cap));
                assertThat(waits.get(waits.size() - 1)).as("the backoff reaches the cap").isGreaterThanOrEqualTo(cap.dividedBy(2));
            }
        }
    }

    @Test
    void defaultCap_isAFewSeconds() {
        assertThat(NetworkStateManager.DEFAULT_PROBE_BACKOFF_MAX).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
    }

    @Test
    void networkChanged_whileTheProbeWaitsOutItsBackoff_probesAtOnce() {
        try (NetworkStateManager m = manager(Duration.ofSeconds(30))) {
            m.start();
            failProbes(20); // the next probe is many seconds away
            int before = net.probes.get();
            net.up = true;

            m.networkChanged();
            scheduler.runDue(); // no time passes

            assertThat(net.probes.get()).isEqualTo(before + 1);
            assertThat(m.isConnected()).isTrue();
        }
    }

    @Test
    void changeSignalFromTheConnectionTypeProvider_probesAtOnce() {
        AtomicReference<Runnable> signal = new AtomicReference<>();
        List<String> closed = new ArrayList<>();
        NetworkStateManager.ConnectionTypeProvider provider = new NetworkStateManager.ConnectionTypeProvider() {
            @Override
            public ConnectionType current() {
                return ConnectionType.WIFI;
            }

            @Override
            public ListenerToken addChangeListener(Runnable onChange) {
                signal.set(onChange);
                return () -> closed.add("closed");
            }
        };
        NetworkStateManager m = manager(Duration.ofSeconds(30), provider);
        m.start();
        failProbes(20);
        net.up = true;

        signal.get().run(); // the platform saw a link come up
        scheduler.runDue();

        assertThat(m.isConnected()).isTrue();
        m.close();
        assertThat(closed).as("the provider's listener is removed on close").containsExactly("closed");
    }

    @Test
    void transportSuccess_whileTheProbeWaits_connectsAtOnceAndDropsTheProbe() {
        try (NetworkStateManager m = manager(Duration.ofSeconds(30))) {
            m.start();
            failProbes(10);
            assertThat(scheduler.pending()).isEqualTo(1);

            m.recordSuccess(Duration.ofMillis(20).toNanos()); // a push got through

            assertThat(m.isConnected()).isTrue();
            assertThat(scheduler.pending()).as("no probe waits any more").isZero();
        }
    }

    @Test
    void networkChanged_inOfflineMode_sendsNothing() {
        try (NetworkStateManager m = manager(Duration.ofSeconds(2))) {
            m.start();
            failProbes(3);
            m.setOfflineMode(true);
            int before = net.probes.get();

            m.networkChanged();
            scheduler.advance(Duration.ofSeconds(10));

            assertThat(net.probes.get()).isEqualTo(before);
        }
    }

    @Test
    void hasWifiConnection_onlyWhenTheServerAnswersOverWifi() {
        AtomicReference<ConnectionType> type = new AtomicReference<>(ConnectionType.WIFI);
        try (NetworkStateManager m = manager(Duration.ofSeconds(2), type::get)) {
            m.start();
            scheduler.runDue();
            assertThat(m.hasWifiConnection()).as("Wi-Fi, server down").isFalse();

            net.up = true;
            m.networkChanged();
            scheduler.runDue();
            assertThat(m.hasWifiConnection()).isTrue();

            type.set(ConnectionType.CELLULAR);
            assertThat(m.hasWifiConnection()).isFalse();
            assertThat(m.isConnected()).isTrue();
        }
    }

    @Test
    void addListener_isToldOfEachChange_untilItsTokenIsClosed() {
        List<Boolean> seen = new ArrayList<>();
        try (NetworkStateManager m = manager(Duration.ofSeconds(2))) {
            ListenerToken token = m.addListener(seen::add);
            net.up = true;
            m.start();
            scheduler.runDue();
            m.setOfflineMode(true);
            token.close();
            m.setOfflineMode(false);
            scheduler.runDue();

            assertThat(seen).containsExactly(true, false);
        }
    }

    @Test
    void probeBackoffMax_outOfRange_isRefusedNamingTheSetting() {
        for (Duration bad : new Duration[] {null, Duration.ZERO, Duration.ofMillis(249), Duration.ofMinutes(6)}) {
            assertThatThrownBy(() -> SyncClient.builder().probeBackoffMax(bad)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("probeBackoffMax");
        }
        assertThatThrownBy(() -> SyncClient.builder().probeBackoffMax(Duration.ofSeconds(1)).probeBackoffMax(Duration.ofSeconds(2)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("set twice");
    }

    @Test
    void transportFactory_null_isRefusedNamingTheSetting() {
        assertThatThrownBy(() -> SyncClient.builder().transport(null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("transport");
    }
}
