package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.client.TrackFlow.Project;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.SyncStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryTest {
    @TempDir
    Path dir;
    TestClock clock = new TestClock();
    SyncClient client;
    Repository<AudioTrack> tracks;
    Repository<Project> projects;

    @BeforeEach
    void open() {
        client = TrackFlow.open(dir.resolve("replica.db"), clock);
        tracks = client.repository(AudioTrack.class);
        projects = client.repository(Project.class);
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void save_thenGet_returnsEntityWithPendingMetadataAndOneCreateOperation() {
        AudioTrack t = new AudioTrack("t1", "team-1", "p1", "Intro", 1000);
        Document<AudioTrack> saved = tracks.save(t);

        assertThat(saved.sync().syncStatus()).isEqualTo(SyncStatus.PENDING);
        assertThat(saved.sync().needsSync()).isTrue();
        assertThat(saved.sync().version()).isZero();
        assertThat(saved.sync().lastModified()).contains(client.clientId());
        assertThat(tracks.get("team-1", "t1")).contains(t);
        List<PendingOperation> ops = client.pendingOperations().pendingOperations();
        assertThat(ops).singleElement().satisfies(op -> {
            assertThat(op.operationType()).isEqualTo(OperationType.CREATE);
            assertThat(op.priority()).isEqualTo(SyncPriority.MEDIUM);
            assertThat(op.state()).isEqualTo(OperationState.PENDING);
            assertThat(op.data().get("title").asText()).isEqualTo("Intro");
            assertThat(op.hlc()).isEqualTo(saved.sync().lastModified());
        });
    }

    @Test
    void save_survivesReopen_withItsOutboxOperationAndOpId() {
        tracks.save(new AudioTrack("t1", "team-1", "p1", "Intro", 1000));
        String opId = client.pendingOperations().pendingOperations().get(0).opId();
        String clientId = client.clientId();
        client.close();

        client = TrackFlow.open(dir.resolve("replica.db"), clock);
        assertThat(client.clientId()).isEqualTo(clientId);
        assertThat(client.repository(AudioTrack.class).get("team-1", "t1")).isPresent();
        assertThat(client.pendingOperations().pendingOperations()).extracting(PendingOperation::opId).containsExactly(opId);
    }

    @Test
    void hlcStamps_neverGoBackwards_acrossRestartWithClockBehind() {
        Document<AudioTrack> first = tracks.save(new AudioTrack("t1", "team-1", "p1", "A", 1));
        client.close();
        TestClock behind = new TestClock(java.time.Instant.parse("2025-01-01T00:00:00Z"));
        client = TrackFlow.open(dir.resolve("replica.db"), behind);
        Document<AudioTrack> second = client.repository(AudioTrack.class).save(new AudioTrack("t2", "team-1", "p1", "B", 1));
        assertThat(second.sync().lastModified()).isGreaterThan(first.sync().lastModified());
    }

    @Test
    void patch_setsOnlyGivenFields_andKeepsOneOperation() {
        tracks.save(new AudioTrack("t1", "team-1", "p1", "Intro", 1000));
        Document<AudioTrack> patched = tracks.patch("team-1", "t1", Map.of("title", "Outro"));

        assertThat(patched.value()).isEqualTo(new AudioTrack("t1", "team-1", "p1", "Outro", 1000));
        assertThat(client.pendingOperations().pendingOperations()).singleElement()
                .satisfies(op -> assertThat(op.data().get("title").asText()).isEqualTo("Outro"));
    }

    @Test
    void patch_thatBreaksTheEntityClass_isRefusedAndWritesNothing() {
        tracks.save(new AudioTrack("t1", "team-1", "p1", "Intro", 1000));
        List<PendingOperation> before = client.pendingOperations().pendingOperations();

        assertThatThrownBy(() -> tracks.patch("team-1", "t1", Map.of("durationMs", "not a number")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("durationMs");
        assertThat(tracks.get("team-1", "t1")).contains(new AudioTrack("t1", "team-1", "p1", "Intro", 1000));
        assertThat(client.pendingOperations().pendingOperations()).isEqualTo(before);
    }

    @Test
    void patch_ofMissingDocument_failsWithNotFound() {
        assertThatThrownBy(() -> tracks.patch("team-1", "nope", Map.of("title", "x")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no such document");
    }

    @Test
    void delete_ofSyncedDocument_leavesTombstoneAndDeleteOperation() {
        tracks.save(new AudioTrack("t1", "team-1", "p1", "Intro", 1000));
        PendingOperation create = client.outbox().claim(10).get(0);
        client.outbox().ack(create.opId(), 1);

        assertThat(tracks.delete("team-1", "t1")).isTrue();
        assertThat(tracks.get("team-1", "t1")).isEmpty();
        Document<AudioTrack> tomb = tracks.document("team-1", "t1").orElseThrow();
        assertThat(tomb.deleted()).isTrue();
        assertThat(tomb.sync().syncStatus()).isEqualTo(SyncStatus.PENDING);
        assertThat(client.pendingOperations().pendingOperations()).singleElement().satisfies(op -> {
            assertThat(op.operationType()).isEqualTo(OperationType.DELETE);
            assertThat(op.baseVersion()).isEqualTo(1);
            assertThat(op.data()).isNull();
        });
    }

    @Test
    void delete_ofMissingDocument_returnsFalseAndWritesNothing() {
        assertThat(tracks.delete("team-1", "ghost")).isFalse();
        assertThat(client.pendingOperations().getPendingOperationsCount()).isZero();
        assertThat(tracks.document("team-1", "ghost")).isEmpty();
    }

    @Test
    void query_byDeclaredField_returnsMatchesOrderedAndLimited() {
        tracks.save(new AudioTrack("t1", "team-1", "p1", "C", 1));
        tracks.save(new AudioTrack("t2", "team-1", "p1", "A", 2));
        tracks.save(new AudioTrack("t3", "team-1", "p2", "B", 3));
        tracks.save(new AudioTrack("t4", "team-2", "p1", "D", 4));

        assertThat(tracks.query(Query.where("projectId", "p1").orderBy("title")))
                .extracting(AudioTrack::id).containsExactly("t2", "t1", "t4");
        assertThat(tracks.query(Query.where("projectId", "p1").orderByDescending("title").limit(2)))
                .extracting(AudioTrack::id).containsExactly("t4", "t1");
        assertThat(tracks.query(Query.where("projectId", "p1").inScope("team-1")))
                .extracting(AudioTrack::id).containsExactly("t1", "t2");
        tracks.delete("team-1", "t2");
        assertThat(tracks.query(Query.where("projectId", "p1"))).extracting(AudioTrack::id).containsExactly("t1", "t4");
        assertThat(tracks.all()).extracting(AudioTrack::id).containsExactly("t1", "t3", "t4");
    }

    @Test
    void query_byDeclaredField_usesItsIndex() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + client.databaseFile());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT id FROM documents WHERE type = 'audio_track'"
                        + " AND deleted = 0 AND json_extract(data, '$.projectId') = 'p1' ORDER BY id")) {
            StringBuilder plan = new StringBuilder();
            while (rs.next()) {
                plan.append(rs.getString(4)).append('\n');
            }
            assertThat(plan.toString()).contains("ix_audio_track_projectId");
        }
    }

    @Test
    void query_onUndeclaredField_isRefused() {
        assertThatThrownBy(() -> tracks.query(Query.where("durationMs", 1)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'durationMs' is not a declared index");
    }

    @Test
    void query_orderedByUndeclaredField_isRefused() {
        assertThatThrownBy(() -> tracks.query(Query.where("projectId", "p1").orderByDescending("durationMs")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("audio_track: order field 'durationMs' is not a declared index");
    }

    @Test
    void statusQueries_listPendingFailedAndSyncedDocuments() {
        tracks.save(new AudioTrack("t1", "team-1", "p1", "A", 1));
        tracks.save(new AudioTrack("t2", "team-1", "p1", "B", 1));
        tracks.save(new AudioTrack("t3", "team-1", "p1", "C", 1));
        List<PendingOperation> claimed = client.outbox().claim(10);
        client.outbox().ack(claimed.get(0).opId(), 1);
        client.outbox().fail(claimed.get(1).opId(), "rejected: invalid_data", true);

        assertThat(tracks.pending()).extracting(Document::id).containsExactly("t3");
        assertThat(tracks.failed()).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo("t2");
            assertThat(d.sync().syncError()).contains("invalid_data");
        });
        assertThat(tracks.withStatus(SyncStatus.SYNCED)).extracting(Document::id).containsExactly("t1");
        assertThat(tracks.inConflict()).isEmpty();
        assertThat(client.documentsWithStatus(SyncStatus.ERROR)).extracting(Document::id).containsExactly("t2");
    }

    @Test
    void untypedDocuments_ofRegisteredType_mustReadAsItsClass() {
        var bad = dev.syncline.core.Json.mapper().createObjectNode().put("durationMs", "long");
        assertThatThrownBy(() -> client.documents().put("team-1", "audio_track", "t9", bad))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("AudioTrack");
        assertThat(client.documents().get("team-1", "audio_track", "t9")).isEmpty();
        assertThat(client.pendingOperations().getPendingOperationsCount()).isZero();
    }

    @Test
    void untypedDocuments_ofAnyType_putPatchDeleteList() {
        var docs = client.documents();
        docs.put("s", "note", "n1", dev.syncline.core.Json.mapper().createObjectNode().put("text", "hi").put("n", 1));
        docs.patch("s", "note", "n1", dev.syncline.core.Json.mapper().createObjectNode().put("n", 2));
        assertThat(docs.get("s", "note", "n1").orElseThrow().value().toString()).isEqualTo("{\"text\":\"hi\",\"n\":2}");
        docs.put("s", "note", "n0", dev.syncline.core.Json.mapper().createObjectNode());
        assertThat(docs.list("s", "note")).extracting(Document::id).containsExactly("n0", "n1");
        assertThat(docs.delete("s", "note", "n1")).isEmpty(); // never pushed: create and delete cancel
        assertThat(docs.get("s", "note", "n1")).isEmpty();
        assertThat(client.pendingOperations().pendingOperations()).extracting(PendingOperation::id).containsExactly("n0");
    }
}
