package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.syncline.client.RetryPolicy;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.ConflictType;
import dev.syncline.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A replica recognises the server's copy of its own applied operation when the acknowledgement was
 * lost (ARCHITECTURE.md invariant 7): it rebases what it queued on it, never raises a conflict
 * with itself and never drops a queued operation. The push is applied by the real server and its
 * response is thrown away by a front that forwards every request.
 */
class OwnEchoTest {
    static final String S = "team-1";

    @TempDir
    Path dir;

    /**
     * Forwards requests to the server. With {@link #dropPushAnswers} (or {@link #dropPullAnswers})
     * set it drops push (or pull) responses after the server answered; with
     * {@link #pushesNotDelivered} set it forwards no push and answers it with no result, so the
     * engine goes on to pull in the same round (a push that fails outright ends the round, and
     * whether a later round pulls would depend on timing).
     */
    static final class AckDropper implements AutoCloseable {
        final HttpServer http;
        final HttpClient upstream = HttpClient.newHttpClient();
        final AtomicBoolean dropPushAnswers = new AtomicBoolean();
        final AtomicBoolean dropPullAnswers = new AtomicBoolean();
        final AtomicBoolean pushesNotDelivered = new AtomicBoolean();
        final AtomicInteger droppedAnswers = new AtomicInteger();
        volatile String target;

        AckDropper(String target) throws IOException {
            this.target = target;
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.createContext("/", ex -> {
                try (ex) {
                    byte[] body;
                    try (InputStream in = ex.getRequestBody()) {
                        body = in.readAllBytes();
                    }
                    String path = ex.getRequestURI().getPath();
                    if (pushesNotDelivered.get() && path.equals("/v1/push")) {
                        byte[] none = "{\"results\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        ex.getResponseHeaders().set("Content-Type", "application/json");
                        ex.sendResponseHeaders(200, none.length);
                        ex.getResponseBody().write(none);
                        return;
                    }
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(this.target + ex.getRequestURI()))
                            .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
                    for (String h : new String[] {"Authorization", "Content-Type", "Accept"}) {
                        String v = ex.getRequestHeaders().getFirst(h);
                        if (v != null) {
                            b.header(h, v);
                        }
                    }
                    HttpResponse<byte[]> r;
                    try {
                        r = upstream.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (dropPushAnswers.get() && path.equals("/v1/push")
                            || dropPullAnswers.get() && path.equals("/v1/pull")) {
                        droppedAnswers.incrementAndGet();
                        return; // the server applied it; the answer is lost (the connection closes unanswered)
                    }
                    r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
                    ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                    ex.getResponseBody().write(r.body());
                }
            });
            http.start();
        }

        String url() {
            return "http://127.0.0.1:" + http.getAddress().getPort();
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    private static SyncClient replica(Loopback net, String name, String url, ConflictResolutionStrategy s) {
        // Short waits between retries, so a sync whose acknowledgements are lost retries within its timeout.
        return net.client(name, url, b -> b.token(Loopback.token(name, S)).conflictStrategy("note", s)
                .backgroundSync(false).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5))
                .retryPolicy(new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50), 2.0, 0.0)));
    }

    /**
     * Sends the outbox and loses every answer, pulls included, so the replica learns nothing: its
     * operations are applied by the server and their fate is unknown to it.
     */
    private static void syncLosingEveryAnswer(SyncClient c, AckDropper front) {
        front.dropPushAnswers.set(true);
        front.dropPullAnswers.set(true);
        assertThat(c.sync(Duration.ofMillis(300)).outcome()).isEqualTo(SyncReport.Outcome.UNREACHABLE);
        assertThat(front.droppedAnswers.get()).isPositive();
        front.dropPullAnswers.set(false);
    }

    /** Pulls with no push delivered: the replica sees the feed while its sent operations stay unanswered. */
    private static void syncPullingOnly(SyncClient c, AckDropper front) {
        boolean dropping = front.dropPushAnswers.getAndSet(false);
        front.pushesNotDelivered.set(true);
        c.sync(Duration.ofMillis(300));
        front.pushesNotDelivered.set(false);
        front.dropPushAnswers.set(dropping);
    }

    /**
     * {@code a} creates n1 and loses every answer (the server has it, {@code a} does not know);
     * {@code b} pulls it and patches {@code body}; then {@code a} patches {@code title}.
     */
    private static void bothEditAfterALostCreateAcknowledgement(SyncClient a, SyncClient b, AckDropper front,
            com.fasterxml.jackson.databind.node.ObjectNode created) {
        a.documents().put(S, "note", "n1", created);
        syncLosingEveryAnswer(a, front);
        b.sync();
        b.documents().patch(S, "note", "n1", json("{\"body\":\"from b\"}"));
        assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        a.documents().patch(S, "note", "n1", json("{\"title\":\"from a\"}"));
    }

    /** The server's copy of a document, read by a fresh replica that pulls it. */
    private static JsonNode serverCopy(Loopback net, String name, String id) {
        try (SyncClient reader = net.client(name, b -> b.token(Loopback.token(name, S)).backgroundSync(false))) {
            assertThat(reader.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            return reader.documents().get(S, "note", id).map(d -> d.deleted() ? null : (JsonNode) d.value()).orElse(null);
        }
    }

    private static void assertNoConflictWithItself(SyncClient c) {
        assertThat(c.conflicts().openConflicts()).as("open conflicts").isEmpty();
        assertThat(c.conflicts().settledConflicts()).as("settled conflicts").isEmpty();
        assertThat(c.pendingOperations().failedOperations()).as("failed operations").isEmpty();
        assertThat(c.pendingOperations().getPendingOperationsCount()).as("pending operations").isZero();
    }

    @ParameterizedTest
    @EnumSource(value = ConflictResolutionStrategy.class, names = {"MERGE", "MANUAL", "USE_REMOTE", "USE_LATEST"})
    void deleteAfterALostCreateAcknowledgement_isPushed_andNoConflictWithItself(ConflictResolutionStrategy s)
            throws Exception {
        try (Loopback net = new Loopback(dir); AckDropper front = new AckDropper(net.server.url());
                SyncClient a = replica(net, "a", front.url(), s)) {
            a.documents().put(S, "note", "n1", json("{\"title\":\"v1\"}"));
            syncLosingEveryAnswer(a, front);
            a.documents().delete(S, "note", "n1");
            // Pushes lost again, but the pull brings the server's copy of the replica's own create back.
            a.sync(Duration.ofMillis(300));
            front.dropPushAnswers.set(false);
            assertThat(a.sync(Duration.ofSeconds(10)).outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);

            assertThat(a.documents().get(S, "note", "n1").orElseThrow().deleted()).isTrue();
            assertNoConflictWithItself(a);
            assertThat(serverCopy(net, "reader", "n1")).as("the server's copy").isNull();
        }
    }

    @Test
    void updateAfterALostCreateAcknowledgement_landsAsVersion2_withoutAConflict() throws Exception {
        try (Loopback net = new Loopback(dir); AckDropper front = new AckDropper(net.server.url());
                SyncClient a = replica(net, "a", front.url(), ConflictResolutionStrategy.MANUAL)) {
            a.documents().put(S, "note", "n1", json("{\"title\":\"v1\"}"));
            syncLosingEveryAnswer(a, front);
            a.documents().patch(S, "note", "n1", json("{\"title\":\"v2\"}"));
            a.sync(Duration.ofMillis(300));
            front.dropPushAnswers.set(false);
            assertThat(a.sync(Duration.ofSeconds(10)).outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);

            var doc = a.documents().get(S, "note", "n1").orElseThrow();
            assertThat(doc.value()).isEqualTo(json("{\"title\":\"v2\"}"));
            assertThat(doc.sync().version()).isEqualTo(2);
            assertNoConflictWithItself(a);
            assertThat(serverCopy(net, "reader", "n1")).isEqualTo(json("{\"title\":\"v2\"}"));
        }
    }

    @Test
    void echoPulledWhilePushesAreLost_isTakenAsTheAcknowledgement() throws Exception {
        try (Loopback net = new Loopback(dir); AckDropper front = new AckDropper(net.server.url());
                SyncClient a = replica(net, "a", front.url(), ConflictResolutionStrategy.MANUAL)) {
            a.documents().put(S, "note", "n1", json("{\"title\":\"v1\"}"));
            syncLosingEveryAnswer(a, front);
            a.documents().patch(S, "note", "n1", json("{\"title\":\"v2\"}"));
            // Only a pull gets through: the echo of the create is the acknowledgement, the patch is rebased on it.
            syncPullingOnly(a, front);
            var pending = a.pendingOperations().pendingOperations();
            assertThat(pending).hasSize(1);
            assertThat(pending.get(0).baseVersion()).isEqualTo(1);
            assertThat(a.documents().get(S, "note", "n1").orElseThrow().sync().version()).isEqualTo(1);
            assertThat(a.conflicts().openConflicts()).isEmpty();
        }
    }

    @Test
    void foreignWriteAfterALostAcknowledgement_isARealConflict_settledOnTheRightBase() throws Exception {
        try (Loopback net = new Loopback(dir); AckDropper front = new AckDropper(net.server.url());
                SyncClient a = replica(net, "a", front.url(), ConflictResolutionStrategy.MERGE);
                SyncClient b = replica(net, "b", net.server.url(), ConflictResolutionStrategy.MERGE)) {
            bothEditAfterALostCreateAcknowledgement(a, b, front, json("{\"title\":\"v1\",\"body\":\"x\"}"));
            syncPullingOnly(a, front); // pulls b's version 2 while a's create is unacknowledged
            front.dropPushAnswers.set(false);
            assertThat(a.sync(Duration.ofSeconds(10)).outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);

            JsonNode merged = json("{\"title\":\"from a\",\"body\":\"from b\"}");
            assertThat(a.documents().get(S, "note", "n1").orElseThrow().value()).isEqualTo(merged);
            assertThat(serverCopy(net, "reader", "n1")).isEqualTo(merged);
            // One real conflict: b's edit against a's patch, not one against a's own create.
            assertThat(a.conflicts().settledConflicts()).hasSize(1);
            assertThat(a.conflicts().settledConflicts().get(0).conflictType()).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
            assertThat(a.conflicts().settledConflicts().get(0).remote()).isEqualTo(json("{\"title\":\"v1\",\"body\":\"from b\"}"));
        }
    }

    /**
     * A server that answers pushes with no result while a foreign change waits on an unanswered
     * operation makes that operation due again after every pull. The sync kept pushing and
     * pulling past its deadline, forever: the caller never got its answer.
     */
    @Test
    void syncEndsByItsDeadline_whenEveryAnswerMakesAnOperationDueAgain() throws Exception {
        try (Loopback net = new Loopback(dir); AckDropper front = new AckDropper(net.server.url());
                SyncClient a = replica(net, "a", front.url(), ConflictResolutionStrategy.MERGE);
                SyncClient b = replica(net, "b", net.server.url(), ConflictResolutionStrategy.MERGE)) {
            bothEditAfterALostCreateAcknowledgement(a, b, front, json("{\"title\":\"v1\"}"));
            front.dropPushAnswers.set(false);
            front.pushesNotDelivered.set(true);
            SyncReport r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> a.sync(Duration.ofMillis(500)), "sync(500 ms) did not return");
            assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.UNREACHABLE);
            front.pushesNotDelivered.set(false);
            assertThat(a.sync(Duration.ofSeconds(10)).outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            assertThat(a.pendingOperations().getPendingOperationsCount()).isZero();
        }
    }

    @Test
    void foreignWriteAfterALostAcknowledgement_withNothingMoreQueued_isTaken() throws Exception {
        try (Loopback net = new Loopback(dir); AckDropper front = new AckDropper(net.server.url());
                SyncClient a = replica(net, "a", front.url(), ConflictResolutionStrategy.MANUAL);
                SyncClient b = replica(net, "b", net.server.url(), ConflictResolutionStrategy.MANUAL)) {
            a.documents().put(S, "note", "n1", json("{\"title\":\"v1\"}"));
            syncLosingEveryAnswer(a, front);
            b.sync();
            b.documents().patch(S, "note", "n1", json("{\"title\":\"from b\"}"));
            b.sync();
            syncPullingOnly(a, front); // sees version 2 by b; its own create's fate is still unknown to it
            front.dropPushAnswers.set(false);
            assertThat(a.sync(Duration.ofSeconds(10)).outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);

            var doc = a.documents().get(S, "note", "n1").orElseThrow();
            assertThat(doc.value()).isEqualTo(json("{\"title\":\"from b\"}"));
            assertThat(doc.sync().version()).isEqualTo(2);
            assertNoConflictWithItself(a);
        }
    }

    @Test
    void writeAfterACrashMidPush_isNotMergedIntoTheSentOperation() throws Exception {
        try (Loopback net = new Loopback(dir)) {
            Path db = dir.resolve("a.db");
            try (SyncClient a = replica(net, "a", net.server.url(), ConflictResolutionStrategy.MANUAL)) {
                a.documents().put(S, "note", "n1", json("{\"title\":\"v1\"}"));
                // The process "dies" with the push in flight after the server applied it: the server
                // gets the operation, the replica's row stays in flight.
                String opId = a.pendingOperations().pendingOperations().get(0).opId();
                String hlc = a.pendingOperations().pendingOperations().get(0).hlc();
                pushDirectly(net, a.clientId(), opId, hlc);
                markInFlight(db, opId);
            }
            try (SyncClient a = replica(net, "a", net.server.url(), ConflictResolutionStrategy.MANUAL)) {
                a.documents().patch(S, "note", "n1", json("{\"title\":\"v2\"}"));
                assertThat(a.pendingOperations().pendingOperations()).as("the sent create keeps its own operation").hasSize(2);
                assertThat(a.sync(Duration.ofSeconds(10)).outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                assertNoConflictWithItself(a);
            }
            assertThat(serverCopy(net, "reader", "n1")).isEqualTo(json("{\"title\":\"v2\"}"));
        }
    }

    private static void pushDirectly(Loopback net, String clientId, String opId, String hlc) throws Exception {
        String body = "{\"clientId\":\"" + clientId + "\",\"ops\":[{\"opId\":\"" + opId + "\",\"scope\":\"" + S
                + "\",\"type\":\"note\",\"id\":\"n1\",\"kind\":\"upsert\",\"baseVersion\":0,\"data\":{\"title\":\"v1\"},"
                + "\"hlc\":\"" + hlc + "\"}]}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(net.server.url() + "/v1/push"))
                .header("Authorization", "Bearer " + Loopback.token("a", S)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.parse(r.body()).at("/results/0/status").asText()).isEqualTo("applied");
    }

    private static void markInFlight(Path db, String opId) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE outbox SET state = 'in_flight' WHERE op_id = '" + opId + "'");
        }
    }
}
