package dev.syncline.client.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.EntityType;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.NetworkStateManager;
import dev.syncline.client.NetworkStateManager.ConnectionType;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.core.SyncPriority;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example code of the "Network and background sync" section of {@code docs/guide.md}: a
 * platform's connection type provider, connectivity listeners, the connection checks, and the
 * coordinator's triggers. The server here is an address where nothing listens (the client module
 * has no server to start), so the replica stays offline and every trigger waits in the outbox; the
 * same calls against a real server run in {@code SyncGuideTest} of the testkit. Keep the guide's
 * snippets in step with this file.
 */
class NetworkGuideTest {
    record AudioTrack(String id, String teamId, String projectId, String title, int durationMs) {
    }

    static final EntityType<AudioTrack> TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId).id(AudioTrack::id).priority(SyncPriority.MEDIUM).build();

    @TempDir
    Path dir;

    /**
     * What an Android app would write over {@code ConnectivityManager}; here the test plays the
     * platform: it sets the link type and fires the change callback.
     */
    static final class PlatformNetwork implements NetworkStateManager.ConnectionTypeProvider {
        final AtomicReference<ConnectionType> type = new AtomicReference<>(ConnectionType.WIFI);
        final List<Runnable> callbacks = new CopyOnWriteArrayList<>();

        @Override
        public ConnectionType current() {
            return type.get();
        }

        @Override
        public ListenerToken addChangeListener(Runnable onChange) {
            callbacks.add(onChange);              // register the OS network callback here
            return () -> callbacks.remove(onChange);
        }

        void linkChanged(ConnectionType now) {   // the OS callback
            type.set(now);
            callbacks.forEach(Runnable::run);
        }
    }

    @Test
    void networkAndBackgroundSync_whileTheServerCannotBeReached() throws Exception {
        String serverUrl;
        try (ServerSocket unused = new ServerSocket(0)) {
            serverUrl = "http://127.0.0.1:" + unused.getLocalPort(); // nothing listens there
        }
        PlatformNetwork platform = new PlatformNetwork();

        // --- Build: the platform's link type, and how long the probe may wait between tries. ---
        try (SyncClient client = SyncClient.builder()
                .database(dir.resolve("trackflow.db"))
                .serverUrl(serverUrl)
                .tokenProvider(() -> "token-from-your-login")
                .register(TRACKS)
                .connectionTypeProvider(platform)          // Wi-Fi, cellular, ... (a JVM cannot tell)
                .probeBackoffMax(Duration.ofSeconds(2))    // notice a returning server within ~2 s
                .backgroundSync(true)
                .build()) {
            NetworkStateManager network = client.network();
            BackgroundSyncCoordinator coordinator = client.coordinator();
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);

            // --- Listen to connectivity: true when the server answers, false when it does not. ---
            List<Boolean> changes = new CopyOnWriteArrayList<>();
            ListenerToken listening = network.addListener(connected -> changes.add(connected));

            // --- Ask before heavy work. ---
            boolean online = network.isConnected();          // the server answers now
            boolean good = network.hasGoodConnection();      // ... quickly, without recent failures
            boolean wifi = network.hasWifiConnection();      // ... over Wi-Fi (from the provider)
            ConnectionType link = network.connectionType();  // WIFI: what the provider says

            assertThat(online).isFalse();
            assertThat(good).isFalse();
            assertThat(wifi).as("Wi-Fi, but no server").isFalse();
            assertThat(link).isEqualTo(ConnectionType.WIFI);

            // --- Triggers: none is needed for writes, which sync by themselves. ---
            tracks.save(new AudioTrack("t-1", "team-1", "p-42", "Intro", 61_000));
            coordinator.triggerUpstreamSync();               // push soon (debounced), no pull
            coordinator.triggerBackgroundSync("open-project"); // push then pull, one run per key
            coordinator.forceBackgroundSync();               // push then pull now, no debounce
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> coordinator.status().state() == BackgroundSyncCoordinator.State.OFFLINE);
            assertThat(coordinator.hasPendingSync()).as("the write waits in the outbox").isTrue();
            assertThat(client.pendingOperations().getPendingOperationsCount()).isEqualTo(1);

            // --- The platform says the link changed: the client probes at once. ---
            platform.linkChanged(ConnectionType.CELLULAR);
            network.networkChanged();                        // the same, for apps without a provider signal
            assertThat(network.connectionType()).isEqualTo(ConnectionType.CELLULAR);

            // --- Airplane mode, and back. ---
            network.setOfflineMode(true);
            assertThat(network.connectionType()).isEqualTo(ConnectionType.NONE);
            network.setOfflineMode(false);

            listening.close();                               // stop listening
            assertThat(changes).as("never connected, so no change to tell").isEmpty();
        }
    }
}
