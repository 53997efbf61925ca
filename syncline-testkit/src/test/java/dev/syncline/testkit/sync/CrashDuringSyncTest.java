package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.Document;
import dev.syncline.client.Durability;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL a client process in the middle of a push and in the middle of a pull; after a restart
 * and a sync nothing is lost and nothing is applied twice. Real server, real files, real processes.
 */
class CrashDuringSyncTest {
    static final String S = "team-1";
    static final int DOCS = 1500;

    @TempDir
    Path dir;
    Loopback net;

    @BeforeEach
    void start() {
        net = new Loopback(dir);
    }

    @AfterEach
    void stop() {
        net.close();
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (java.sql.SQLException e) {
            return 0; // the child is creating the file
        }
    }

    /** Runs the child syncing {@code db} and kills it once {@code progressSql} counts more than {@code killAt}. */
    private void killDuringSync(Path db, String token, String progressSql, long killAt) throws Exception {
        Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "-XX:TieredStopAtLevel=1", SyncChild.class.getName(), db.toString(), net.server.url(), token)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        org.awaitility.Awaitility.await("child progress past " + killAt).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(5)).until(() -> {
                    assertThat(child.isAlive()).as("child finished before it could be killed").isTrue();
                    return count(db, progressSql) > killAt;
                });
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private static ObjectNode doc(int i) {
        return (ObjectNode) Json.parse("{\"i\":" + i + ",\"text\":\"document number " + i + "\"}");
    }

    @Test
    void killedDuringPush_restartsAndPushesTheRest_withEveryDocumentAppliedOnce() throws Exception {
        Path a = dir.resolve("a.db");
        String token = Loopback.token("alice", S);
        try (SyncClient c = SyncClient.builder().database(a).serverUrl(net.server.url()).token(token)
                .durability(Durability.NORMAL).build()) {
            for (int i = 0; i < DOCS; i++) {
                c.documents().put(S, "note", "n" + i, doc(i));
            }
        }
        killDuringSync(a, token, "SELECT count(*) FROM outbox WHERE state = 'done'", DOCS / 5);
        try (SyncClient c = SyncClient.builder().database(a).build()) {
            long pending = c.pendingOperations().getPendingOperationsCount();
            assertThat(pending).as("killed in the middle of the push").isBetween(1L, (long) DOCS - DOCS / 5);
            SyncReport r = c.sync();
            assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            assertThat(c.pendingOperations().getPendingOperationsCount()).isZero();
            assertThat(c.conflicts().settledConflicts()).isEmpty();
        }
        try (SyncClient viewer = net.client("viewer", b -> b.token(Loopback.token("viewer", S)).durability(Durability.NORMAL))) {
            viewer.sync();
            List<Document<ObjectNode>> docs = viewer.documents().list(S, "note");
            assertThat(docs).hasSize(DOCS);
            for (Document<ObjectNode> d : docs) {
                int i = Integer.parseInt(d.id().substring(1));
                assertThat(d.value()).isEqualTo(doc(i));
                assertThat(d.sync().version()).as("%s applied once", d.id()).isEqualTo(1);
            }
        }
    }

    @Test
    void killedDuringPull_restartsAndPullsTheRest_intoAnEqualReplicaWithNothingQueued() throws Exception {
        try (SyncClient writer = net.client("writer", b -> b.token(Loopback.token("alice", S)).durability(Durability.NORMAL))) {
            for (int i = 0; i < DOCS; i++) {
                writer.documents().put(S, "note", "n" + i, doc(i));
            }
            assertThat(writer.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        }
        Path b = dir.resolve("b.db");
        String token = Loopback.token("bob", S);
        killDuringSync(b, token, "SELECT count(*) FROM documents", DOCS / 5);
        try (SyncClient c = SyncClient.builder().database(b).build()) {
            long had = c.documents().list(S, "note").size();
            assertThat(had).as("killed in the middle of the pull").isBetween((long) DOCS / 5, (long) DOCS - 1);
            assertThat(c.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            List<Document<ObjectNode>> docs = c.documents().list(S, "note");
            assertThat(docs).hasSize(DOCS);
            for (Document<ObjectNode> d : docs) {
                assertThat(d.value()).isEqualTo(doc(Integer.parseInt(d.id().substring(1))));
                assertThat(d.sync().version()).isEqualTo(1);
            }
            assertThat(c.pendingOperations().getPendingOperationsCount()).isZero();
            assertThat(c.pendingOperations().pendingOperations()).isEmpty();
        }
    }
}
