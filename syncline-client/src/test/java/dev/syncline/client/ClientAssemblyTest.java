package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.TrackFlow.AudioTrack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's parts start in a fixed order and stop in the reverse one: operations left in
 * flight by a crash are recovered before the background coordinator can schedule anything, and a
 * client whose start fails leaves no thread of its own behind.
 */
class ClientAssemblyTest {
    @TempDir
    Path dir;

    @Test
    void inFlightOperationsLeftByACrash_areRecoveredBeforeTheCoordinatorSchedulesAnything() throws Exception {
        Path db = dir.resolve("replica.db");
        try (SyncClient first = SyncClient.builder().database(db).register(TrackFlow.TRACKS).build()) {
            first.repository(AudioTrack.class).save(new AudioTrack("t1", "team-1", "p1", "Intro", 1000));
            // A push that never got its answer: the process dies with the operation in flight.
            assertThat(first.outbox().claim(10)).hasSize(1);
        }
        assertThat(inFlight(db)).isEqualTo(1);

        List<Integer> inFlightAtEachSchedule = new ArrayList<>();
        ScheduledExecutorService scheduler = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
                inFlightAtEachSchedule.add(inFlightQuietly(db));
                return super.schedule(command, delay, unit);
            }

            @Override
            public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
                inFlightAtEachSchedule.add(inFlightQuietly(db));
                return super.schedule(callable, delay, unit);
            }

            @Override
            public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                    TimeUnit unit) {
                inFlightAtEachSchedule.add(inFlightQuietly(db));
                return super.scheduleWithFixedDelay(command, initialDelay, delay, unit);
            }
        };
        try (SyncClient second = SyncClient.builder().database(db).register(TrackFlow.TRACKS)
                .serverUrl("http://127.0.0.1:9").token("t").scheduler(scheduler).backgroundSync(true).build()) {
            assertThat(inFlightAtEachSchedule).as("the coordinator scheduled work").isNotEmpty();
            assertThat(inFlightAtEachSchedule).as("in-flight operations when the coordinator scheduled work")
                    .containsOnly(0);
            assertThat(second.pendingOperations().pendingOperations()).hasSize(1);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void aClientWhoseStartFails_leavesNoThreadOfItsOwn_andTheFileCanBeOpenedAgain() {
        Path db = dir.resolve("replica.db");
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        assertThatThrownBy(() -> SyncClient.builder().database(db).register(TrackFlow.TRACKS)
                .serverUrl("http://127.0.0.1:9").token("t").backgroundSync(true)
                .streamThreadFactory(r -> null).build())
                .hasMessageContaining("streamThreadFactory returned no thread");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> {
            List<String> left = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!before.contains(t) && t.isAlive() && t.getName().startsWith("syncline-")) {
                    left.add(t.getName());
                }
            }
            assertThat(left).as("threads the failed client made").isEmpty();
        });
        try (SyncClient again = SyncClient.builder().database(db).build()) {
            assertThat(again.pendingOperations().pendingOperations()).isEmpty();
        }
    }

    private static int inFlightQuietly(Path db) {
        try {
            return inFlight(db);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static int inFlight(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM outbox WHERE state = 'in_flight'")) {
            return rs.getInt(1);
        }
    }
}
