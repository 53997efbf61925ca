package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.EntityType;
import dev.syncline.client.JsonMapping;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app's JSON and the repository watch, against a real server. */
class AppJsonAndWatchSyncTest {
    static final String S = "team-1";

    record Session(String id, String teamId, Instant startedAt, LocalDate day, Optional<String> note) {
    }

    static final EntityType<Session> SESSIONS = EntityType.builder("session", Session.class)
            .scope(Session::teamId).id(Session::id).build();

    @TempDir
    Path dir;

    @Test
    void recordWithInstantLocalDateAndOptional_roundTripsThroughSyncToAnotherReplica() {
        Session s = new Session("s1", S, Instant.parse("2026-12-01T10:15:30.123456Z"), LocalDate.parse("2026-02-28"),
                Optional.of("warm-up"));
        Session quiet = new Session("s2", S, Instant.EPOCH, LocalDate.EPOCH, Optional.empty());
        try (Loopback net = new Loopback(dir);
                SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)).register(SESSIONS));
                SyncClient b = net.client("b", c -> c.token(Loopback.token("bob", S)).register(SESSIONS)
                        .objectMapper(JsonMapping.defaultMapper()))) {
            a.repository(Session.class).save(s);
            a.repository(Session.class).save(quiet);
            a.sync();
            b.sync();
            Repository<Session> there = b.repository(Session.class);
            assertThat(there.get(S, "s1")).contains(s);
            assertThat(there.get(S, "s2")).contains(quiet);
            // On the wire and in the other replica's file: ISO strings.
            assertThat(b.documents().get(S, "session", "s1").orElseThrow().value().get("startedAt").asText())
                    .isEqualTo("2026-12-01T10:15:30.123456Z");
        }
    }

    @Test
    void watchingARepository_asksTheRunningCoordinatorForASyncOfItsType() throws Exception {
        try (Loopback net = new Loopback(dir);
                SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)).register(SESSIONS)
                        .backgroundSync(true))) {
            List<BackgroundSyncCoordinator.Status> seen = new CopyOnWriteArrayList<>();
            a.coordinator().addStatusListener(seen::add);
            List<List<Session>> values = new CopyOnWriteArrayList<>();
            ListenerToken watching = a.repository(Session.class).watchAll(values::add);
            NetworkBehaviourTest.await("a sync keyed by the watched type", Duration.ofSeconds(10),
                    () -> seen.stream().anyMatch(st -> st.ongoingSyncKeys().contains("session")));
            assertThat(values).isNotEmpty();
            watching.close();
        }
    }

    @Test
    void watchingWithoutAServer_justWatches() throws Exception {
        try (SyncClient a = SyncClient.builder().database(dir.resolve("local.db")).register(SESSIONS).build()) {
            List<Optional<Session>> values = new CopyOnWriteArrayList<>();
            ListenerToken watching = a.repository(Session.class).watch(S, "s1", values::add);
            NetworkBehaviourTest.await("the first value", Duration.ofSeconds(10), () -> values.size() == 1);
            assertThat(values).containsExactly(Optional.empty());
            watching.close();
        }
    }
}
