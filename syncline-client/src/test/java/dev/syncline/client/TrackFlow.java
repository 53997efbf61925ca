package dev.syncline.client;

import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.SyncPriority;

/** TrackFlow's domain as tests use it: projects and their audio tracks, scoped by team. */
final class TrackFlow {
    private TrackFlow() {
    }

    /** A project of a team. */
    record Project(String id, String teamId, String name, String ownerId) {
    }

    /** An audio track of a project. */
    record AudioTrack(String id, String teamId, String projectId, String title, int durationMs) {
    }

    static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId).id(Project::id)
            .priority(SyncPriority.HIGH).conflictStrategy(ConflictResolutionStrategy.MERGE)
            .index("ownerId").build();

    static final EntityType<AudioTrack> TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId).id(AudioTrack::id)
            .priority(SyncPriority.MEDIUM).conflictStrategy(ConflictResolutionStrategy.USE_LATEST)
            .index("projectId").index("title").build();

    static SyncClient open(java.nio.file.Path file, java.time.Clock clock) {
        return SyncClient.builder().database(file).clock(clock).register(PROJECTS).register(TRACKS)
                .random(new java.util.SplittableRandom(42)::nextDouble).build();
    }
}
