package dev.syncline.client.internal.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.OperationState;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.RetryPolicy;
import dev.syncline.client.internal.store.Database;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncPriority;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outbox operations move only along the legal edges of {@link OperationState}, on a real file. */
class OutboxStateMachineTest {
    private static final String HLC = "0001795610081435-0000-node-a";

    @TempDir
    Path dir;
    Database db;
    Outbox outbox;

    @BeforeEach
    void open() {
        db = Database.open(dir.resolve("states.db"), true);
        outbox = new Outbox(db, Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC), RetryPolicy.DEFAULT,
                new SplittableRandom(1)::nextDouble);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private String queue(String id) {
        db.write(tx -> outbox.addOperation(tx, "team-1", "note", id, OperationType.CREATE, SyncPriority.MEDIUM, 0,
                "{\"t\":\"" + id + "\"}", HLC));
        return outbox.listFor("team-1", "note", id).get(0).opId();
    }

    @Test
    void illegalMove_isRefused_andItsTransactionStoresNothing() {
        String opId = queue("n1");
        PendingOperation before = outbox.get(opId).orElseThrow();
        assertThatThrownBy(() -> db.write(tx -> {
            outbox.addOperation(tx, "team-1", "note", "n2", OperationType.CREATE, SyncPriority.MEDIUM, 0, "{}", HLC);
            return outbox.move(tx, opId, OperationState.PENDING, OperationState.FAILED, "boom", 9, 0);
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("illegal outbox move PENDING -> FAILED");
        assertThat(outbox.get(opId)).hasValue(before);
        assertThat(outbox.list()).extracting(PendingOperation::id).containsExactly("n1");
    }

    @Test
    void everyMoveOutOfDone_isRefused() {
        for (OperationState to : OperationState.values()) {
            assertThatThrownBy(() -> OutboxStates.requireMove(to, OperationState.DONE))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> OutboxStates.movable("state", OperationState.IN_FLIGHT, OperationState.FAILED))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("FAILED -> IN_FLIGHT");
    }

    @Test
    void legalMoveFromAStaleState_changesNothing() {
        String opId = queue("n1");
        PendingOperation before = outbox.get(opId).orElseThrow();
        boolean moved = db.write(tx -> outbox.move(tx, opId, OperationState.IN_FLIGHT, OperationState.DONE, null, 0, 0));
        assertThat(moved).as("the row is PENDING, not IN_FLIGHT").isFalse();
        assertThat(outbox.get(opId)).hasValue(before);
        assertThat(outbox.ack(opId, 1)).as("an ack needs IN_FLIGHT").isFalse();
        assertThat(outbox.get(opId).orElseThrow().state()).isEqualTo(OperationState.PENDING);
    }

    @Test
    void claimAckAndFail_followTheMachine() {
        String a = queue("a");
        String b = queue("b");
        assertThat(outbox.claim(10)).extracting(PendingOperation::opId).containsExactlyInAnyOrder(a, b);
        assertThat(outbox.claim(10)).as("nothing left to claim").isEmpty();
        assertThat(outbox.ack(a, 1)).isTrue();
        assertThat(outbox.ack(a, 1)).as("DONE moves nowhere").isFalse();
        assertThat(outbox.fail(b, "refused", true)).isTrue();
        assertThat(outbox.get(a).orElseThrow().state()).isEqualTo(OperationState.DONE);
        assertThat(outbox.get(b).orElseThrow().state()).isEqualTo(OperationState.FAILED);
        assertThat(outbox.retry(b)).isEqualTo(1);
        assertThat(outbox.get(b).orElseThrow().state()).isEqualTo(OperationState.PENDING);
    }

    @Test
    void stateSql_comesFromTheEnumsWireNames() {
        assertThat(OutboxStates.sql(OperationState.IN_FLIGHT)).isEqualTo("'in_flight'");
        assertThat(OutboxStates.in("state", OperationState.PENDING, OperationState.IN_FLIGHT))
                .isEqualTo("state IN ('pending', 'in_flight')");
        assertThat(OutboxStates.outstanding("o.state")).isEqualTo("o.state <> 'done'");
        assertThat(List.of(OperationState.values())).allSatisfy(s ->
                assertThat(OutboxStates.sql(s)).isEqualTo("'" + s.wire() + "'"));
    }
}
