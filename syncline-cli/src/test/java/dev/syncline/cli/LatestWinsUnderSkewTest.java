package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.Hlc;
import dev.syncline.core.Json;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import dev.syncline.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code latest} against a real server: after a restart the later edit of another replica wins
 * (the replica no longer dates its first edits a second in the future), and replicas whose clocks
 * are hours ahead or behind neither drag the others' clocks along nor decide between the others'
 * writes. Each replica has its own wall clock; "real time" moves all of them together.
 */
class LatestWinsUnderSkewTest {
    static final byte[] SECRET = "latest-skew-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final String SCOPE = "team-1";
    static final String TYPE = "note";

    @TempDir
    Path dir;
    SyncServer server;
    String token;
    final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    final List<ManualClock> clocks = new ArrayList<>();

    @BeforeEach
    void startServer() {
        server = SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(SECRET).start();
        token = Tokens.mint(SECRET, "alice", List.of(SCOPE), Duration.ofHours(6), Clock.systemUTC());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** A replica's wall clock, {@code skew} off real time. */
    private ManualClock clock(Duration skew) {
        ManualClock c = new ManualClock(start.plus(skew));
        clocks.add(c);
        return c;
    }

    /** Real time passes for every replica alike. */
    private void elapse(Duration d) {
        clocks.forEach(c -> c.advance(d));
    }

    private SyncClient replica(String name, Clock clock) {
        return SyncClient.builder().database(dir.resolve(name + ".db")).clock(clock).serverUrl(server.url()).token(token)
                .conflictStrategy(TYPE, ConflictResolutionStrategy.USE_LATEST).build();
    }

    private static Hlc put(SyncClient c, String id, String text) {
        ObjectNode data = Json.mapper().createObjectNode().put("text", text);
        return Hlc.parse(c.documents().put(SCOPE, TYPE, id, data).sync().lastModified());
    }

    private static String text(SyncClient c, String id) {
        return c.documents().get(SCOPE, TYPE, id).orElseThrow().value().get("text").asText();
    }

    private static void sync(SyncClient c) {
        SyncReport r = c.sync(Duration.ofSeconds(30));
        assertThat(r.outcome()).as("sync: %s", r.error()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
    }

    @Test
    void afterARestart_theLaterEditOfAnotherReplicaWins() {
        ManualClock clockA = clock(Duration.ZERO);
        ManualClock clockB = clock(Duration.ZERO);
        try (SyncClient a = replica("a", clockA)) {
            put(a, "x", "v1");
            sync(a);
        }
        try (SyncClient b = replica("b", clockB)) {
            sync(b);
            SyncClient a = replica("a", clockA); // restarted; its wall clock has not moved
            try (a) {
                Hlc edit = put(a, "x", "edit of a (earlier)");
                assertThat(edit.wallMillis()).as("not dated ahead of a's wall clock").isLessThanOrEqualTo(clockA.millis());
                elapse(Duration.ofMillis(500));
                put(b, "x", "edit of b (500 ms later)");
                sync(b);
                sync(a);
                sync(b);
                assertThat(text(a, "x")).isEqualTo("edit of b (500 ms later)");
                assertThat(text(b, "x")).isEqualTo("edit of b (500 ms later)");
            }
        }
    }

    @Test
    void aReplicaHoursAhead_doesNotDragTheOthersClocks_orDecideBetweenTheirWrites() {
        ManualClock fast = clock(Duration.ofHours(3));
        ManualClock clockA = clock(Duration.ZERO);
        ManualClock clockB = clock(Duration.ZERO);
        try (SyncClient f = replica("fast", fast); SyncClient a = replica("a", clockA); SyncClient b = replica("b", clockB)) {
            put(a, "x", "v1");
            sync(a);
            Hlc fastStamp = put(f, "y", "written by the fast replica");
            sync(f);
            sync(a);
            sync(b);
            assertThat(text(a, "y")).isEqualTo("written by the fast replica");

            elapse(Duration.ofSeconds(1));
            // a writes a few other documents first: with its clock dragged 3 h ahead, only the
            // counters would tell its stamps from b's, and a's would be the higher.
            for (int i = 0; i < 5; i++) {
                put(a, "other-" + i, "x");
            }
            Hlc editA = put(a, "x", "edit of a (earlier)");
            assertThat(editA.wallMillis()).isEqualTo(clockA.millis()).isLessThan(fastStamp.wallMillis());
            elapse(Duration.ofSeconds(2));
            Hlc editB = put(b, "x", "edit of b (2 s later)");
            assertThat(editB.wallMillis()).isEqualTo(clockB.millis());
            sync(b);
            sync(a);
            sync(b);
            assertThat(text(a, "x")).isEqualTo("edit of b (2 s later)");
            assertThat(text(b, "x")).isEqualTo("edit of b (2 s later)");

            // The fast replica's own edits win within its skew: the documented price of its clock.
            elapse(Duration.ofSeconds(1));
            sync(f);
            put(f, "x", "edit of the fast replica (earlier)");
            elapse(Duration.ofMinutes(10));
            put(a, "x", "edit of a (10 min later)");
            sync(a);
            sync(f);
            sync(a);
            assertThat(text(a, "x")).isEqualTo("edit of the fast replica (earlier)");
        }
    }

    @Test
    void aReplicaHoursBehind_losesConcurrentEditsWithinItsSkew_andLeavesTheOthersExact() {
        ManualClock slow = clock(Duration.ofHours(-3));
        ManualClock clockA = clock(Duration.ZERO);
        ManualClock clockB = clock(Duration.ZERO);
        try (SyncClient s = replica("slow", slow); SyncClient a = replica("a", clockA); SyncClient b = replica("b", clockB)) {
            put(a, "x", "v1");
            sync(a);
            sync(s);
            sync(b);
            // The slow replica's stamps stay at its own wall clock: it does not adopt stamps 3 h ahead.
            Hlc slowEdit;
            elapse(Duration.ofSeconds(1));
            put(a, "x", "edit of a (earlier)");
            elapse(Duration.ofMinutes(10));
            slowEdit = put(s, "x", "edit of the slow replica (10 min later)");
            assertThat(slowEdit.wallMillis()).isEqualTo(slow.millis());
            sync(a);
            sync(s);
            sync(a);
            assertThat(text(s, "x")).as("within its 3 h skew the slow replica's edit loses").isEqualTo("edit of a (earlier)");

            // Its stamps, pulled by the others, never move their clocks back: a and b stay exact.
            elapse(Duration.ofSeconds(1));
            put(s, "y", "from the slow replica");
            sync(s);
            sync(a);
            sync(b);
            elapse(Duration.ofSeconds(1));
            put(a, "x", "edit of a (earlier, again)");
            elapse(Duration.ofMillis(300));
            put(b, "x", "edit of b (300 ms later)");
            sync(b);
            sync(a);
            sync(b);
            assertThat(text(a, "x")).isEqualTo("edit of b (300 ms later)");
            assertThat(text(b, "x")).isEqualTo("edit of b (300 ms later)");
        }
    }
}
