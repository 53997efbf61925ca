package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.TrackFlow.AudioTrack;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoreSchemaTest {
    static final String LATEST = "5";

    @TempDir
    Path dir;

    private static String pragma(Path db, String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void newFile_isInWalModeAtTheLatestSchemaVersion() throws Exception {
        Path db = dir.resolve("nested/dir/replica.db");
        try (SyncClient client = TrackFlow.open(db, new TestClock())) {
            client.repository(AudioTrack.class).save(new AudioTrack("t1", "team-1", "p1", "x", 1));
        }
        assertThat(pragma(db, "journal_mode")).isEqualTo("wal");
        assertThat(pragma(db, "user_version")).isEqualTo(LATEST);
    }

    @Test
    void reopening_keepsDataAndDoesNotMigrateAgain() throws Exception {
        Path db = dir.resolve("replica.db");
        try (SyncClient client = TrackFlow.open(db, new TestClock())) {
            client.repository(AudioTrack.class).save(new AudioTrack("t1", "team-1", "p1", "x", 1));
        }
        try (SyncClient client = TrackFlow.open(db, new TestClock())) {
            assertThat(client.repository(AudioTrack.class).get("team-1", "t1")).isPresent();
        }
        assertThat(pragma(db, "user_version")).isEqualTo(LATEST);
    }

    @Test
    void fileAtSchemaVersion2_isMigratedToTheLatest_keepingDataAndCursor_withEmptyPullProgressAndDiscardLog() throws Exception {
        Path db = dir.resolve("old.db");
        try (SyncClient client = TrackFlow.open(db, new TestClock())) {
            client.repository(AudioTrack.class).save(new AudioTrack("t1", "team-1", "p1", "x", 1));
        }
        // Make it the file an earlier library left: version 2, with a cursor, without the later tables.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DROP TABLE pull_progress");
            st.execute("DROP TABLE discard_log");
            st.execute("DROP TABLE deferred_changes");
            st.execute("ALTER TABLE outbox DROP COLUMN sent");
            st.execute("INSERT INTO cursors (scope, cursor, updated_at) VALUES ('*', 'opaque-cursor', 1)");
            st.execute("PRAGMA user_version = 2");
        }
        try (SyncClient client = TrackFlow.open(db, new TestClock())) {
            assertThat(client.repository(AudioTrack.class).get("team-1", "t1")).isPresent();
            assertThat(client.status().cursor()).isEqualTo("opaque-cursor");
            assertThat(client.status().scopes()).isEmpty();
        }
        assertThat(pragma(db, "user_version")).isEqualTo(LATEST);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM pull_progress), (SELECT count(*) FROM discard_log)")) {
            rs.next();
            assertThat(rs.getInt(1) + rs.getInt(2)).isZero(); // both tables are back, empty
        }
    }

    @Test
    void fileFromANewerLibrary_isRefusedNotDamaged() throws Exception {
        Path db = dir.resolve("future.db");
        try (SyncClient client = TrackFlow.open(db, new TestClock())) {
            client.pendingOperations();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }
        assertThatThrownBy(() -> TrackFlow.open(db, new TestClock())).isInstanceOf(StorageException.class)
                .hasMessageContaining("schema version 99 is newer")
                .satisfies(e -> {
                    assertThat(((StorageException) e).file()).isEqualTo(db.toAbsolutePath());
                    assertThat(((StorageException) e).operation()).isEqualTo("open");
                });
        assertThat(pragma(db, "user_version")).isEqualTo("99");
    }

    @Test
    void policiesServerAndToken_areRememberedByTheReplica() {
        Path db = dir.resolve("replica.db");
        try (SyncClient client = SyncClient.builder().database(db).serverUrl("http://127.0.0.1:8080").token("tok")
                .conflictStrategy("comment", dev.syncline.core.ConflictResolutionStrategy.MANUAL).build()) {
            assertThat(client.conflictStrategy("comment")).isEqualTo(dev.syncline.core.ConflictResolutionStrategy.MANUAL);
        }
        try (SyncClient client = SyncClient.builder().database(db).build()) {
            assertThat(client.serverUrl()).hasValueSatisfying(u -> assertThat(u.toString()).isEqualTo("http://127.0.0.1:8080"));
            assertThat(client.hasToken()).isTrue();
            assertThat(client.conflictStrategy("comment")).isEqualTo(dev.syncline.core.ConflictResolutionStrategy.MANUAL);
            assertThat(client.conflictStrategy("other")).isEqualTo(dev.syncline.core.ConflictResolutionStrategy.MERGE);
        }
    }
}
