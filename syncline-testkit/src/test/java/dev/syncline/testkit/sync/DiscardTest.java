package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.Document;
import dev.syncline.client.OperationState;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.SyncClient;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discarding dead letters: the server rejects a write for good (the token does not hold its
 * scope), and the app gives up on it. Real server, real files.
 */
class DiscardTest {
    static final String S = "team-1";
    static final String ELSEWHERE = "team-9";

    @TempDir
    Path dir;

    /** @return the failed operations after a sync whose pushes the server rejects */
    private static List<PendingOperation> syncAndCollectFailures(SyncClient c) {
        c.sync(Duration.ofSeconds(10));
        return c.pendingOperations().failedOperations();
    }

    /** @return rows of the replica's discard log as "opId failedOpId restoredVersion" */
    private static List<String> discardLog(Path db) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT op_id, failed_op_id, restored_version FROM discard_log ORDER BY seq")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        return out;
    }

    /** Subscribes to one document and keeps every value it emits. */
    private static List<Optional<Document<ObjectNode>>> watch(SyncClient c, String id) {
        List<Optional<Document<ObjectNode>>> seen = new CopyOnWriteArrayList<>();
        c.documents().watch(S, "note", id, seen::add);
        return seen;
    }

    @Test
    void discardOfARejectedCreate_removesTheDocument_clearsTheOutbox_andKeepsARecord() throws Exception {
        try (Loopback net = new Loopback(dir); SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", ELSEWHERE)))) {
            a.documents().put(S, "note", "n1", json("{\"v\":1}"));
            List<PendingOperation> failed = syncAndCollectFailures(a);
            assertThat(failed).hasSize(1);
            assertThat(failed.get(0).error()).startsWith("forbidden");
            assertThat(a.documents().get(S, "note", "n1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.ERROR);
            List<Optional<Document<ObjectNode>>> seen = watch(a, "n1");
            NetworkBehaviourTest.await("the watcher's first value", Duration.ofSeconds(5), () -> !seen.isEmpty());

            String opId = failed.get(0).opId();
            List<PendingOperation> gone = a.pendingOperations().discard(opId);

            assertThat(gone).extracting(PendingOperation::opId).containsExactly(opId);
            assertThat(gone.get(0).state()).isEqualTo(OperationState.FAILED);
            assertThat(a.documents().get(S, "note", "n1")).isEmpty(); // the server never had it
            assertThat(a.pendingOperations().pendingOperations()).isEmpty();
            assertThat(a.status().health().degraded()).isFalse();
            NetworkBehaviourTest.await("the watcher sees it gone", Duration.ofSeconds(5),
                    () -> seen.get(seen.size() - 1).isEmpty());
            assertThat(discardLog(dir.resolve("a.db"))).containsExactly(opId + " " + opId + " null");
        }
    }

    @Test
    void discardOfARejectedUpdate_restoresTheServerCopy_andTakesTheLaterEditsOfThatDocumentWithIt() throws Exception {
        AtomicReference<String> token = new AtomicReference<>(Loopback.token("alice", S));
        try (Loopback net = new Loopback(dir); SyncClient a = net.client("a", b -> b.tokenProvider(token::get))) {
            a.documents().put(S, "note", "n1", json("{\"title\":\"on the server\"}"));
            a.documents().put(S, "note", "other", json("{\"v\":1}"));
            a.sync();
            token.set(Loopback.token("alice", ELSEWHERE)); // from now on the server refuses team-1
            a.documents().patch(S, "note", "n1", json("{\"title\":\"refused\"}"));
            List<PendingOperation> failed = syncAndCollectFailures(a);
            assertThat(failed).hasSize(1);
            a.documents().patch(S, "note", "n1", json("{\"extra\":true}")); // queued behind the failed one
            a.documents().patch(S, "note", "other", json("{\"v\":2}")); // another document: stays
            List<PendingOperation> before = a.pendingOperations().pendingOperations();
            assertThat(before).hasSize(3);
            List<Optional<Document<ObjectNode>>> seen = watch(a, "n1");

            List<PendingOperation> gone = a.pendingOperations().discard(failed.get(0).opId());

            assertThat(gone).extracting(PendingOperation::opId).containsExactly(failed.get(0).opId(),
                    before.stream().filter(op -> op.id().equals("n1") && op.state() == OperationState.PENDING)
                            .findFirst().orElseThrow().opId());
            Document<ObjectNode> n1 = a.documents().get(S, "note", "n1").orElseThrow();
            assertThat(n1.value()).isEqualTo(json("{\"title\":\"on the server\"}"));
            assertThat(n1.deleted()).isFalse();
            assertThat(n1.sync().version()).isEqualTo(1);
            assertThat(n1.sync().needsSync()).isFalse();
            assertThat(n1.sync().syncStatus()).isEqualTo(SyncStatus.SYNCED);
            assertThat(n1.sync().syncError()).isNull();
            assertThat(a.pendingOperations().pendingOperations()).extracting(PendingOperation::id).containsExactly("other");
            NetworkBehaviourTest.await("the watcher sees the server copy", Duration.ofSeconds(5),
                    () -> !seen.isEmpty() && seen.get(seen.size() - 1).map(d -> d.value().equals(json("{\"title\":\"on the server\"}")))
                            .orElse(false));
            assertThat(discardLog(dir.resolve("a.db"))).hasSize(2).allSatisfy(row -> assertThat(row).endsWith(" 1"));

            // The replica and the server agree again once it may sync the scope.
            token.set(Loopback.token("alice", S));
            a.sync();
            try (SyncClient b = net.client("b", bld -> bld.token(Loopback.token("bob", S)))) {
                b.sync();
                assertThat(b.documents().get(S, "note", "n1").orElseThrow().value())
                        .isEqualTo(json("{\"title\":\"on the server\"}"));
                assertThat(b.documents().get(S, "note", "other").orElseThrow().value()).isEqualTo(json("{\"v\":2}"));
            }
        }
    }

    @Test
    void discardOfAnOperationThatIsNotFailed_isRefused_andChangesNothing() throws Exception {
        try (Loopback net = new Loopback(dir); SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)))) {
            a.documents().put(S, "note", "n1", json("{\"v\":1}")); // pending: never sent
            PendingOperation op = a.pendingOperations().pendingOperations().get(0);
            Document<ObjectNode> doc = a.documents().get(S, "note", "n1").orElseThrow();

            assertThatThrownBy(() -> a.pendingOperations().discard(op.opId())).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining(op.opId()).hasMessageContaining("is pending, not failed");
            assertThatThrownBy(() -> a.pendingOperations().discard("no-such-op")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("no outbox operation with opId no-such-op");
            assertThatThrownBy(() -> a.pendingOperations().discard(" ")).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("opId is missing");
            assertThat(a.pendingOperations().discardAll()).isEmpty(); // nothing failed

            assertThat(a.pendingOperations().pendingOperations()).containsExactly(op);
            assertThat(a.documents().get(S, "note", "n1").orElseThrow()).isEqualTo(doc);
            assertThat(discardLog(dir.resolve("a.db"))).isEmpty();
        }
    }

    @Test
    void discardAll_discardsEveryFailedOperation_andLeavesTheRestQueued() throws Exception {
        try (Loopback net = new Loopback(dir); SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", ELSEWHERE)))) {
            a.documents().put(S, "note", "n1", json("{\"v\":1}"));
            a.documents().put(S, "note", "n2", json("{\"v\":2}"));
            assertThat(syncAndCollectFailures(a)).hasSize(2);
            a.documents().put(ELSEWHERE, "note", "n3", json("{\"v\":3}")); // will push fine, but not yet

            List<PendingOperation> gone = a.pendingOperations().discardAll();

            assertThat(gone).extracting(PendingOperation::id).containsExactly("n1", "n2");
            assertThat(a.pendingOperations().pendingOperations()).extracting(PendingOperation::id).containsExactly("n3");
            assertThat(a.pendingOperations().pendingOperations().get(0).operationType()).isEqualTo(OperationType.CREATE);
            assertThat(a.documents().list(S, "note")).isEmpty();
        }
    }

    @Test
    void discard_whenTheDocumentHasAnOpenConflict_isRefusedNamingIt_andChangesNothing() throws Exception {
        AtomicReference<String> token = new AtomicReference<>(Loopback.token("bob", S));
        try (Loopback net = new Loopback(dir);
                SyncClient a = net.client("a", b -> b.token(Loopback.token("alice", S)));
                SyncClient b = net.client("b", bld -> bld.tokenProvider(token::get)
                        .conflictStrategy("note", ConflictResolutionStrategy.MANUAL))) {
            a.documents().put(S, "note", "n1", json("{\"v\":1}"));
            a.sync();
            b.sync();
            a.documents().put(S, "note", "n1", json("{\"v\":\"a\"}"));
            a.sync();
            b.documents().put(S, "note", "n1", json("{\"v\":\"b\"}"));
            b.sync(Duration.ofSeconds(10));
            assertThat(b.conflicts().openConflicts()).hasSize(1);
            String conflictId = b.conflicts().openConflicts().get(0).conflictId();
            b.documents().put(S, "note", "n1", json("{\"v\":\"b again\"}")); // an edit while the conflict is open
            token.set(Loopback.token("bob", ELSEWHERE));
            List<PendingOperation> failed = syncAndCollectFailures(b);
            assertThat(failed).hasSize(1);
            Document<ObjectNode> doc = b.documents().get(S, "note", "n1").orElseThrow();

            assertThatThrownBy(() -> b.pendingOperations().discard(failed.get(0).opId()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("open conflict " + conflictId);
            assertThatThrownBy(() -> b.pendingOperations().discardAll()).isInstanceOf(InvalidInputException.class);

            assertThat(b.pendingOperations().failedOperations()).isEqualTo(failed);
            assertThat(b.documents().get(S, "note", "n1").orElseThrow()).isEqualTo(doc);
            assertThat(discardLog(dir.resolve("b.db"))).isEmpty();
        }
    }
}
