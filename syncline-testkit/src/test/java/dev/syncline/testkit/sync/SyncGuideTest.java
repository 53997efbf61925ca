package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.EntityType;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.client.TypedConflict;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.SyncStatus;
import dev.syncline.core.merge.FieldRules;
import dev.syncline.core.merge.ThreeWayMerge;
import dev.syncline.testkit.FaultyProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/guide.md's "Going online" part, compiled and run: an app goes offline, edits,
 * comes back (nothing calls sync), and settles a conflict. The network is a FaultyProxy.
 */
class SyncGuideTest {
    record Project(String id, String teamId, String name, List<String> collaborators) {
    }

    record Comment(String id, String teamId, String text) {
    }

    @TempDir
    Path dir;

    @Test
    void appGoesOfflineEditsComesBackAndSettlesAConflict() throws Exception {
        try (Loopback net = new Loopback(dir); FaultyProxy network = new FaultyProxy(net.server.port())) {
            String serverUrl = network.url();
            AtomicReference<String> currentToken = new AtomicReference<>(Loopback.token("alice", "team-1"));

            // --- guide: build a client that syncs by itself
            EntityType<Project> projects = EntityType.builder("project", Project.class)
                    .scope(Project::teamId).id(Project::id)
                    .conflictStrategy(ConflictResolutionStrategy.MERGE).build();
            EntityType<Comment> comments = EntityType.builder("comment", Comment.class)
                    .scope(Comment::teamId).id(Comment::id)
                    .conflictStrategy(ConflictResolutionStrategy.MANUAL).build();
            SyncClient client = SyncClient.builder()
                    .database(dir.resolve("trackflow.db"))
                    .serverUrl(serverUrl)
                    .tokenProvider(currentToken::get)          // asked before every request
                    .register(projects).register(comments)
                    .mergeRules("project", ThreeWayMerge.builder()
                            .rule("collaborators", FieldRules.setUnion()).build())
                    .backgroundSync(true)                      // push/pull after writes, pokes, reconnects
                    .build();
            // --- end

            try (client; SyncClient other = net.client("other", b -> b.token(Loopback.token("bob", "team-1"))
                    .conflictStrategy("comment", ConflictResolutionStrategy.MANUAL))) {
                Repository<Project> repo = client.repository(Project.class);
                Repository<Comment> notes = client.repository(Comment.class);
                repo.save(new Project("p1", "team-1", "Night Drive", List.of("alice", "bob")));
                notes.save(new Comment("c1", "team-1", "first take"));
                NetworkBehaviourTest.await("first push", Duration.ofSeconds(10),
                        () -> client.pendingOperations().getPendingOperationsCount() == 0);
                other.sync();

                // --- guide: going offline
                network.mode(FaultyProxy.Mode.REFUSE);                 // the network goes away
                repo.save(new Project("p1", "team-1", "Night Drive (final)", List.of("alice", "bob", "carol")));
                notes.save(new Comment("c1", "team-1", "second take is better"));
                // Writes return at once; they wait in the outbox, marked pending.
                assertThat(repo.pending()).hasSize(1);
                // --- end
                NetworkBehaviourTest.await("offline", Duration.ofSeconds(10),
                        () -> client.coordinator().status().state() == BackgroundSyncCoordinator.State.OFFLINE);

                other.documents().patch("team-1", "comment", "c1", Loopback.json("{\"text\":\"first take, keep it\"}"));
                other.sync();

                // --- guide: coming back
                network.mode(FaultyProxy.Mode.PASS);                   // the network returns; no app call needed
                NetworkBehaviourTest.await("outbox drained", Duration.ofSeconds(20),
                        () -> client.pendingOperations().getPendingOperationsCount() == 0
                                && !client.conflicts().openConflicts().isEmpty());
                // --- end

                // --- guide: settling a conflict
                for (TypedConflict<Comment> c : notes.conflicts()) {   // this type's open conflicts, as Comments
                    // Show c.local(), c.remote() and c.base() to the user; c.json() is the same as JSON.
                    // Then write their choice (a Comment, checked to be this document):
                    notes.resolve(c, new Comment(c.id(), c.scope(), "second take, keeping the first as B-side"));
                }
                // The resolved value is queued like any write and pushed in the background.
                // --- end
                NetworkBehaviourTest.await("resolution pushed", Duration.ofSeconds(20),
                        () -> client.pendingOperations().getPendingOperationsCount() == 0);
                assertThat(other.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                assertThat(other.documents().get("team-1", "comment", "c1").orElseThrow().value().get("text").asText())
                        .isEqualTo("second take, keeping the first as B-side");
                assertThat(other.documents().get("team-1", "project", "p1").orElseThrow().value().get("name").asText())
                        .isEqualTo("Night Drive (final)");
                assertThat(notes.withStatus(SyncStatus.CONFLICT)).isEmpty();
            }
        }
    }

    @Test
    void aWriteTheServerRefusesForGood_isDiscarded_andTheDocumentGoesBackToTheServersCopy() throws Exception {
        try (Loopback net = new Loopback(dir)) {
            AtomicReference<String> currentToken = new AtomicReference<>(Loopback.token("alice", "team-1"));
            EntityType<Project> projects = EntityType.builder("project", Project.class)
                    .scope(Project::teamId).id(Project::id).build();
            try (SyncClient client = SyncClient.builder().database(dir.resolve("trackflow.db"))
                    .serverUrl(net.server.url()).tokenProvider(currentToken::get).register(projects).build()) {
                Repository<Project> repo = client.repository(Project.class);
                repo.save(new Project("p1", "team-1", "Night Drive", List.of("alice")));
                client.sync();
                currentToken.set(Loopback.token("alice", "team-2")); // alice has left team-1
                repo.save(new Project("p1", "team-1", "Night Drive (alice's cut)", List.of("alice")));
                client.sync(); // the server rejects it: forbidden

                // --- guide: dead letters
                for (PendingOperation op : client.pendingOperations().failedOperations()) {
                    // Show op.error() to the user. If the cause can be fixed, put it back in the queue:
                    //     client.pendingOperations().retry(op.opId());
                    // Otherwise give up on it (and on later edits of the same document, built on it):
                    client.pendingOperations().discard(op.opId());
                }
                // p1 is the server's copy again; a document the server never had would be gone.
                // --- end
                assertThat(repo.get("team-1", "p1")).map(Project::name).contains("Night Drive");
                assertThat(repo.withStatus(SyncStatus.ERROR)).isEmpty();
                assertThat(client.pendingOperations().pendingOperations()).isEmpty();
            }
        }
    }
}
