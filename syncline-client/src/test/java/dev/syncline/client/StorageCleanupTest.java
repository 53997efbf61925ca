package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.TrackFlow.AudioTrack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local file does not grow forever: completed operations go after their retention (on the
 * coordinator's timer, or by {@link SyncClient#cleanUp()}), never an outstanding one; the two logs
 * stay bounded; freed pages go back to the file system.
 */
class StorageCleanupTest {
    @TempDir
    Path dir;
    TestClock clock = new TestClock();

    private static AudioTrack track(String id, String title) {
        return new AudioTrack(id, "team-1", "p1", title, 1);
    }

    /** What a push does to the outbox when the server applies every claimed operation. */
    private static int pushAllApplied(SyncClient client) {
        Map<String, Long> versions = new HashMap<>();
        for (PendingOperation op : client.outbox().claim(500)) {
            versions.put(op.opId(), op.baseVersion() + 1);
        }
        return client.outbox().ackAll(versions);
    }

    private static String opIdOf(SyncClient client, String id) {
        return client.outbox().listFor("team-1", "audio_track", id).get(0).opId();
    }

    @Test
    void doneOperations_goOnTheCoordinatorsTimerOnceTheirRetentionPassed_andOutstandingOnesNever() {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (SyncClient client = SyncClient.builder().database(dir.resolve("r.db")).clock(clock)
                .register(TrackFlow.PROJECTS).register(TrackFlow.TRACKS)
                .serverUrl("http://127.0.0.1:1").scheduler(scheduler)
                .backgroundSyncSettings(new BackgroundSyncCoordinator.Settings(Duration.ofMillis(10), Duration.ofMillis(10),
                        Duration.ZERO, Duration.ZERO).withMaintenance(Duration.ofMillis(20)))
                .doneOperationRetention(Duration.ofHours(24)).build()) {
            client.network().setOfflineMode(true); // the coordinator pushes nothing: this test plays the push
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
            tracks.save(track("done-early", "a"));
            String doneEarly = opIdOf(client, "done-early");
            assertThat(pushAllApplied(client)).isEqualTo(1);
            tracks.save(track("failed", "a"));
            tracks.save(track("in-flight", "a"));
            String failed = opIdOf(client, "failed");
            String inFlight = opIdOf(client, "in-flight");
            client.outbox().claim(10);
            client.outbox().fail(failed, "rejected: invalid_data", true);
            client.coordinator().start();

            clock.advance(Duration.ofHours(23));
            tracks.save(track("done-late", "a"));
            String doneLate = opIdOf(client, "done-late");
            client.outbox().ackAll(Map.of(doneLate, 1L, "none", 1L)); // not in flight yet: nothing
            client.outbox().claim(10);
            client.outbox().ackAll(Map.of(doneLate, 1L));
            tracks.save(track("pending", "a"));
            String pending = opIdOf(client, "pending");

            clock.advance(Duration.ofHours(2)); // done-early is 25 h old, done-late 2 h
            await().atMost(Duration.ofSeconds(20)).until(() -> client.outbox().get(doneEarly).isEmpty());

            assertThat(client.outbox().get(doneLate)).get().extracting(PendingOperation::state).isEqualTo(OperationState.DONE);
            assertThat(client.outbox().get(failed)).get().extracting(PendingOperation::state).isEqualTo(OperationState.FAILED);
            assertThat(client.outbox().get(inFlight)).get().extracting(PendingOperation::state)
                    .isEqualTo(OperationState.IN_FLIGHT);
            assertThat(client.outbox().get(pending)).get().extracting(PendingOperation::state).isEqualTo(OperationState.PENDING);

            clock.advance(Duration.ofDays(30)); // outstanding operations stay, however old
            await().atMost(Duration.ofSeconds(20)).until(() -> client.outbox().get(doneLate).isEmpty());
            assertThat(client.outbox().get(failed)).isPresent();
            assertThat(client.outbox().get(inFlight)).isPresent();
            assertThat(client.outbox().get(pending)).isPresent();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void conflictAndDiscardLogs_keepTheirNewestRowsAndRecentDaysOnly() throws Exception {
        Path db = dir.resolve("logs.db");
        try (SyncClient client = SyncClient.builder().database(db).clock(clock).register(TrackFlow.PROJECTS)
                .register(TrackFlow.TRACKS).logRetention(50, Duration.ofDays(7)).build()) {
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
            for (int i = 0; i < 60; i++) {
                tracks.save(track("t" + i, "a"));
            }
            for (PendingOperation op : client.outbox().claim(500)) {
                client.outbox().fail(op.opId(), "rejected: invalid_data", true);
            }
            assertThat(client.pendingOperations().discardAll()).hasSize(60);
            long now = clock.millis();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                    PreparedStatement ins = c.prepareStatement("INSERT INTO conflict_log (conflict_id, scope, type, id,"
                            + " conflict_type, resolved_by, result_deleted, remote_version, resolved_at)"
                            + " VALUES (?, 'team-1', 'audio_track', ?, 'concurrentModification', 'latest', 0, 2, ?)")) {
                for (int i = 0; i < 80; i++) {
                    ins.setString(1, "c" + i);
                    ins.setString(2, "t" + i);
                    // The first 10 are 8 days old, the rest recent.
                    ins.setLong(3, i < 10 ? now - Duration.ofDays(8).toMillis() : now - 1000 + i);
                    ins.executeUpdate();
                }
            }
            assertThat(client.conflicts().settledConflicts()).hasSize(80);

            CleanupReport report = client.cleanUp();

            assertThat(report.conflictLogRemoved()).isEqualTo(30);
            assertThat(report.discardLogRemoved()).isEqualTo(10);
            List<ConflictResolutionService.SettledConflict> kept = client.conflicts().settledConflicts();
            assertThat(kept).hasSize(50);
            assertThat(kept.get(0).conflictId()).isEqualTo("c30");
            assertThat(kept.get(49).conflictId()).isEqualTo("c79");
            assertThat(count(db, "SELECT count(*) FROM discard_log")).isEqualTo(50);
            assertThat(count(db, "SELECT count(*) FROM discard_log WHERE id = 't9'")).as("oldest gone").isZero();
            assertThat(count(db, "SELECT count(*) FROM discard_log WHERE id = 't10'")).as("newest kept").isEqualTo(1L);

            clock.advance(Duration.ofDays(8)); // now every row is older than 7 days
            client.cleanUp();
            assertThat(client.conflicts().settledConflicts()).isEmpty();
            assertThat(count(db, "SELECT count(*) FROM discard_log")).isZero();
        }
    }

    @Test
    void fileSize_stopsGrowing_acrossManyWriteSyncCleanupCycles() throws Exception {
        Path db = dir.resolve("grow.db");
        String payload = "x".repeat(1500);
        List<long[]> pages = new ArrayList<>();
        try (SyncClient client = SyncClient.builder().database(db).clock(clock).register(TrackFlow.PROJECTS)
                .register(TrackFlow.TRACKS).doneOperationRetention(Duration.ofMinutes(10))
                .durability(Durability.NORMAL).build()) {
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
            for (int cycle = 0; cycle < 40; cycle++) {
                for (int i = 0; i < 100; i++) {
                    tracks.save(track("t" + i, payload + cycle)); // the same 100 documents, rewritten
                }
                assertThat(pushAllApplied(client)).isEqualTo(100);
                clock.advance(Duration.ofMinutes(11));
                CleanupReport r = client.cleanUp();
                assertThat(r.operationsRemoved()).isEqualTo(100);
                pages.add(client.store().database().pageCounts());
            }
            assertThat(count(db, "SELECT count(*) FROM outbox")).isZero();
        }
        long afterWarmUp = pages.get(9)[0];
        long atEnd = pages.get(pages.size() - 1)[0];
        assertThat(atEnd).as("page_count per cycle: %s", pages.stream().map(p -> p[0]).toList())
                .isLessThanOrEqualTo(afterWarmUp + afterWarmUp / 10);
        assertThat(pages).allSatisfy(p -> assertThat(p[1]).as("free pages after a cleanup").isLessThan(8));
        assertThat(count(db, "PRAGMA auto_vacuum")).isEqualTo(2L);
        assertThat(text(db, "PRAGMA integrity_check")).isEqualTo("ok");
    }

    @Test
    void existingFileWithoutIncrementalVacuum_isConvertedWhenOpened() throws Exception {
        Path db = dir.resolve("old.db");
        try (SyncClient client = TrackFlow.open(db, clock)) {
            client.repository(AudioTrack.class).save(track("t1", "a"));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA auto_vacuum = NONE");
            st.execute("VACUUM");
        }
        assertThat(count(db, "PRAGMA auto_vacuum")).isZero();
        try (SyncClient client = TrackFlow.open(db, clock)) {
            assertThat(client.repository(AudioTrack.class).get("team-1", "t1")).isPresent();
        }
        assertThat(count(db, "PRAGMA auto_vacuum")).isEqualTo(2L);
    }

    @Test
    void cleanupSettings_outOfRange_areRefusedNamingTheSetting() {
        assertThatThrownBy(() -> SyncClient.builder().doneOperationRetention(Duration.ofSeconds(-1)))
                .hasMessageContaining("doneOperationRetention must be zero or positive");
        assertThatThrownBy(() -> SyncClient.builder().doneOperationRetention(null))
                .hasMessageContaining("doneOperationRetention is null");
        assertThatThrownBy(() -> SyncClient.builder().logRetention(0, Duration.ofDays(1)))
                .hasMessageContaining("logRetention maxRows must be 1 to 10000000");
        assertThatThrownBy(() -> SyncClient.builder().logRetention(10, Duration.ZERO))
                .hasMessageContaining("logRetention maxAge must be positive");
        assertThatThrownBy(() -> SyncClient.builder().logRetention(10, Duration.ofDays(1)).logRetention(10, Duration.ofDays(1)))
                .hasMessageContaining("logRetention is set twice");
        assertThatThrownBy(() -> BackgroundSyncCoordinator.Settings.DEFAULT.withMaintenance(Duration.ofMillis(-1)))
                .hasMessageContaining("maintenance must be zero or positive");
    }

    private static Long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                return null;
            }
            Object v = rs.getObject(1);
            return v instanceof Number n ? n.longValue() : null;
        }
    }

    private static String text(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
