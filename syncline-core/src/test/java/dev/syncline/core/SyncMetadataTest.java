package dev.syncline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SyncMetadataTest {
    @Test
    void initial_isANewLocalDocumentTheServerHasNotSeen() {
        SyncMetadata m = SyncMetadata.initial();
        assertThat(m.version()).isZero();
        assertThat(m.needsSync()).isTrue();
        assertThat(m.syncStatus()).isEqualTo(SyncStatus.PENDING);
        assertThat(m.lastSyncTime()).isNull();
        assertThat(m.retryCount()).isZero();
        assertThat(m.syncError()).isNull();
    }

    @Test
    void fromRemote_isTheServerStateAtItsVersion_synced() {
        SyncMetadata m = SyncMetadata.fromRemote(7, "0000000000001-0000-node");
        assertThat(m.version()).isEqualTo(7);
        assertThat(m.lastModified()).isEqualTo("0000000000001-0000-node");
        assertThat(m.needsSync()).isFalse();
        assertThat(m.syncStatus()).isEqualTo(SyncStatus.SYNCED);
        assertThat(m.retryCount()).isZero();
        assertThat(m.syncError()).isNull();
        Instant at = Instant.ofEpochMilli(42);
        assertThat(m.withLastSyncTime(at).lastSyncTime()).isEqualTo(at);
        assertThat(m.withLastSyncTime(at).version()).isEqualTo(7);
    }

    @Test
    void fromRemote_refusesANegativeVersion() {
        assertThatThrownBy(() -> SyncMetadata.fromRemote(-1, "x")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("version must not be negative");
    }
}
