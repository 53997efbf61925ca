package dev.syncline.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.server.internal.store.StoreUnavailableException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the builder checks the PostgreSQL settings, before and at start. */
class SyncServerPostgresSettingsTest {
    @TempDir
    Path dir;

    @Test
    void start_withBothDataDirAndPostgres_failsNamingBoth() {
        SyncServer.Builder b = SyncServer.builder().jwtSecret(ScaleOutTest.SECRET).port(0).dataDir(dir)
                .postgres("jdbc:postgresql://127.0.0.1:5432/syncline");
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dataDir").hasMessageContaining("postgres");
    }

    @Test
    void start_withNoStore_failsNamingBothChoices() {
        SyncServer.Builder b = SyncServer.builder().jwtSecret(ScaleOutTest.SECRET).port(0);
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dataDir").hasMessageContaining("postgres");
    }

    @Test
    void postgres_withANonPostgresUrl_isRefusedAtOnce() {
        assertThatThrownBy(() -> SyncServer.builder().postgres("jdbc:mysql://db/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jdbc:postgresql:");
        assertThatThrownBy(() -> SyncServer.builder().postgresPoolSize(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("postgresPoolSize");
    }

    @Test
    void start_withUnreachableDatabase_failsWithTheUrlAndMasksThePassword() {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        SyncServer.Builder b = SyncServer.builder().jwtSecret(ScaleOutTest.SECRET).port(0)
                .postgres("jdbc:postgresql://127.0.0.1:1/syncline?user=u&password=hunter2");
        assertThatThrownBy(b::start).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("127.0.0.1:1").hasMessageContaining("password=***")
                .hasMessageNotContaining("hunter2");
    }
}
