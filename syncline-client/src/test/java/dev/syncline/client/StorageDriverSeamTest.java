package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.client.internal.store.jdbc.JdbcStorageDriver;
import dev.syncline.client.spi.storage.StorageConnection;
import dev.syncline.client.spi.storage.StorageDriver;
import dev.syncline.client.spi.storage.StorageOptions;
import dev.syncline.core.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder's storage driver is the one the client opens and runs its file with. */
class StorageDriverSeamTest {
    @TempDir
    Path dir;

    /** Opens through the JDBC driver and records what it was asked to open. */
    static final class RecordingDriver implements StorageDriver {
        final List<StorageOptions> opened = new CopyOnWriteArrayList<>();
        private final StorageDriver jdbc = new JdbcStorageDriver();

        @Override
        public StorageConnection open(StorageOptions options) {
            opened.add(options);
            return jdbc.open(options);
        }
    }

    @Test
    void storageDriverGivenToTheBuilder_opensTheWriterAndTheReaders_andServesWritesAndReads() {
        RecordingDriver driver = new RecordingDriver();
        Path db = dir.resolve("seam.db");
        try (SyncClient client = SyncClient.builder().database(db).storageDriver(driver).register(TrackFlow.TRACKS)
                .clock(new TestClock()).build()) {
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
            tracks.save(new AudioTrack("t1", "team-1", "p1", "Intro", 1));
            assertThat(tracks.get("team-1", "t1")).map(AudioTrack::title).hasValue("Intro");
        }
        assertThat(driver.opened).extracting(StorageOptions::file).containsOnly(db.toAbsolutePath());
        assertThat(driver.opened).filteredOn(o -> !o.readOnly()).hasSize(1);
        assertThat(driver.opened).filteredOn(StorageOptions::readOnly).isNotEmpty();
    }

    @Test
    void storageDriver_nullOrGivenTwice_isRefused() {
        assertThatThrownBy(() -> SyncClient.builder().storageDriver(null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("storageDriver is null");
        assertThatThrownBy(() -> SyncClient.builder().storageDriver(new JdbcStorageDriver())
                .storageDriver(new JdbcStorageDriver())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("storageDriver is set twice");
    }

    @Test
    void aDriverThatCannotOpen_isAStorageExceptionNamingTheFile_andTheFileIsFreeAgain() {
        Path db = dir.resolve("broken.db");
        StorageDriver broken = options -> {
            throw new StorageException(options.file(), "open", "disk says no", null);
        };
        assertThatThrownBy(() -> SyncClient.builder().database(db).storageDriver(broken).build())
                .isInstanceOf(StorageException.class).hasMessageContaining("disk says no")
                .satisfies(e -> assertThat(((StorageException) e).file()).isEqualTo(db.toAbsolutePath()));
        try (SyncClient again = SyncClient.builder().database(db).build()) {
            assertThat(again.databaseFile()).isEqualTo(db.toAbsolutePath());
        }
    }
}
