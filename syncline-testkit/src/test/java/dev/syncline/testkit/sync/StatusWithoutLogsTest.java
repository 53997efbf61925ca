package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.EntityType;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.ReplicaStatus;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.SyncStatus;
import dev.syncline.server.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * docs/guide.md "Logging": with every log line switched off (as an app without an SLF4J backend
 * has it), a dead-lettered write and a refused token still show in the status API.
 */
class StatusWithoutLogsTest {
    record Project(String id, String teamId, String name) {
    }

    static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId).id(Project::id).build();

    @TempDir
    Path dir;
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger syncline = (Logger) LoggerFactory.getLogger("dev.syncline");
    private Level rootLevel;
    private Level synclineLevel;

    @BeforeEach
    void logsOff() {
        rootLevel = root.getLevel();
        synclineLevel = syncline.getLevel();
        root.setLevel(Level.OFF);
        syncline.setLevel(Level.OFF);
    }

    @AfterEach
    void logsBack() {
        root.setLevel(rootLevel);
        syncline.setLevel(synclineLevel);
    }

    @Test
    void aDeadLetteredWrite_showsInReplicaStatusHealthAndTheDocument() throws Exception {
        try (Loopback net = new Loopback(dir);
                SyncClient client = SyncClient.builder().database(dir.resolve("app.db")).serverUrl(net.server.url())
                        .token(Loopback.token("alice", "team-2")).register(PROJECTS).build()) {
            client.repository(Project.class).save(new Project("p1", "team-1", "Night Drive"));

            SyncReport report = client.sync(); // the token does not hold team-1: forbidden, for good

            assertThat(report.failed()).isEqualTo(1);
            ReplicaStatus status = client.status();
            assertThat(status.failedCount()).isEqualTo(1);
            assertThat(status.pendingCount()).isZero();
            assertThat(status.health().status()).isEqualTo("degraded");
            assertThat(status.health().reasons()).anySatisfy(r -> assertThat(r).contains("failed"));
            PendingOperation dead = client.pendingOperations().failedOperations().get(0);
            assertThat(dead.error()).contains("forbidden");
            assertThat(client.repository(Project.class).document("team-1", "p1").orElseThrow().sync().syncStatus())
                    .isEqualTo(SyncStatus.ERROR);
        }
    }

    @Test
    void aRefusedToken_showsInTheSyncReportTheClientAndTheCoordinatorsState() throws Exception {
        byte[] otherSecret = "not-the-servers-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        String refused = Tokens.mint(otherSecret, "alice", List.of("team-1"), Duration.ofHours(1), Clock.systemUTC());
        AtomicReference<String> token = new AtomicReference<>(refused);
        try (Loopback net = new Loopback(dir)) {
            try (SyncClient client = SyncClient.builder().database(dir.resolve("app.db")).serverUrl(net.server.url())
                    .tokenProvider(token::get).register(PROJECTS).build()) {
                client.repository(Project.class).save(new Project("p1", "team-1", "Night Drive"));

                assertThat(client.sync().outcome()).isEqualTo(SyncReport.Outcome.AUTHENTICATION_NEEDED);
                assertThat(client.authenticationNeeded()).isTrue();
                assertThat(client.status().pendingCount()).as("the write waits, it is not lost").isEqualTo(1);
            }
            try (SyncClient client = SyncClient.builder().database(dir.resolve("app.db")).serverUrl(net.server.url())
                    .tokenProvider(token::get).register(PROJECTS).backgroundSync(true).build()) {
                NetworkBehaviourTest.await("AUTHENTICATION_NEEDED", Duration.ofSeconds(20), () -> client.coordinator()
                        .status().state() == BackgroundSyncCoordinator.State.AUTHENTICATION_NEEDED);

                token.set(Loopback.token("alice", "team-1"));
                NetworkBehaviourTest.await("pushed with the new token", Duration.ofSeconds(20),
                        () -> client.status().pendingCount() == 0 && !client.authenticationNeeded());
            }
        }
    }
}
