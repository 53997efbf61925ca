package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.ConflictResolutionService.SettledConflict;
import dev.syncline.client.Document;
import dev.syncline.client.Resolution;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.ConflictType;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.SyncStatus;
import dev.syncline.core.merge.FieldRules;
import dev.syncline.core.merge.ThreeWayMerge;
import dev.syncline.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every conflict type against every strategy that decides it, on a real server and real replica
 * files: replica A changes the server first, replica B changed the same document offline and syncs
 * after.
 */
class ConflictResolutionTest {
    static final String S = "team-1";
    static final String T = "note";

    @TempDir
    Path dir;
    Loopback net;
    SyncClient a;
    SyncClient b;
    /** The replicas' wall clock, moved only by {@link #pause()}. */
    final ManualClock clock = new ManualClock(Instant.now());

    @BeforeEach
    void start() {
        net = new Loopback(dir);
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        net.close();
    }

    private void open(ConflictResolutionStrategy strategy) {
        open(bld -> bld.conflictStrategy(T, strategy));
    }

    private void open(Consumer<SyncClientBuilder> extra) {
        a = net.client("a", bld -> {
            bld.token(Loopback.token("alice", S)).clock(clock);
            extra.accept(bld);
        });
        b = net.client("b", bld -> {
            bld.token(Loopback.token("bob", S)).clock(clock);
            extra.accept(bld);
        });
    }

    /** Both replicas hold {@code initial} at version 1. */
    private void seed(String initial) {
        a.documents().put(S, T, "n1", json(initial));
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(b.documents().get(S, T, "n1").orElseThrow().sync().version()).isEqualTo(1);
    }

    private ObjectNode data(SyncClient c) {
        return c.documents().get(S, T, "n1").filter(d -> !d.deleted()).map(Document::value).orElse(null);
    }

    private void settleBoth() {
        b.sync();
        a.sync();
        b.sync();
        assertThat(data(a)).isEqualTo(data(b));
    }

    /** The replicas' shared wall clock moves on, so their HLC stamps differ in wall time. */
    private void pause() {
        clock.advance(Duration.ofMillis(5));
    }

    private SettledConflict lastSettled(SyncClient c) {
        List<SettledConflict> log = c.conflicts().settledConflicts();
        assertThat(log).isNotEmpty();
        return log.get(log.size() - 1);
    }

    @Test
    void remoteNewer_withoutLocalChange_isPulledWithoutConflict() {
        open(ConflictResolutionStrategy.MANUAL);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"v2\"}"));
        a.sync();
        SyncReport r = b.sync();
        assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(r.pulled()).isEqualTo(1);
        assertThat(data(b)).isEqualTo(json("{\"title\":\"v2\"}"));
        assertThat(b.documents().get(S, T, "n1").orElseThrow().sync().version()).isEqualTo(2);
        assertThat(b.conflicts().settledConflicts()).isEmpty();
    }

    @Test
    void localNewer_onTheServersVersion_isPushedWithoutConflict() {
        open(ConflictResolutionStrategy.MANUAL);
        seed("{\"title\":\"v1\"}");
        b.documents().put(S, T, "n1", json("{\"title\":\"mine\"}"));
        SyncReport r = b.sync();
        assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(r.pushed()).isEqualTo(1);
        a.sync();
        assertThat(data(a)).isEqualTo(json("{\"title\":\"mine\"}"));
        assertThat(b.conflicts().settledConflicts()).isEmpty();
    }

    @Test
    void concurrentModification_merge_keepsFieldsChangedOnEachSide() {
        open(ConflictResolutionStrategy.MERGE);
        seed("{\"name\":\"Demo\",\"description\":\"old\",\"bpm\":90}");
        a.documents().patch(S, T, "n1", json("{\"name\":\"Demo v2\"}"));
        a.sync();
        b.documents().patch(S, T, "n1", json("{\"description\":\"new\"}"));
        settleBoth();
        assertThat(data(a)).isEqualTo(json("{\"name\":\"Demo v2\",\"description\":\"new\",\"bpm\":90}"));
        SettledConflict c = lastSettled(b);
        assertThat(c.conflictType()).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
        assertThat(c.resolvedBy()).isEqualTo("merge");
    }

    @Test
    void concurrentModification_mergeWithSetUnion_keepsARemovedCollaboratorRemoved() {
        open(bld -> bld.conflictStrategy(T, ConflictResolutionStrategy.MERGE)
                .mergeRules(T, ThreeWayMerge.builder().rule("collaborators", FieldRules.setUnion()).build()));
        seed("{\"collaborators\":[\"ann\",\"ben\",\"cat\"]}");
        a.documents().put(S, T, "n1", json("{\"collaborators\":[\"ann\",\"cat\"]}")); // ben removed
        a.sync();
        b.documents().put(S, T, "n1", json("{\"collaborators\":[\"ann\",\"ben\",\"cat\",\"dan\"]}")); // dan added
        settleBoth();
        assertThat(data(a)).isEqualTo(json("{\"collaborators\":[\"ann\",\"cat\",\"dan\"]}"));
    }

    @Test
    void concurrentModification_useLocal_pushesTheLocalValueOnTheServersVersion() {
        open(ConflictResolutionStrategy.USE_LOCAL);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"from a\"}"));
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"from b\"}"));
        settleBoth();
        assertThat(data(a)).isEqualTo(json("{\"title\":\"from b\"}"));
        assertThat(a.documents().get(S, T, "n1").orElseThrow().sync().version()).isEqualTo(3);
    }

    @Test
    void concurrentModification_useRemote_dropsTheLocalEditButRecordsIt() {
        open(ConflictResolutionStrategy.USE_REMOTE);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"from a\"}"));
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"from b\"}"));
        settleBoth();
        assertThat(data(b)).isEqualTo(json("{\"title\":\"from a\"}"));
        assertThat(b.documents().get(S, T, "n1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.SYNCED);
        SettledConflict c = lastSettled(b);
        assertThat(c.local()).isEqualTo(json("{\"title\":\"from b\"}"));
        assertThat(c.result()).isEqualTo(json("{\"title\":\"from a\"}"));
    }

    @Test
    void concurrentModification_useLatest_keepsTheLaterLocalEdit() throws Exception {
        open(ConflictResolutionStrategy.USE_LATEST);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"earlier\"}"));
        a.sync();
        pause();
        b.documents().put(S, T, "n1", json("{\"title\":\"later\"}"));
        settleBoth();
        assertThat(data(a)).isEqualTo(json("{\"title\":\"later\"}"));
    }

    @Test
    void concurrentModification_useLatest_keepsTheLaterRemoteEdit() throws Exception {
        open(ConflictResolutionStrategy.USE_LATEST);
        seed("{\"title\":\"v1\"}");
        b.documents().put(S, T, "n1", json("{\"title\":\"earlier\"}"));
        pause();
        a.documents().put(S, T, "n1", json("{\"title\":\"later\"}"));
        a.sync();
        settleBoth();
        assertThat(data(b)).isEqualTo(json("{\"title\":\"later\"}"));
    }

    @Test
    void concurrentModification_useHighestVersion_keepsTheServerThatMovedFurther() throws Exception {
        open(ConflictResolutionStrategy.USE_HIGHEST_VERSION);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"v2\"}"));
        a.sync();
        a.documents().put(S, T, "n1", json("{\"title\":\"v3\"}"));
        a.sync();
        pause();
        b.documents().put(S, T, "n1", json("{\"title\":\"b on v1\"}")); // would be v2: lower than 3
        settleBoth();
        assertThat(data(b)).isEqualTo(json("{\"title\":\"v3\"}"));
    }

    @Test
    void deletedRemotely_merge_keepsTheLocalEdit() {
        open(ConflictResolutionStrategy.MERGE);
        seed("{\"title\":\"v1\"}");
        a.documents().delete(S, T, "n1");
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"edited\"}"));
        settleBoth();
        assertThat(data(a)).isEqualTo(json("{\"title\":\"edited\"}"));
        assertThat(lastSettled(b).conflictType()).isEqualTo(ConflictType.DELETED_REMOTELY);
    }

    @Test
    void deletedRemotely_useRemote_deletesTheLocalEdit() {
        open(ConflictResolutionStrategy.USE_REMOTE);
        seed("{\"title\":\"v1\"}");
        a.documents().delete(S, T, "n1");
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"edited\"}"));
        settleBoth();
        assertThat(data(b)).isNull();
        assertThat(b.documents().get(S, T, "n1").orElseThrow().deleted()).isTrue();
    }

    @Test
    void deletedLocally_merge_keepsTheRemoteEdit() {
        open(ConflictResolutionStrategy.MERGE);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"edited\"}"));
        a.sync();
        b.documents().delete(S, T, "n1");
        settleBoth();
        assertThat(data(b)).isEqualTo(json("{\"title\":\"edited\"}"));
        assertThat(lastSettled(b).conflictType()).isEqualTo(ConflictType.DELETED_LOCALLY);
    }

    @Test
    void deletedLocally_useLocal_deletesOnTheServer() {
        open(ConflictResolutionStrategy.USE_LOCAL);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"edited\"}"));
        a.sync();
        b.documents().delete(S, T, "n1");
        settleBoth();
        assertThat(data(a)).isNull();
        assertThat(a.documents().get(S, T, "n1").orElseThrow().deleted()).isTrue();
    }

    @Test
    void manual_parksTheConflictDurably_andAPersonSettlesItWithASuppliedValue() {
        open(ConflictResolutionStrategy.MANUAL);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"from a\"}"));
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"from b\"}"));
        SyncReport r = b.sync();
        assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.OPEN_CONFLICTS);
        assertThat(r.openConflicts()).isEqualTo(1);
        Document<ObjectNode> shown = b.documents().get(S, T, "n1").orElseThrow();
        assertThat(shown.value()).isEqualTo(json("{\"title\":\"from b\"}")); // local value stays visible
        assertThat(shown.sync().syncStatus()).isEqualTo(SyncStatus.CONFLICT);

        b.close(); // survives a restart
        b = net.client("b", bld -> bld.token(Loopback.token("bob", S)));
        List<SyncConflict> open = b.conflicts().openConflicts();
        assertThat(open).hasSize(1);
        SyncConflict c = open.get(0);
        assertThat(c.conflictType()).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
        assertThat(c.local()).isEqualTo(json("{\"title\":\"from b\"}"));
        assertThat(c.remote()).isEqualTo(json("{\"title\":\"from a\"}"));
        assertThat(c.base()).isEqualTo(json("{\"title\":\"v1\"}"));

        b.conflicts().resolve(c.conflictId(), Resolution.useValue(json("{\"title\":\"both\"}")));
        assertThat(b.conflicts().openConflicts()).isEmpty();
        assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        a.sync();
        assertThat(data(a)).isEqualTo(json("{\"title\":\"both\"}"));
        assertThat(lastSettled(b).resolvedBy()).isEqualTo("manual:value");
    }

    @Test
    void manual_resolvedWithRemote_takesTheServersState() {
        open(ConflictResolutionStrategy.MANUAL);
        seed("{\"title\":\"v1\"}");
        a.documents().put(S, T, "n1", json("{\"title\":\"from a\"}"));
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"from b\"}"));
        b.sync();
        SyncConflict c = b.conflicts().openConflicts().get(0);
        b.conflicts().resolve(c.conflictId(), Resolution.useRemote());
        assertThat(data(b)).isEqualTo(json("{\"title\":\"from a\"}"));
        assertThat(b.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        assertThat(b.pendingOperations().getPendingOperationsCount()).isZero();
    }

    @Test
    void customResolver_runsOutsideTheLock_andIsCalledAgainWhenTheAppWroteMeanwhile() {
        AtomicInteger calls = new AtomicInteger();
        SyncClient[] self = new SyncClient[1];
        open(bld -> bld.conflictResolver(T, c -> {
            if (calls.incrementAndGet() == 1 && self[0] != null) {
                // The app writes the document while the resolver decides: possible only outside the lock.
                self[0].documents().patch(S, T, "n1", json("{\"extra\":true}"));
            }
            ObjectNode v = c.local().deepCopy();
            v.put("resolvedFrom", c.remote().get("title").asText());
            return Resolution.useValue(v);
        }));
        self[0] = b;
        seed("{\"title\":\"v1\"}");
        calls.set(0);
        a.documents().put(S, T, "n1", json("{\"title\":\"from a\"}"));
        a.sync();
        b.documents().put(S, T, "n1", json("{\"title\":\"from b\"}"));
        self[0] = b;
        settleBoth();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(data(a)).isEqualTo(json("{\"title\":\"from b\",\"extra\":true,\"resolvedFrom\":\"from a\"}"));
    }

    @Test
    void pulledTombstone_deletesLocally_andWatchersSeeIt() throws Exception {
        open(ConflictResolutionStrategy.MERGE);
        seed("{\"title\":\"v1\"}");
        java.util.concurrent.BlockingQueue<java.util.Optional<Document<ObjectNode>>> seen =
                new java.util.concurrent.LinkedBlockingQueue<>();
        b.documents().watch(S, T, "n1", seen::add);
        assertThat(seen.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isPresent(); // initial
        a.documents().delete(S, T, "n1");
        a.sync();
        b.sync();
        java.util.Optional<Document<ObjectNode>> after = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(after).isNotNull();
        assertThat(after.map(Document::deleted).orElse(true)).isTrue();
    }
}
