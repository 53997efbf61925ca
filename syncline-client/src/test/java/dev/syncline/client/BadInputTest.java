package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.client.TrackFlow.Project;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.SyncPriority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every public method given bad input: a clear exception that names the problem, and nothing written. */
class BadInputTest {
    @TempDir
    Path dir;
    SyncClient client;
    Repository<AudioTrack> tracks;

    @BeforeEach
    void open() {
        client = TrackFlow.open(dir.resolve("bad.db"), new TestClock());
        tracks = client.repository(AudioTrack.class);
        tracks.save(new AudioTrack("t1", "team-1", "p1", "Intro", 1));
    }

    @AfterEach
    void close() {
        client.close();
    }

    /** Asserts that {@code call} throws InvalidInputException mentioning {@code words} and changes no row. */
    private void refused(ThrowingCallable call, String... words) throws Exception {
        String before = snapshot();
        assertThatThrownBy(call).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> {
                    for (String w : words) {
                        assertThat(e.getMessage()).contains(w);
                    }
                });
        assertThat(snapshot()).as("nothing written").isEqualTo(before);
    }

    private String snapshot() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + client.databaseFile());
                Statement st = c.createStatement()) {
            StringBuilder sb = new StringBuilder();
            for (String table : new String[] {"documents", "outbox", "meta", "type_policies"}) {
                try (ResultSet rs = st.executeQuery("SELECT * FROM " + table + " ORDER BY 1, 2")) {
                    int cols = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= cols; i++) {
                            sb.append(rs.getString(i)).append('|');
                        }
                        sb.append('\n');
                    }
                }
            }
            return sb.toString();
        }
    }

    /** Jackson cannot serialise a self-referencing object graph. */
    record Looping(String id, String teamId, Map<String, Object> extra) {
    }

    @Test
    void repositoryWrites_refuseBadEntities() throws Exception {
        refused(() -> tracks.save(null), "audio_track", "entity is null");
        refused(() -> tracks.save(new AudioTrack(null, "team-1", "p1", "x", 1)), "audio_track", "id", "missing");
        refused(() -> tracks.save(new AudioTrack("bad id", "team-1", "p1", "x", 1)), "audio_track", "id 'bad id'");
        refused(() -> tracks.save(new AudioTrack("t2", "Team 1", "p1", "x", 1)), "scope 'Team 1'");
        refused(() -> tracks.save(new AudioTrack("t2", null, "p1", "x", 1)), "scope", "missing");
        refused(() -> tracks.save(new AudioTrack("t2", "team-1", "p1", "x".repeat(300_000), 1)), "bytes", "the limit is 262144");
        refused(() -> tracks.patch("team-1", "t1", null), "no fields");
        refused(() -> tracks.patch("team-1", "t1", Map.of()), "no fields");
        refused(() -> tracks.patch(null, "t1", Map.of("title", "x")), "scope is missing");
        refused(() -> tracks.patch("team-1", "", Map.of("title", "x")), "id ''");
        refused(() -> tracks.patch("team-1", "t1", Map.of("durationMs", "abc")), "durationMs");
        refused(() -> tracks.patch("team-1", "missing", Map.of("title", "x")), "no such document");
        refused(() -> tracks.delete(null, "t1"), "scope is missing");
        refused(() -> tracks.delete("team-1", null), "id is missing");
        refused(() -> tracks.delete((AudioTrack) null), "entity is null");
    }

    @Test
    void unserialisableEntity_isRefusedNamingTheClass() throws Exception {
        EntityType<Looping> looping = EntityType.builder("looping", Looping.class)
                .scope(Looping::teamId).id(Looping::id).build();
        client.close();
        client = SyncClient.builder().database(dir.resolve("bad.db")).register(looping).register(TrackFlow.TRACKS).build();
        Repository<Looping> repo = client.repository(Looping.class);
        Map<String, Object> extra = new HashMap<>();
        Looping l = new Looping("l1", "team-1", extra);
        extra.put("self", l);
        refused(() -> repo.save(l), "looping", "cannot serialise Looping");
    }

    @Test
    void scopeOrIdFunctionThatThrows_isReportedAsBadInput() throws Exception {
        EntityType<Looping> throwing = EntityType.builder("looping", Looping.class)
                .scope(l -> l.extra().get("team").toString()).id(Looping::id).build();
        client.close();
        client = SyncClient.builder().database(dir.resolve("bad.db")).register(throwing).register(TrackFlow.TRACKS).build();
        Repository<Looping> repo = client.repository(Looping.class);
        refused(() -> repo.save(new Looping("l1", "team-1", Map.of())), "looping", "scope function failed", "NullPointerException");
    }

    @Test
    void repositoryReads_refuseBadArguments() throws Exception {
        refused(() -> tracks.get("team-1", null), "id is missing");
        refused(() -> tracks.get("TEAM", "t1"), "scope 'TEAM'");
        refused(() -> tracks.document(null, "t1"), "scope is missing");
        refused(() -> tracks.query(null), "query is null");
        refused(() -> tracks.query(Query.where("durationMs", "x")), "'durationMs' is not a declared index");
        refused(() -> tracks.query(Query.all().orderBy("durationMs")), "order field 'durationMs' is not a declared index");
        refused(() -> tracks.watch("team-1", "bad id", v -> { }), "id 'bad id'");
        refused(() -> tracks.watch("team-1", "t1", null), "listener is null");
        refused(() -> tracks.watchQuery(null, v -> { }), "query is null");
        refused(() -> tracks.watchQuery(Query.where("durationMs", 1), v -> { }), "not a declared index");
        refused(() -> tracks.watchAll(null), "listener is null");
        refused(() -> client.pendingOperations().watchPendingOperations(null), "listener is null");
        refused(() -> client.conflicts().watchOpenConflicts(null), "listener is null");
        refused(() -> dev.syncline.client.flow.SynclineFlow.watch(tracks, "team-1", "bad id"), "id 'bad id'");
        refused(() -> dev.syncline.client.flow.SynclineFlow.watchQuery(tracks, null), "query is null");
        refused(() -> tracks.withStatus(), "at least one sync status");
        refused(() -> tracks.withStatus((dev.syncline.core.SyncStatus) null), "null");
        refused(() -> client.documentsWithStatus(), "at least one");
    }

    @Test
    void queries_refuseBadParts() throws Exception {
        refused(() -> Query.where(null, "x"), "query field 'null'");
        refused(() -> Query.where("a.b", "x"), "query field 'a.b'");
        refused(() -> Query.where("projectId", null), "is null");
        refused(() -> Query.where("projectId", Map.of("a", 1)), "string, number or boolean");
        refused(() -> Query.all().limit(0), "limit must be positive");
        refused(() -> Query.all().orderBy("x'y"), "order field");
        refused(() -> Query.all().inScope("Bad Scope"), "scope 'Bad Scope'");
    }

    @Test
    void clientLookups_refuseUnknownTypes() throws Exception {
        refused(() -> client.repository(String.class), "no entity type is registered for class java.lang.String");
        refused(() -> client.repository((Class<Object>) null), "entity class is null");
        refused(() -> client.repository("comment", Object.class), "'comment' is not registered");
        refused(() -> client.repository("audio_track", Project.class), "registered with");
        refused(() -> client.conflictStrategy("Bad Type"), "type 'Bad Type'");
    }

    @Test
    void repositoryByClass_isRefusedWhenSeveralTypesShareTheClass() throws Exception {
        client.close();
        EntityType<AudioTrack> stems = EntityType.builder("stem", AudioTrack.class).scope(AudioTrack::teamId).id(AudioTrack::id).build();
        EntityType<AudioTrack> demos = EntityType.builder("demo", AudioTrack.class).scope(AudioTrack::teamId).id(AudioTrack::id).build();
        client = SyncClient.builder().database(dir.resolve("bad.db")).register(TrackFlow.TRACKS).register(stems)
                .register(demos).build();
        refused(() -> client.repository(AudioTrack.class), "several entity types use class", "repository(typeName, class)");
        assertThat(client.repository("demo", AudioTrack.class).entityType().name()).isEqualTo("demo");
    }

    @Test
    void untypedDocuments_refuseBadInput() throws Exception {
        Documents docs = client.documents();
        ObjectNode ok = Json.mapper().createObjectNode().put("a", 1);
        refused(() -> docs.put("team-1", "Note", "n1", ok), "type 'Note'");
        refused(() -> docs.put("team-1", "note", "n 1", ok), "id 'n 1'");
        refused(() -> docs.put("-team", "note", "n1", ok), "scope '-team'");
        refused(() -> docs.put("team-1", "note", "n1", null), "missing");
        refused(() -> docs.patch("team-1", "note", "n1", ok), "no such document");
        refused(() -> docs.patch("team-1", "note", "n1", Json.mapper().createObjectNode()), "no fields");
        refused(() -> docs.delete("team-1", "note", "n1"), "no such document");
        refused(() -> docs.get("team-1", null, "n1"), "type is missing");
        refused(() -> docs.list("team-1", "x y"), "type 'x y'");
        refused(() -> docs.watch(null, "note", "n1", v -> { }), "scope is missing");
        refused(() -> docs.watch("team-1", "note", "n1", null), "listener");
    }

    @Test
    void outbox_refusesBadInput() throws Exception {
        PendingOperationsManager ops = client.pendingOperations();
        refused(() -> ops.retry(null), "opId is missing");
        refused(() -> ops.retry("no-such-op"), "no outbox operation with opId no-such-op");
        refused(() -> ops.retry(ops.pendingOperations().get(0).opId()), "is pending, not failed");
        refused(() -> ops.cleanup(null), "cleanup age");
        refused(() -> ops.cleanup(Duration.ofSeconds(-1)), "cleanup age");
        refused(() -> ops.operation(" "), "opId is missing");
        refused(() -> ops.operationsFor("team-1", "audio_track", null), "id is missing");
        refused(() -> client.outbox().claim(0), "claim size must be 1 to 500");
        refused(() -> client.outbox().claim(501), "claim size must be 1 to 500");
        refused(() -> client.outbox().ack(null, 1), "opId is missing");
        refused(() -> client.outbox().ack("x", 0), "server version must be positive");
        refused(() -> client.outbox().fail("x", null, true), "error message");
    }

    @Test
    void builders_refuseBadSettingsNamingThem() throws Exception {
        refused(() -> SyncClient.builder().build(), "database is not set");
        refused(() -> SyncClient.builder().database(null), "database is null");
        refused(() -> SyncClient.builder().database(dir.resolve("a")).database(dir.resolve("b")), "database is set twice");
        refused(() -> SyncClient.builder().serverUrl("ftp://x"), "serverUrl must be an http(s) URL");
        refused(() -> SyncClient.builder().serverUrl("not a url"), "serverUrl");
        refused(() -> SyncClient.builder().token("a").tokenProvider(() -> "b"), "not both");
        refused(() -> SyncClient.builder().token(" "), "token is blank");
        refused(() -> SyncClient.builder().clock(null), "clock is null");
        refused(() -> SyncClient.builder().nanoTime(null), "nanoTime is null");
        refused(() -> SyncClient.builder().nanoTime(System::nanoTime).nanoTime(System::nanoTime), "nanoTime is set twice");
        refused(() -> SyncClient.builder().streamThreadFactory(null), "streamThreadFactory is null");
        refused(() -> SyncClient.builder().streamThreadFactory(Thread::new).streamThreadFactory(Thread::new),
                "streamThreadFactory is set twice");
        refused(() -> SyncClient.builder().database(dir.resolve("d.db")).serverUrl("http://127.0.0.1:9")
                .streamThreadFactory(r -> null).backgroundSync(true).build(), "streamThreadFactory returned no thread");
        refused(() -> SyncClient.builder().healthThresholds(-1, Duration.ZERO), "maxPending");
        refused(() -> SyncClient.builder().register(TrackFlow.TRACKS).register(TrackFlow.TRACKS), "registered twice");
        refused(() -> SyncClient.builder().conflictStrategy("Bad", ConflictResolutionStrategy.MERGE), "type 'Bad'");
        refused(() -> SyncClient.builder().database(dir.resolve("c.db")).register(TrackFlow.TRACKS)
                .conflictStrategy("audio_track", ConflictResolutionStrategy.MANUAL).build(), "its entity type says latest");
        refused(() -> new BackgroundSyncCoordinator.Settings(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(-1)),
                "streamIdleTimeout must be zero or positive");
        refused(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), 2, 0.5), "initialDelay");
        refused(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0.5), "maxDelay");
        refused(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0.5), "multiplier");
        refused(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5), "jitter");
        assertThat(Files.exists(dir.resolve("c.db"))).as("a refused build creates no file").isFalse();
    }

    @Test
    void entityTypeBuilder_refusesBadDefinitions() throws Exception {
        refused(() -> EntityType.builder("Audio Track", AudioTrack.class), "type 'Audio Track'");
        refused(() -> EntityType.builder("track", null), "Java class is missing");
        refused(() -> EntityType.builder("word", String.class), "does not map to a JSON object");
        refused(() -> EntityType.builder("t", AudioTrack.class).id(AudioTrack::id).build(), "scope function is missing");
        refused(() -> EntityType.builder("t", AudioTrack.class).scope(AudioTrack::teamId).build(), "id function is missing");
        refused(() -> EntityType.builder("t", AudioTrack.class).priority(SyncPriority.LOW).priority(SyncPriority.HIGH), "priority is set twice");
        refused(() -> EntityType.builder("t", AudioTrack.class).index("projectId").index("projectId"), "declared twice");
        refused(() -> EntityType.builder("t", AudioTrack.class).index("a-b"), "index field");
        refused(() -> EntityType.builder("t", AudioTrack.class).conflictStrategy(null), "conflictStrategy is null");
    }

    @Test
    void closedClient_refusesUseNamingTheFile() {
        client.close();
        assertThatThrownBy(() -> tracks.save(new AudioTrack("t2", "team-1", "p1", "x", 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed").hasMessageContaining("bad.db");
        client = TrackFlow.open(dir.resolve("bad.db"), new TestClock());
        assertThat(client.repository(AudioTrack.class).get("team-1", "t2")).isEmpty();
    }
}
