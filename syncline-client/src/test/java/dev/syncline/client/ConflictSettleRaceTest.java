package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.Change;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conflict service on its own (no server: the server's answers are given as values), for
 * interleavings a real run produces only by chance.
 */
class ConflictSettleRaceTest {
    @TempDir
    Path dir;

    private static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s);
    }

    private static Change remote(long version, String data) {
        return new Change("team-1", "note", "n1", version, false, json(data), "1795610081435-0000-server", "alice", version, null);
    }

    @Test
    void settleOfAPulledVersion_afterAPersonResolvedOnThatVersion_keepsTheResolution() {
        try (SyncClient c = SyncClient.builder().database(dir.resolve("r.db")).clock(new TestClock())
                .conflictStrategy("note", ConflictResolutionStrategy.MANUAL).build()) {
            c.documents().put("team-1", "note", "n1", json("{\"t\":\"v1\"}"));
            List<PendingOperation> first = c.outbox().claim(10);
            c.outbox().ack(first.get(0).opId(), 1); // the server applied it as version 1
            c.documents().put("team-1", "note", "n1", json("{\"t\":\"mine\"}"));
            c.outbox().claim(10); // in flight; the server answers: conflict, it holds version 2
            Change v2 = remote(2, "{\"t\":\"theirs\"}");
            assertThat(c.conflictEngine().settle("team-1", "note", "n1", v2)).isEqualTo(Conflicts.Outcome.PARKED);
            String id = c.conflicts().openConflicts().get(0).conflictId();

            // A pull read version 2 while the conflict was open; before it settles, a person resolves.
            c.conflicts().resolve(id, Resolution.useValue(json("{\"t\":\"agreed\"}")));
            assertThat(c.conflictEngine().settle("team-1", "note", "n1", v2)).isEqualTo(Conflicts.Outcome.NONE);

            assertThat(c.conflicts().openConflicts()).isEmpty();
            assertThat(c.documents().get("team-1", "note", "n1").orElseThrow().value()).isEqualTo(json("{\"t\":\"agreed\"}"));
            List<PendingOperation> ops = c.pendingOperations().pendingOperations();
            assertThat(ops).hasSize(1);
            assertThat(ops.get(0).baseVersion()).isEqualTo(2);
            assertThat(ops.get(0).data()).isEqualTo(json("{\"t\":\"agreed\"}"));
        }
    }

    @Test
    void customResolver_thatKeepsWritingTheDocument_isCalledABoundedNumberOfTimes_thenTheConflictIsParked() {
        int[] calls = new int[1];
        SyncClient[] self = new SyncClient[1];
        try (SyncClient c = SyncClient.builder().database(dir.resolve("r.db")).clock(new TestClock())
                .conflictResolver("note", k -> {
                    calls[0]++;
                    self[0].documents().patch("team-1", "note", "n1", json("{\"n\":" + calls[0] + "}"));
                    return Resolution.useLocal();
                }).build()) {
            self[0] = c;
            c.documents().put("team-1", "note", "n1", json("{\"t\":\"v1\"}"));
            c.outbox().ack(c.outbox().claim(10).get(0).opId(), 1);
            c.documents().put("team-1", "note", "n1", json("{\"t\":\"mine\"}"));
            c.outbox().claim(10);
            assertThat(c.conflictEngine().settle("team-1", "note", "n1", remote(2, "{\"t\":\"theirs\"}")))
                    .isEqualTo(Conflicts.Outcome.PARKED);
            assertThat(calls[0]).isEqualTo(3);
            assertThat(c.conflicts().openConflicts()).hasSize(1);
        }
    }
}
