package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.BackgroundSyncCoordinator;
import dev.syncline.client.EntityType;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.client.TypedConflict;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.SyncStatus;
import dev.syncline.core.merge.FieldRules;
import dev.syncline.core.merge.ThreeWayMerge;
import dev.syncline.testkit.FaultyProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/guide.md's "Going online" part, compiled and run: an app goes offline, edits,
 * comes back (nothing calls sync), and settles a conflict. The network is a FaultyProxy.
 */
class SyncGuideTest {
    // The guide's TrackFlow types, as part 1 declares them (TrackFlowGuideTest, in the client module).
    record Project(String id, String teamId, String name, String ownerId, List<String> collaborators) {
    }

    record AudioTrack(String id, String teamId, String projectId, String title, int durationMs) {
    }

    record Comment(String id, String teamId, String trackId, String text) {
    }

    static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId)
            .id(Project::id)
            .priority(SyncPriority.HIGH)
            .conflictStrategy(ConflictResolutionStrategy.MERGE)
            .index("ownerId")
            .build();

    static final EntityType<AudioTrack> TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId)
            .id(AudioTrack::id)
            .priority(SyncPriority.MEDIUM)
            .conflictStrategy(ConflictResolutionStrategy.USE_LATEST)
            .index("projectId")
            .index("title")
            .index("durationMs")
            .build();

    static final EntityType<Comment> COMMENTS = EntityType.builder("comment", Comment.class)
            .scope(Comment::teamId)
            .id(Comment::id)
            .priority(SyncPriority.LOW)
            .conflictStrategy(ConflictResolutionStrategy.MANUAL)
            .index("trackId")
            .build();

    @TempDir
    Path dir;

    // --- guide: first sync
    /** One replica of the app: its own file, the same server and token as every other replica. */
    static SyncClient replica(Path file, String serverUrl, String token) {
        return SyncClient.builder()
                .database(file)
                .serverUrl(serverUrl)
                .tokenProvider(() -> token)
                .register(PROJECTS).register(TRACKS).register(COMMENTS)
                .build();
    }
    // --- end

    @Test
    void firstSync_twoReplicasSyncAWriteEachWay_watchAChangeArrive_andSettleAConflict() throws Exception {
        try (Loopback net = new Loopback(dir)) {
            // What `syncline server --dev` gives: its URL and the token it prints (user dev, scope team-1 among others).
            String serverUrl = net.server.url();
            String token = Loopback.token("dev", "dev", "team-1", "alice-private");
            List<Optional<Project>> seenOnPhone = new CopyOnWriteArrayList<>();

            // --- guide: first sync, two replicas
            try (SyncClient laptop = replica(dir.resolve("laptop.db"), serverUrl, token);
                 SyncClient phone = replica(dir.resolve("phone.db"), serverUrl, token)) {
                Repository<Project> laptopProjects = laptop.repository(Project.class);
                Repository<Project> phoneProjects = phone.repository(Project.class);
                ListenerToken watching = phoneProjects.watch("team-1", "p-42", seenOnPhone::add);

                laptopProjects.save(new Project("p-42", "team-1", "Debut album", "alice", List.of("alice")));
                laptop.sync();                         // pushes p-42
                phone.sync();                          // pulls it: the phone's watch sees it arrive

                phoneProjects.patch("team-1", "p-42", Map.of("name", "Debut album (deluxe)"));
                phone.sync();                          // and back the other way
                laptop.sync();

                // A conflict: comments are MANUAL, so two edits of one comment wait for a person.
                Repository<Comment> laptopComments = laptop.repository(Comment.class);
                Repository<Comment> phoneComments = phone.repository(Comment.class);
                laptopComments.save(new Comment("c-1", "team-1", "t-1", "louder intro"));
                laptop.sync();
                phone.sync();
                laptopComments.save(new Comment("c-1", "team-1", "t-1", "louder intro, shorter"));
                phoneComments.save(new Comment("c-1", "team-1", "t-1", "louder intro, longer"));
                laptop.sync();                         // the laptop's edit reaches the server first
                SyncReport report = phone.sync();      // OPEN_CONFLICTS: the phone's edit met it
                for (TypedConflict<Comment> c : phoneComments.conflicts()) {
                    phoneComments.resolve(c, new Comment(c.id(), c.scope(), "t-1", "louder intro, as long as it is"));
                }
                phone.sync();                          // pushes the resolution
                laptop.sync();                         // both replicas now read the same comment
                // --- end
                NetworkBehaviourTest.await("the phone's watch saw p-42 arrive", Duration.ofSeconds(10),
                        () -> seenOnPhone.stream().anyMatch(p -> p.map(Project::name).orElse("").equals("Debut album")));
                watching.close();

                assertThat(report.outcome()).isEqualTo(SyncReport.Outcome.OPEN_CONFLICTS);
                assertThat(laptopProjects.get("team-1", "p-42")).map(Project::name).contains("Debut album (deluxe)");
                assertThat(laptopComments.get("team-1", "c-1")).map(Comment::text).contains("louder intro, as long as it is");
                assertThat(phoneComments.get("team-1", "c-1")).map(Comment::text).contains("louder intro, as long as it is");
                assertThat(phone.conflicts().openConflicts()).isEmpty();
                assertThat(seenOnPhone).first().isEqualTo(Optional.empty()); // the current state at once: none yet
            }
        }
    }

    @Test
    void appGoesOfflineEditsComesBackAndSettlesAConflict() throws Exception {
        try (Loopback net = new Loopback(dir); FaultyProxy network = new FaultyProxy(net.server.port())) {
            String serverUrl = network.url();
            AtomicReference<String> currentToken = new AtomicReference<>(Loopback.token("alice", "team-1"));

            // --- guide: build a client that syncs by itself
            SyncClient client = SyncClient.builder()
                    .database(dir.resolve("trackflow.db"))
                    .serverUrl(serverUrl)
                    .tokenProvider(currentToken::get)          // asked before every request
                    .register(PROJECTS).register(TRACKS).register(COMMENTS)
                    .mergeRules("project", ThreeWayMerge.builder()
                            .rule("collaborators", FieldRules.setUnion()).build())
                    .backgroundSync(true)                      // push/pull after writes, pokes, reconnects
                    .build();
            // --- end

            try (client; SyncClient other = net.client("other", b -> b.token(Loopback.token("bob", "team-1"))
                    .conflictStrategy("comment", ConflictResolutionStrategy.MANUAL))) {
                Repository<Project> projects = client.repository(Project.class);
                Repository<Comment> comments = client.repository(Comment.class);
                projects.save(new Project("p-42", "team-1", "Debut album", "alice", List.of("alice", "bob")));
                comments.save(new Comment("c-1", "team-1", "t-1", "first take"));
                NetworkBehaviourTest.await("first push", Duration.ofSeconds(10),
                        () -> client.pendingOperations().getPendingOperationsCount() == 0);
                other.sync();

                // --- guide: going offline
                network.mode(FaultyProxy.Mode.REFUSE);                 // the network goes away
                projects.save(new Project("p-42", "team-1", "Debut album (final)", "alice", List.of("alice", "bob", "carol")));
                comments.save(new Comment("c-1", "team-1", "t-1", "second take is better"));
                // Writes return at once; they wait in the outbox, marked pending.
                assertThat(projects.pending()).hasSize(1);
                // --- end
                NetworkBehaviourTest.await("offline", Duration.ofSeconds(10),
                        () -> client.coordinator().status().state() == BackgroundSyncCoordinator.State.OFFLINE);

                other.documents().patch("team-1", "comment", "c-1", Loopback.json("{\"text\":\"first take, keep it\"}"));
                other.sync();

                // --- guide: coming back
                network.mode(FaultyProxy.Mode.PASS);                   // the network returns; no app call needed
                NetworkBehaviourTest.await("outbox drained", Duration.ofSeconds(20),
                        () -> client.pendingOperations().getPendingOperationsCount() == 0
                                && !client.conflicts().openConflicts().isEmpty());
                // --- end

                // --- guide: settling a conflict
                for (TypedConflict<Comment> c : comments.conflicts()) {   // this type's open conflicts, as Comments
                    // Show c.local(), c.remote() and c.base() to the user; c.json() is the same as JSON.
                    // Then write their choice (a Comment, checked to be this document):
                    comments.resolve(c, new Comment(c.id(), c.scope(), c.local().trackId(),
                            "second take, keeping the first as B-side"));
                }
                // The resolved value is queued like any write and pushed in the background.
                // --- end
                NetworkBehaviourTest.await("resolution pushed", Duration.ofSeconds(20),
                        () -> client.pendingOperations().getPendingOperationsCount() == 0);
                assertThat(other.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                assertThat(other.documents().get("team-1", "comment", "c-1").orElseThrow().value().get("text").asText())
                        .isEqualTo("second take, keeping the first as B-side");
                assertThat(other.documents().get("team-1", "project", "p-42").orElseThrow().value().get("name").asText())
                        .isEqualTo("Debut album (final)");
                assertThat(comments.withStatus(SyncStatus.CONFLICT)).isEmpty();
            }
        }
    }

    @Test
    void aWriteTheServerRefusesForGood_isDiscarded_andTheDocumentGoesBackToTheServersCopy() throws Exception {
        try (Loopback net = new Loopback(dir)) {
            AtomicReference<String> currentToken = new AtomicReference<>(Loopback.token("alice", "team-1"));
            try (SyncClient client = SyncClient.builder().database(dir.resolve("trackflow.db"))
                    .serverUrl(net.server.url()).tokenProvider(currentToken::get).register(PROJECTS).build()) {
                Repository<Project> projects = client.repository(Project.class);
                projects.save(new Project("p-42", "team-1", "Debut album", "alice", List.of("alice")));
                client.sync();
                currentToken.set(Loopback.token("alice", "team-2")); // alice has left team-1
                projects.save(new Project("p-42", "team-1", "Debut album (alice's cut)", "alice", List.of("alice")));
                client.sync(); // the server rejects it: forbidden

                // --- guide: dead letters
                for (PendingOperation op : client.pendingOperations().failedOperations()) {
                    // Show op.error() to the user. If the cause can be fixed, put it back in the queue:
                    //     client.pendingOperations().retry(op.opId());
                    // Otherwise give up on it (and on later edits of the same document, built on it):
                    client.pendingOperations().discard(op.opId());
                }
                // p-42 is the server's copy again; a document the server never had would be gone.
                // --- end
                assertThat(projects.get("team-1", "p-42")).map(Project::name).contains("Debut album");
                assertThat(projects.withStatus(SyncStatus.ERROR)).isEmpty();
                assertThat(client.pendingOperations().pendingOperations()).isEmpty();
            }
        }
    }
}
