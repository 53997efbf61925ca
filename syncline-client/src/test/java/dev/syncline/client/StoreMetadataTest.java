package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.core.SyncMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store builds a document's metadata with the seed's constructors of {@link SyncMetadata}. */
class StoreMetadataTest {
    @TempDir
    Path dir;

    @Test
    void newLocalDocument_hasInitialMetadata_stampedByTheReplicasClock() {
        try (SyncClient client = TrackFlow.open(dir.resolve("meta.db"), new TestClock())) {
            Document<AudioTrack> saved = client.repository(AudioTrack.class)
                    .save(new AudioTrack("t1", "team-1", "p1", "Intro", 1));
            SyncMetadata initial = SyncMetadata.initial();
            assertThat(saved.sync().lastModified()).contains(client.clientId());
            assertThat(saved.sync()).isEqualTo(new SyncMetadata(initial.version(), saved.sync().lastModified(),
                    initial.lastSyncTime(), initial.needsSync(), initial.syncStatus(), initial.retryCount(),
                    initial.syncError()));
        }
    }

    @Test
    void theDocumentsTable_createsLocalAndPulledMetadataByName() throws IOException {
        String table = Files.readString(Path.of(
                "src/main/java/dev/syncline/client/internal/store/DocumentsTable.java"));
        assertThat(table).contains("SyncMetadata.initial()").contains("SyncMetadata.fromRemote(");
    }
}
