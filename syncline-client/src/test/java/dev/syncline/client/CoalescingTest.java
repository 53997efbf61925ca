package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.core.OperationType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each coalescing rule of the outbox, through the repository that feeds it. */
class CoalescingTest {
    @TempDir
    Path dir;
    TestClock clock = new TestClock();
    SyncClient client;
    Repository<AudioTrack> tracks;

    @BeforeEach
    void open() {
        client = TrackFlow.open(dir.resolve("replica.db"), clock);
        tracks = client.repository(AudioTrack.class);
    }

    @AfterEach
    void close() {
        client.close();
    }

    private List<PendingOperation> ops() {
        return client.pendingOperations().pendingOperations();
    }

    private AudioTrack track(String id, String title) {
        return new AudioTrack(id, "team-1", "p1", title, 1);
    }

    /** Saves {@code id} and has the server apply it as version 1, so later edits are updates. */
    private void synced(String id, String title) {
        tracks.save(track(id, title));
        PendingOperation op = client.outbox().claim(1).get(0);
        assertThat(client.outbox().ack(op.opId(), 1)).isTrue();
    }

    @Test
    void createThenUpdate_staysOneCreateWithNewestData() {
        tracks.save(track("t1", "a"));
        String opId = ops().get(0).opId();
        tracks.save(track("t1", "b"));
        tracks.patch("team-1", "t1", Map.of("title", "c"));

        assertThat(ops()).singleElement().satisfies(op -> {
            assertThat(op.opId()).isEqualTo(opId);
            assertThat(op.operationType()).isEqualTo(OperationType.CREATE);
            assertThat(op.baseVersion()).isZero();
            assertThat(op.data().get("title").asText()).isEqualTo("c");
        });
    }

    @Test
    void createThenDelete_removesBothAndTheLocalDocument() {
        tracks.save(track("t1", "a"));
        tracks.save(track("t1", "b"));
        assertThat(tracks.delete("team-1", "t1")).isTrue();

        assertThat(ops()).isEmpty();
        assertThat(tracks.document("team-1", "t1")).isEmpty();
    }

    @Test
    void updateThenUpdate_keepsOneOperationWithNewestDataAndOldestBase() {
        synced("t1", "v1");
        tracks.save(track("t1", "a"));
        PendingOperation first = ops().get(0);
        tracks.save(track("t1", "b"));

        assertThat(ops()).singleElement().satisfies(op -> {
            assertThat(op.opId()).isEqualTo(first.opId());
            assertThat(op.operationType()).isEqualTo(OperationType.UPDATE);
            assertThat(op.baseVersion()).isEqualTo(1);
            assertThat(op.data().get("title").asText()).isEqualTo("b");
        });
    }

    @Test
    void updateThenDelete_becomesOneDelete() {
        synced("t1", "v1");
        tracks.save(track("t1", "a"));
        tracks.delete("team-1", "t1");

        assertThat(ops()).singleElement().satisfies(op -> {
            assertThat(op.operationType()).isEqualTo(OperationType.DELETE);
            assertThat(op.baseVersion()).isEqualTo(1);
            assertThat(op.data()).isNull();
        });
        assertThat(tracks.document("team-1", "t1").orElseThrow().deleted()).isTrue();
    }

    @Test
    void deleteThenSave_becomesOneUpdateWithTheNewData() {
        synced("t1", "v1");
        tracks.delete("team-1", "t1");
        tracks.save(track("t1", "back"));

        assertThat(ops()).singleElement().satisfies(op -> {
            assertThat(op.operationType()).isEqualTo(OperationType.UPDATE);
            assertThat(op.data().get("title").asText()).isEqualTo("back");
        });
        assertThat(tracks.get("team-1", "t1")).contains(track("t1", "back"));
    }

    @Test
    void updateAfterClaim_isNotMergedIntoTheInFlightOperation() {
        tracks.save(track("t1", "a"));
        PendingOperation inFlight = client.outbox().claim(1).get(0);
        tracks.save(track("t1", "b"));

        assertThat(ops()).extracting(PendingOperation::opId, PendingOperation::state, PendingOperation::operationType)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(inFlight.opId(), OperationState.IN_FLIGHT, OperationType.CREATE),
                        org.assertj.core.groups.Tuple.tuple(ops().get(1).opId(), OperationState.PENDING, OperationType.UPDATE));
        assertThat(inFlight.data().get("title").asText()).isEqualTo("a");
    }

    @Test
    void updateAfterATransientFailure_isNotMergedIntoTheOperationTheServerMayHaveApplied() {
        synced("t1", "v1");
        tracks.save(track("t1", "a"));
        PendingOperation sent = client.outbox().claim(1).get(0);
        client.outbox().fail(sent.opId(), "timeout", false);
        tracks.save(track("t1", "b"));

        List<PendingOperation> ops = ops();
        assertThat(ops).hasSize(2);
        assertThat(ops.get(0).opId()).isEqualTo(sent.opId());
        assertThat(ops.get(0).data().get("title").asText()).isEqualTo("a");
        assertThat(ops.get(1).data().get("title").asText()).isEqualTo("b");
    }

    @Test
    void createDeleteAfterCreateInFlight_keepsBothAndATombstone() {
        tracks.save(track("t1", "a"));
        PendingOperation create = client.outbox().claim(1).get(0);
        tracks.delete("team-1", "t1");

        assertThat(ops()).extracting(PendingOperation::operationType)
                .containsExactly(OperationType.CREATE, OperationType.DELETE);
        assertThat(tracks.document("team-1", "t1").orElseThrow().deleted()).isTrue();
        // The server applies the create as version 1: the queued delete is rebased on it.
        client.outbox().ack(create.opId(), 1);
        assertThat(ops()).singleElement().satisfies(op -> assertThat(op.baseVersion()).isEqualTo(1));
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().version()).isEqualTo(1);
    }
}
