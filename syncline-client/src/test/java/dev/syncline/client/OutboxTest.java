package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.TrackFlow.AudioTrack;
import dev.syncline.client.TrackFlow.Project;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.SyncStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordering, the claim/ack/fail state machine, backoff, dead letters, health and cleanup. */
class OutboxTest {
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

    private AudioTrack track(String id, String title) {
        return new AudioTrack(id, "team-1", "p1", title, 1);
    }

    private List<String> claimIds(int max) {
        return client.outbox().claim(max).stream().map(PendingOperation::id).toList();
    }

    @Test
    void claim_ordersByPriorityThenQueueOrder() {
        tracks.save(track("t1", "a"));                               // medium
        projects.save(new Project("p1", "team-1", "Album", "u1"));   // high
        tracks.save(track("t2", "a"));                               // medium
        projects.save(new Project("p2", "team-1", "EP", "u1"));      // high

        assertThat(claimIds(10)).containsExactly("p1", "p2", "t1", "t2");
    }

    @Test
    void claim_neverLetsALaterOperationOvertakeAnEarlierOneOnTheSameDocument() {
        tracks.save(track("t1", "a"));
        PendingOperation first = client.outbox().claim(10).get(0);
        tracks.save(track("t1", "b"));                // queued behind the in-flight create
        tracks.save(track("t2", "x"));

        assertThat(claimIds(10)).containsExactly("t2");
        client.outbox().ack(first.opId(), 1);
        List<PendingOperation> next = client.outbox().claim(10);
        assertThat(next).singleElement().satisfies(op -> {
            assertThat(op.id()).isEqualTo("t1");
            assertThat(op.baseVersion()).isEqualTo(1);
        });
    }

    @Test
    void failedOperation_holdsBackLaterOperationsOfItsDocumentOnly() {
        tracks.save(track("t1", "a"));
        client.outbox().fail(client.outbox().claim(1).get(0).opId(), "rejected: forbidden", true);
        tracks.save(track("t1", "b"));
        tracks.save(track("t2", "x"));

        assertThat(claimIds(10)).containsExactly("t2");
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.ERROR);
        assertThat(client.pendingOperations().retryAll()).isEqualTo(1);
        assertThat(claimIds(10)).containsExactly("t1");
    }

    @Test
    void permanentFailure_keepsDataAndError_andRetryPutsItBack() {
        tracks.save(track("t1", "a"));
        PendingOperation op = client.outbox().claim(1).get(0);
        assertThat(client.outbox().fail(op.opId(), "rejected: too_large", true)).isTrue();

        PendingOperation dead = client.pendingOperations().failedOperations().get(0);
        assertThat(dead.state()).isEqualTo(OperationState.FAILED);
        assertThat(dead.error()).isEqualTo("rejected: too_large");
        assertThat(dead.data().get("title").asText()).isEqualTo("a");
        assertThat(dead.attempts()).isEqualTo(1);
        assertThat(client.pendingOperations().getPendingOperationsCount()).isZero();
        Document<AudioTrack> doc = tracks.document("team-1", "t1").orElseThrow();
        assertThat(doc.sync().syncError()).isEqualTo("rejected: too_large");
        assertThat(doc.sync().retryCount()).isEqualTo(1);

        assertThat(client.pendingOperations().retry(op.opId())).isEqualTo(1);
        assertThat(client.pendingOperations().operation(op.opId()).orElseThrow().state()).isEqualTo(OperationState.PENDING);
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.PENDING);
        assertThatThrownBy(() -> client.pendingOperations().retry(op.opId()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not failed");
    }

    @Test
    void transientFailure_retriesAfterCappedExponentialBackoffOnTheInjectedClock() {
        tracks.save(track("t1", "a"));
        long[] delays = new long[12];
        for (int i = 0; i < delays.length; i++) {
            PendingOperation op = client.outbox().claim(1).get(0);
            client.outbox().fail(op.opId(), "connection reset", false);
            PendingOperation back = client.pendingOperations().operation(op.opId()).orElseThrow();
            assertThat(back.state()).isEqualTo(OperationState.PENDING);
            assertThat(back.attempts()).isEqualTo(i + 1);
            delays[i] = back.nextAttemptAt().toEpochMilli() - clock.millis();
            assertThat(client.outbox().claim(1)).as("not due before its backoff").isEmpty();
            clock.advance(Duration.ofMillis(delays[i]));
        }
        RetryPolicy p = RetryPolicy.DEFAULT;
        for (int i = 0; i < delays.length; i++) {
            long full = Math.min(p.maxDelay().toMillis(), (long) (p.initialDelay().toMillis() * Math.pow(2, i)));
            assertThat(delays[i]).as("delay %d", i).isBetween((long) (full * (1 - p.jitter())), full);
        }
        assertThat(delays[11]).isLessThanOrEqualTo(p.maxDelay().toMillis());
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.PENDING);
    }

    @Test
    void stateMachine_refusesMovesFromTheWrongState() {
        tracks.save(track("t1", "a"));
        String opId = client.pendingOperations().pendingOperations().get(0).opId();
        assertThat(client.outbox().ack(opId, 1)).as("ack of a pending op").isFalse();
        assertThat(client.outbox().fail(opId, "x", true)).as("fail of a pending op").isFalse();
        client.outbox().claim(1);
        assertThat(client.outbox().ack(opId, 1)).isTrue();
        assertThat(client.outbox().ack(opId, 2)).as("second ack").isFalse();
        assertThat(client.outbox().fail(opId, "late", false)).as("fail after done").isFalse();
        assertThat(client.pendingOperations().operation(opId).orElseThrow().state()).isEqualTo(OperationState.DONE);
        assertThat(OperationState.DONE.canMoveTo(OperationState.PENDING)).isFalse();
        assertThat(OperationState.FAILED.canMoveTo(OperationState.DONE)).isFalse();
        assertThat(OperationState.PENDING.canMoveTo(OperationState.FAILED)).isFalse();
    }

    @Test
    void ack_ofLastOperation_marksDocumentSyncedWithServerVersion() {
        tracks.save(track("t1", "a"));
        PendingOperation op = client.outbox().claim(1).get(0);
        assertThat(tracks.document("team-1", "t1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.SYNCING);
        clock.advance(Duration.ofSeconds(3));
        client.outbox().ack(op.opId(), 7);

        var sync = tracks.document("team-1", "t1").orElseThrow().sync();
        assertThat(sync.syncStatus()).isEqualTo(SyncStatus.SYNCED);
        assertThat(sync.needsSync()).isFalse();
        assertThat(sync.version()).isEqualTo(7);
        assertThat(sync.lastSyncTime()).isEqualTo(clock.instant());
    }

    @Test
    void ackAll_ofABatch_syncsDocumentsWithNothingQueued_andRebasesThoseWithALaterChange() {
        tracks.save(track("t1", "a"));
        tracks.save(track("t2", "a"));
        tracks.save(track("t3", "a"));
        List<PendingOperation> batch = client.outbox().claim(10);
        tracks.save(track("t2", "b"));                // queued behind its in-flight create

        int acked = client.outbox().ackAll(java.util.Map.of(batch.get(0).opId(), 4L, batch.get(1).opId(), 5L,
                batch.get(2).opId(), 6L, "not-an-operation", 9L));

        assertThat(acked).isEqualTo(3);
        var t1 = tracks.document("team-1", "t1").orElseThrow().sync();
        assertThat(t1.syncStatus()).isEqualTo(SyncStatus.SYNCED);
        assertThat(t1.needsSync()).isFalse();
        assertThat(t1.version()).isEqualTo(4);
        var t2 = tracks.document("team-1", "t2").orElseThrow().sync();
        assertThat(t2.syncStatus()).isEqualTo(SyncStatus.PENDING);
        assertThat(t2.needsSync()).isTrue();
        assertThat(t2.version()).isEqualTo(5);
        assertThat(tracks.get("team-1", "t2").orElseThrow().title()).isEqualTo("b");
        assertThat(client.outbox().claim(10)).singleElement().satisfies(op -> {
            assertThat(op.id()).isEqualTo("t2");
            assertThat(op.baseVersion()).isEqualTo(5);
            assertThat(op.data().get("title").asText()).isEqualTo("b");
        });
        assertThat(client.outbox().ackAll(java.util.Map.of(batch.get(0).opId(), 4L))).as("acked twice").isZero();
    }

    @Test
    void claimBatch_stopsAtTheByteBudget_butAlwaysTakesOneOperation() {
        tracks.save(track("t1", "a".repeat(1000)));
        tracks.save(track("t2", "b"));

        var first = client.outbox().claimBatch(10, 1);
        assertThat(first).singleElement().satisfies(op -> {
            assertThat(op.id()).isEqualTo("t1");
            assertThat(op.dataJson()).contains("a".repeat(1000));
        });
        assertThat(tracks.document("team-1", "t2").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.PENDING);
        assertThat(claimIds(10)).containsExactly("t2");
    }

    @Test
    void restart_putsInFlightOperationsBackToPendingWithTheSameOpId() {
        tracks.save(track("t1", "a"));
        String opId = client.outbox().claim(1).get(0).opId();
        client.close();

        client = TrackFlow.open(dir.resolve("replica.db"), clock);
        PendingOperation op = client.pendingOperations().operation(opId).orElseThrow();
        assertThat(op.state()).isEqualTo(OperationState.PENDING);
        assertThat(client.repository(AudioTrack.class).document("team-1", "t1").orElseThrow().sync().syncStatus())
                .isEqualTo(SyncStatus.PENDING);
        assertThat(client.outbox().claim(1)).extracting(PendingOperation::opId).containsExactly(opId);
    }

    @Test
    void cleanup_removesOnlyCompletedOperationsOlderThanTheAge() {
        tracks.save(track("t1", "a"));
        tracks.save(track("t2", "a"));
        client.outbox().ack(client.outbox().claim(1).get(0).opId(), 1);
        assertThat(client.pendingOperations().cleanup(Duration.ofHours(1))).isZero();
        clock.advance(Duration.ofHours(2));
        assertThat(client.pendingOperations().cleanup(Duration.ofHours(1))).isEqualTo(1);
        assertThat(client.pendingOperations().pendingOperations()).extracting(PendingOperation::id).containsExactly("t2");
    }

    @Test
    void syncHealth_degradesOnTooManyPendingOldPendingOrFailed() {
        assertThat(client.pendingOperations().syncHealth().degraded()).isFalse();
        for (int i = 0; i < 51; i++) {
            tracks.save(track("t" + i, "a"));
        }
        SyncHealth many = client.pendingOperations().syncHealth();
        assertThat(many.degraded()).isTrue();
        assertThat(many.reasons()).singleElement().asString().contains("51 operations pending");

        clock.advance(Duration.ofMinutes(61));
        assertThat(client.pendingOperations().syncHealth().reasons()).hasSize(2)
                .anySatisfy(r -> assertThat(r).contains("61 minutes old"));
        client.outbox().fail(client.outbox().claim(1).get(0).opId(), "rejected", true);
        assertThat(client.pendingOperations().syncHealth().reasons()).anySatisfy(r -> assertThat(r).contains("1 operations failed"));
    }

    @Test
    void syncHealth_thresholdsAreConfigurable() {
        client.close();
        client = SyncClient.builder().database(dir.resolve("other.db")).clock(clock).register(TrackFlow.TRACKS)
                .healthThresholds(1, Duration.ofMinutes(5)).build();
        Repository<AudioTrack> repo = client.repository(AudioTrack.class);
        repo.save(track("a", "a"));
        assertThat(client.pendingOperations().syncHealth().degraded()).isFalse();
        repo.save(track("b", "b"));
        assertThat(client.pendingOperations().syncHealth().status()).isEqualTo("degraded");
    }
}
