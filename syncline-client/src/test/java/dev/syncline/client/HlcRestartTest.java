package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.core.Hlc;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica's HLC across restarts and against skewed clocks: stamps go up, never run ahead of
 * the wall clock by the replica's own doing, and a remote clock far ahead does not drag it along.
 */
class HlcRestartTest {
    static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;

    private static Hlc stampOf(SyncClient client, String id, String title) {
        Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
        return Hlc.parse(tracks.save(new AudioTrack(id, "team-1", "p1", title, 1)).sync().lastModified());
    }

    /** A pulled write's stamp, seen by the replica's clock the way the sync engine does it. */
    private static void observe(SyncClient client, Hlc remote) {
        client.store().database().write(tx -> {
            client.store().observe(tx, remote.toString());
            return null;
        });
    }

    @Test
    void restart_withWallClockUnchanged_nextStampIsAboveTheLastAndNotAheadOfWallTime() {
        TestClock clock = new TestClock(T);
        Path db = dir.resolve("r.db");
        Hlc last;
        try (SyncClient client = TrackFlow.open(db, clock)) {
            stampOf(client, "t1", "a");
            stampOf(client, "t2", "b");
            last = stampOf(client, "t3", "c");
        }
        assertThat(last.wallMillis()).isEqualTo(T.toEpochMilli());
        try (SyncClient client = TrackFlow.open(db, clock)) {
            Hlc next = stampOf(client, "t4", "d");
            assertThat(next).isGreaterThan(last);
            assertThat(next.wallMillis()).as("not dated ahead of the wall clock").isLessThanOrEqualTo(clock.millis());
        }
        // Restarting again and again without the clock moving keeps going up, in the same millisecond.
        Hlc prev = last;
        for (int i = 0; i < 5; i++) {
            try (SyncClient client = TrackFlow.open(db, clock)) {
                Hlc next = stampOf(client, "r" + i, "x");
                assertThat(next).isGreaterThan(prev);
                assertThat(next.wallMillis()).isEqualTo(clock.millis());
                prev = next;
            }
        }
    }

    @Test
    void restart_afterTheWallClockWentBack_staysMonotonic() {
        TestClock clock = new TestClock(T);
        Path db = dir.resolve("r.db");
        Hlc last;
        try (SyncClient client = TrackFlow.open(db, clock)) {
            last = stampOf(client, "t1", "a");
        }
        TestClock earlier = new TestClock(T.minus(Duration.ofHours(2))); // the user fixed a clock that ran fast
        try (SyncClient client = TrackFlow.open(db, earlier)) {
            assertThat(stampOf(client, "t2", "b")).isGreaterThan(last);
        }
    }

    @Test
    void restart_afterObservingARemoteStampWithinTheDrift_ordersAfterIt() {
        TestClock clock = new TestClock(T);
        Path db = dir.resolve("r.db");
        Hlc remote = new Hlc(T.toEpochMilli() + 30_000, 7, "other-replica");
        try (SyncClient client = TrackFlow.open(db, clock)) {
            stampOf(client, "t1", "a");
            observe(client, remote);
        }
        try (SyncClient client = TrackFlow.open(db, clock)) {
            Hlc next = stampOf(client, "t2", "b");
            assertThat(next).isGreaterThan(remote);
            assertThat(next.wallMillis()).isEqualTo(remote.wallMillis());
        }
    }

    @Test
    void remoteClockHoursAhead_isNotAdopted_soLocalStampsStayAtLocalWallTime() {
        TestClock clock = new TestClock(T);
        Path db = dir.resolve("r.db");
        Hlc fast = new Hlc(T.plus(Duration.ofHours(3)).toEpochMilli(), 0, "fast-replica");
        try (SyncClient client = TrackFlow.open(db, clock)) {
            observe(client, fast);
            clock.advance(Duration.ofMillis(5));
            Hlc next = stampOf(client, "t1", "a");
            assertThat(next.wallMillis()).isEqualTo(clock.millis());
        }
        try (SyncClient client = TrackFlow.open(db, clock)) {
            assertThat(stampOf(client, "t2", "b").wallMillis()).as("nor after a restart").isEqualTo(clock.millis());
        }
    }

    @Test
    void localClockHoursBehind_doesNotAdoptStampsBeyondTheDrift_butAWiderDriftAdoptsThem() {
        // This replica's clock is 3 hours slow; the others' stamps look 3 hours ahead to it.
        TestClock slow = new TestClock(T.minus(Duration.ofHours(3)));
        Hlc accurate = new Hlc(T.toEpochMilli(), 0, "accurate-replica");
        try (SyncClient client = TrackFlow.open(dir.resolve("default.db"), slow)) {
            observe(client, accurate);
            assertThat(stampOf(client, "t1", "a").wallMillis()).isEqualTo(slow.millis());
        }
        try (SyncClient client = SyncClient.builder().database(dir.resolve("wide.db")).clock(slow)
                .register(TrackFlow.PROJECTS).register(TrackFlow.TRACKS).maxClockDrift(Duration.ofHours(4)).build()) {
            observe(client, accurate);
            assertThat(stampOf(client, "t1", "a")).isGreaterThan(accurate);
        }
    }

    @Test
    void remoteClockJustAhead_withinTheDrift_isAdopted() {
        TestClock clock = new TestClock(T);
        Hlc ahead = new Hlc(T.toEpochMilli() + 20_000, 3, "b");
        try (SyncClient client = TrackFlow.open(dir.resolve("r.db"), clock)) {
            observe(client, ahead);
            assertThat(stampOf(client, "t1", "a")).isGreaterThan(ahead);
        }
    }

    @Test
    void fileWithAnOldClockLease_resumesAtTheNewestStampItHolds_notAtTheLease() throws Exception {
        TestClock clock = new TestClock(T);
        Path db = dir.resolve("old.db");
        Hlc last;
        try (SyncClient client = TrackFlow.open(db, clock)) {
            last = stampOf(client, "t1", "a");
        }
        // What an earlier version left: a lease a second ahead of the last stamp, no exact stamp.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("DELETE FROM meta WHERE key = 'hlc_last'");
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES ('hlc', ?)")) {
                ps.setString(1, new Hlc(last.wallMillis() + 1000, 0, last.node()).toString());
                ps.executeUpdate();
            }
        }
        try (SyncClient client = TrackFlow.open(db, clock)) {
            Hlc next = stampOf(client, "t2", "b");
            assertThat(next).isGreaterThan(last);
            assertThat(next.wallMillis()).isLessThanOrEqualTo(clock.millis());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM meta WHERE key = 'hlc'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the lease is gone").isZero();
        }
    }

    @Test
    void maxClockDrift_negativeOrTwice_isRefusedNamingTheSetting() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SyncClient.builder().maxClockDrift(Duration.ofSeconds(-1)))
                .hasMessageContaining("maxClockDrift");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SyncClient.builder().maxClockDrift(Duration.ZERO)
                .maxClockDrift(Duration.ZERO)).hasMessageContaining("maxClockDrift is set twice");
    }
}
