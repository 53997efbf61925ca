package dev.syncline.client.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.Document;
import dev.syncline.client.EntityType;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.PendingOperationsManager;
import dev.syncline.client.Query;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncHealth;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.SyncStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example code of {@code docs/guide.md}: TrackFlow registers its project and audio-track
 * types, writes and reads them offline, watches them and inspects the outbox. It lives in its own
 * package so it can only use the public API. Keep the guide's snippets in step with this file.
 */
class TrackFlowGuideTest {
    // --- 1. The app's entities: plain records (or POJOs), mapped with Jackson. ---
    record Project(String id, String teamId, String name, String ownerId, List<String> collaborators) {
    }

    record AudioTrack(String id, String teamId, String projectId, String title, int durationMs) {
    }

    record Comment(String id, String teamId, String trackId, String text) {
    }

    // --- 2. How each is stored and synced. ---
    static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId)              // the scope a project lives in: its team
            .id(Project::id)
            .priority(SyncPriority.HIGH)         // projects are pushed before tracks
            .conflictStrategy(ConflictResolutionStrategy.MERGE)
            .index("ownerId")                    // "my projects" stays fast
            .build();

    static final EntityType<AudioTrack> TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId)
            .id(AudioTrack::id)
            .priority(SyncPriority.MEDIUM)
            .conflictStrategy(ConflictResolutionStrategy.USE_LATEST)
            .index("projectId")                  // a project's tracks, at a million tracks
            .index("title")                      // queries filter and sort on declared fields only
            .index("durationMs")
            .build();

    static final EntityType<Comment> COMMENTS = EntityType.builder("comment", Comment.class)
            .scope(Comment::teamId)
            .id(Comment::id)
            .priority(SyncPriority.LOW)
            .conflictStrategy(ConflictResolutionStrategy.MANUAL)   // a person picks the wording
            .index("trackId")
            .build();

    @TempDir
    Path dir;

    @Test
    void trackFlow_worksOfflineFromRegistrationToOutbox() {
        // --- 3. Build the client once; nothing here needs the network. ---
        try (SyncClient client = SyncClient.builder()
                .database(dir.resolve("trackflow.db"))
                .serverUrl("https://sync.trackflow.example")   // stored for the sync engine
                .tokenProvider(() -> "token-from-your-login")   // asked when syncing, never stored
                .register(PROJECTS)
                .register(TRACKS)
                .build()) {
            Repository<Project> projects = client.repository(Project.class);
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);

            // --- 4. Write offline: each call is on disk, with its outbox operation, when it returns. ---
            projects.save(new Project("p-42", "team-1", "Debut album", "alice", List.of("alice", "bob")));
            tracks.save(new AudioTrack("t-1", "team-1", "p-42", "Intro", 61_000));
            tracks.save(new AudioTrack("t-2", "team-1", "p-42", "Bridge", 142_000));
            tracks.patch("team-1", "t-1", Map.of("title", "Intro (final)"));

            // --- 5. Read: always from the local file, at once. ---
            Optional<AudioTrack> intro = tracks.get("team-1", "t-1");
            List<AudioTrack> album = tracks.query(Query.where("projectId", "p-42").orderBy("title"));
            Document<AudioTrack> withMetadata = tracks.document("team-1", "t-1").orElseThrow();

            assertThat(intro).map(AudioTrack::title).contains("Intro (final)");
            assertThat(album).extracting(AudioTrack::title).containsExactly("Bridge", "Intro (final)");
            assertThat(withMetadata.sync().syncStatus()).isEqualTo(SyncStatus.PENDING);

            // --- 6. Watch: the current result at once, then again after every change. ---
            List<List<AudioTrack>> seen = new CopyOnWriteArrayList<>();
            // The listener runs on the client's executor, one call at a time; close the token to stop.
            ListenerToken watching = tracks.watchQuery(Query.where("projectId", "p-42"),
                    result -> seen.add(result)); // e.g. hand it to the UI thread
            tracks.save(new AudioTrack("t-3", "team-1", "p-42", "Outro", 95_000));
            await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty() && seen.get(seen.size() - 1).size() == 3);
            watching.close();

            // --- 7. Inspect the outbox: what waits to be pushed, in push order, and how healthy it is. ---
            PendingOperationsManager outbox = client.pendingOperations();
            long waiting = outbox.getPendingOperationsCount();
            List<PendingOperation> queue = outbox.pendingOperations();
            SyncHealth health = outbox.syncHealth();
            List<Document<AudioTrack>> badges = tracks.pending(); // tracks to show as "not yet synced"

            assertThat(waiting).isEqualTo(4); // t-1's patch was coalesced into its create
            assertThat(queue).extracting(PendingOperation::type, PendingOperation::id, PendingOperation::operationType)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("project", "p-42", OperationType.CREATE),
                            org.assertj.core.groups.Tuple.tuple("audio_track", "t-1", OperationType.CREATE),
                            org.assertj.core.groups.Tuple.tuple("audio_track", "t-2", OperationType.CREATE),
                            org.assertj.core.groups.Tuple.tuple("audio_track", "t-3", OperationType.CREATE));
            assertThat(health.status()).isEqualTo("ok");
            assertThat(badges).extracting(Document::id).containsExactly("t-1", "t-2", "t-3");
        }
    }
}
