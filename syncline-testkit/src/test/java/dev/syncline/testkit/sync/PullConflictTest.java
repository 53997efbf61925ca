package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.RetryPolicy;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.ConflictType;
import dev.syncline.core.SyncStatus;
import dev.syncline.testkit.FaultyProxy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pulled change to a document with a pending local edit is never applied over it: it is settled
 * by the type's policy during the pull. The local edit is made to wait (a failed push puts it in
 * backoff) so the pull meets it before any push does.
 */
class PullConflictTest {
    static final String S = "team-1";

    @TempDir
    Path dir;

    private SyncReport pullWhileTheLocalEditWaits(Loopback net, FaultyProxy proxy, SyncClient a, SyncClient b) {
        a.documents().put(S, "note", "n1", json("{\"title\":\"v1\",\"body\":\"b\"}"));
        a.sync();
        b.sync();
        a.documents().patch(S, "note", "n1", json("{\"title\":\"from a\"}"));
        a.sync();
        proxy.mode(FaultyProxy.Mode.REFUSE);
        b.documents().patch(S, "note", "n1", json("{\"body\":\"from b\"}"));
        assertThat(b.sync(Duration.ofMillis(300)).outcome()).isEqualTo(SyncReport.Outcome.UNREACHABLE);
        proxy.mode(FaultyProxy.Mode.PASS);
        // The edit is in backoff for a minute: this sync's push sends nothing, its pull meets the edit.
        return b.sync(Duration.ofSeconds(5));
    }

    private SyncClient replica(Loopback net, String name, String url, ConflictResolutionStrategy s) {
        return net.client(name, url, bld -> bld.token(Loopback.token(name, S)).conflictStrategy("note", s)
                .retryPolicy(new RetryPolicy(Duration.ofMinutes(1), Duration.ofMinutes(1), 1.0, 0.0)));
    }

    @Test
    void pulledChange_onADocumentWithAPendingEdit_isMerged_andTheMergeIsQueuedOnTheNewVersion() throws Exception {
        try (Loopback net = new Loopback(dir); FaultyProxy proxy = new FaultyProxy(net.server.port());
                SyncClient a = replica(net, "a", net.server.url(), ConflictResolutionStrategy.MERGE);
                SyncClient b = replica(net, "b", proxy.url(), ConflictResolutionStrategy.MERGE)) {
            SyncReport r = pullWhileTheLocalEditWaits(net, proxy, a, b);
            assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
            assertThat(r.conflictsSettled()).isEqualTo(1);
            assertThat(r.pushed()).isEqualTo(1); // the merged value, on top of version 2
            assertThat(b.documents().get(S, "note", "n1").orElseThrow().value())
                    .isEqualTo(json("{\"title\":\"from a\",\"body\":\"from b\"}"));
            assertThat(b.documents().get(S, "note", "n1").orElseThrow().sync().version()).isEqualTo(3);
            assertThat(b.conflicts().settledConflicts().get(0).conflictType()).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
            a.sync();
            assertThat(a.documents().get(S, "note", "n1").orElseThrow().value())
                    .isEqualTo(json("{\"title\":\"from a\",\"body\":\"from b\"}"));
        }
    }

    @Test
    void pulledChange_onADocumentWithAPendingEdit_underManual_leavesTheLocalEditVisibleAndParked() throws Exception {
        try (Loopback net = new Loopback(dir); FaultyProxy proxy = new FaultyProxy(net.server.port());
                SyncClient a = replica(net, "a", net.server.url(), ConflictResolutionStrategy.MANUAL);
                SyncClient b = replica(net, "b", proxy.url(), ConflictResolutionStrategy.MANUAL)) {
            SyncReport r = pullWhileTheLocalEditWaits(net, proxy, a, b);
            assertThat(r.outcome()).isEqualTo(SyncReport.Outcome.OPEN_CONFLICTS);
            var doc = b.documents().get(S, "note", "n1").orElseThrow();
            assertThat(doc.value()).isEqualTo(json("{\"title\":\"v1\",\"body\":\"from b\"}")); // not overwritten
            assertThat(doc.sync().syncStatus()).isEqualTo(SyncStatus.CONFLICT);
            assertThat(b.conflicts().openConflicts().get(0).remote()).isEqualTo(json("{\"title\":\"from a\",\"body\":\"b\"}"));
            assertThat(b.pendingOperations().getPendingOperationsCount()).isZero();
        }
    }

    @Test
    void resolutionQueuedOnTheServersVersion_isNotParkedAgain_whenAPullThenBringsThatVersion() throws Exception {
        // The resolution is made on version 2, so version 2 arriving by pull is no conflict. (The race
        // fixed in Conflicts.alreadyOnTop, a pull that read the document before the resolution and
        // settled after it, cannot be forced from the public API; this pins the plain case.)
        try (Loopback net = new Loopback(dir); FaultyProxy proxy = new FaultyProxy(net.server.port());
                SyncClient a = replica(net, "a", net.server.url(), ConflictResolutionStrategy.MANUAL);
                SyncClient b = replica(net, "b", proxy.url(), ConflictResolutionStrategy.MANUAL)) {
            a.documents().put(S, "note", "n1", json("{\"title\":\"v1\"}"));
            a.sync();
            b.sync();
            a.documents().put(S, "note", "n1", json("{\"title\":\"from a\"}"));
            a.sync();
            b.documents().put(S, "note", "n1", json("{\"title\":\"from b\"}"));
            assertThat(b.push(Duration.ofSeconds(5)).openConflicts()).isEqualTo(1); // parked; not pulled yet
            String id = b.conflicts().openConflicts().get(0).conflictId();
            b.conflicts().resolve(id, dev.syncline.client.Resolution.useValue(json("{\"title\":\"agreed\"}")));

            proxy.mode(FaultyProxy.Mode.REFUSE); // the resolution's push fails: it waits a minute
            b.sync(Duration.ofMillis(300));
            proxy.mode(FaultyProxy.Mode.PASS);
            b.sync(Duration.ofMillis(500)); // pushes nothing (in backoff), pulls version 2

            assertThat(b.conflicts().openConflicts()).isEmpty();
            assertThat(b.documents().get(S, "note", "n1").orElseThrow().value()).isEqualTo(json("{\"title\":\"agreed\"}"));
            var ops = b.pendingOperations().pendingOperations();
            assertThat(ops).hasSize(1);
            assertThat(ops.get(0).baseVersion()).isEqualTo(2);
            assertThat(ops.get(0).data()).isEqualTo(json("{\"title\":\"agreed\"}"));
        }
    }
}
