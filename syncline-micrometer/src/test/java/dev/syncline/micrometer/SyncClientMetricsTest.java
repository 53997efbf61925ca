package dev.syncline.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.EntityType;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncEvent;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's meters against a real server on loopback: they move as writes are pushed and pulled. */
class SyncClientMetricsTest {
    static final byte[] SECRET = "micrometer-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    record Project(String id, String teamId, String name) {
    }

    static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId).id(Project::id).conflictStrategy(ConflictResolutionStrategy.USE_REMOTE).build();

    @TempDir
    Path dir;
    SyncServer server;

    @BeforeEach
    void start() {
        server = SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(SECRET).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SyncClient client(String name, String... scopes) {
        return SyncClient.builder().database(dir.resolve(name + ".db")).serverUrl(server.url())
                .token(Tokens.mint(SECRET, name, List.of(scopes), Duration.ofHours(1), Clock.systemUTC()))
                .register(PROJECTS).build();
    }

    private static double counter(SimpleMeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).counter().count();
    }

    @Test
    void meters_followPushesPullsDeadLettersAndConflicts() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        try (SyncClient alice = client("alice", "team-1"); SyncClient bob = client("bob", "team-1")) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SyncClientMetrics metrics = new SyncClientMetrics(alice, Tags.of("app", "trackflow"), now::get);
            metrics.bindTo(registry);
            assertThat(registry.get("syncline.client.sync.lag").timeGauge().value(TimeUnit.SECONDS)).isNaN();

            alice.repository(Project.class).save(new Project("p1", "team-1", "Night Drive"));
            alice.repository(Project.class).save(new Project("p2", "team-9", "Not alice's"));
            assertThat(registry.get("syncline.client.outbox.pending").tag("app", "trackflow").gauge().value())
                    .isEqualTo(2);

            alice.sync();

            assertThat(registry.get("syncline.client.outbox.pending").gauge().value()).isZero();
            assertThat(registry.get("syncline.client.outbox.failed").gauge().value()).isEqualTo(1);
            assertThat(counter(registry, "syncline.client.push.operations", "result", "applied")).isEqualTo(1);
            assertThat(counter(registry, "syncline.client.push.operations", "result", "rejected")).isEqualTo(1);
            assertThat(registry.get("syncline.client.push").tags("outcome", "answered").timer().count()).isEqualTo(1);
            assertThat(registry.get("syncline.client.pull").tags("outcome", "answered").timer().count()).isPositive();
            now.addAndGet(TimeUnit.SECONDS.toNanos(7));
            assertThat(registry.get("syncline.client.sync.lag").timeGauge().value(TimeUnit.SECONDS)).isEqualTo(7);

            // bob edits p1; alice edits it too, offline from bob: her push conflicts, settled by "remote".
            bob.sync();
            bob.repository(Project.class).save(new Project("p1", "team-1", "Night Drive (bob)"));
            bob.sync();
            alice.repository(Project.class).save(new Project("p1", "team-1", "Night Drive (alice)"));
            alice.sync();

            assertThat(counter(registry, "syncline.client.conflicts.decided", "by", "remote", "parked", "false"))
                    .isEqualTo(1);
            assertThat(counter(registry, "syncline.client.pull.changes")).isPositive();
            assertThat(registry.get("syncline.client.sync.lag").timeGauge().value(TimeUnit.SECONDS)).isZero();
            assertThat(registry.get("syncline.client.conflicts.open").gauge().value()).isZero();

            metrics.close();
            alice.repository(Project.class).save(new Project("p3", "team-1", "After close"));
            alice.sync();
            assertThat(counter(registry, "syncline.client.push.operations", "result", "applied"))
                    .as("no longer listening").isEqualTo(1);
        }
    }

    @Test
    void aConflictParkedForAPerson_andSettledByThem_isCountedTwice() {
        try (SyncClient alice = SyncClient.builder().database(dir.resolve("alice.db")).serverUrl(server.url())
                .token(Tokens.mint(SECRET, "alice", List.of("team-1"), Duration.ofHours(1), Clock.systemUTC()))
                .register(PROJECTS).conflictStrategy("note", ConflictResolutionStrategy.MANUAL).build();
                SyncClient bob = client("bob", "team-1")) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new SyncClientMetrics(alice).bindTo(registry);
            com.fasterxml.jackson.databind.node.ObjectNode v1 = dev.syncline.core.Json.object().put("title", "v1");
            alice.documents().put("team-1", "note", "n1", v1);
            alice.sync();
            bob.sync();
            bob.documents().patch("team-1", "note", "n1", dev.syncline.core.Json.object().put("title", "bob"));
            bob.sync();
            alice.documents().patch("team-1", "note", "n1", dev.syncline.core.Json.object().put("title", "alice"));
            alice.sync();
            assertThat(counter(registry, "syncline.client.conflicts.decided", "by", "manual", "parked", "true"))
                    .isEqualTo(1);
            assertThat(registry.get("syncline.client.conflicts.open").gauge().value()).isEqualTo(1);

            String id = alice.conflicts().openConflicts().get(0).conflictId();
            alice.conflicts().resolve(id, dev.syncline.client.Resolution.useLocal());
            assertThat(counter(registry, "syncline.client.conflicts.decided", "by", "manual:local", "parked", "false"))
                    .isEqualTo(1);
            assertThat(registry.get("syncline.client.conflicts.open").gauge().value()).isZero();
        }
    }

    @Test
    void gauges_readNaN_afterTheClientIsClosed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SyncClient alice = client("alice", "team-1");
        new SyncClientMetrics(alice).bindTo(registry);
        alice.close();
        assertThat(registry.get("syncline.client.outbox.pending").gauge().value()).isNaN();
    }

    @Test
    void syncListener_hearsEachExchange_andNullIsRefused() {
        try (SyncClient alice = client("alice", "team-1")) {
            List<SyncEvent> events = new CopyOnWriteArrayList<>();
            alice.addSyncListener(events::add);
            alice.repository(Project.class).save(new Project("p1", "team-1", "Night Drive"));
            alice.sync();
            assertThat(events).hasAtLeastOneElementOfType(SyncEvent.PushAnswered.class)
                    .hasAtLeastOneElementOfType(SyncEvent.PullAnswered.class);
            assertThatThrownBy(() -> alice.addSyncListener(null)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("listener");
            assertThatThrownBy(() -> new SyncEvent.PullFailed(null, Duration.ZERO))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("error");
            assertThatThrownBy(() -> new SyncClientMetrics(null)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("client");
        }
    }
}
