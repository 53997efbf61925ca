package dev.syncline.cli.trackflow;

import dev.syncline.client.EntityType;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.merge.FieldRules;
import dev.syncline.core.merge.ThreeWayMerge;
import java.util.List;

/**
 * TrackFlow's domain (the seed's app): projects with collaborators, audio tracks, and comments on
 * tracks, scoped by team, with the seed's conflict policies ready to use. Immutable and thread-safe.
 *
 * <pre>{@code
 * SyncClient client = TrackFlow.register(SyncClient.builder().database(file).serverUrl(url).token(t)).build();
 * client.repository(TrackFlow.Project.class).save(new TrackFlow.Project(...));
 * }</pre>
 */
public final class TrackFlow {
    private TrackFlow() {
    }

    /**
     * A project of a team.
     *
     * @param id project id
     * @param teamId the team (the sync scope)
     * @param name name
     * @param description description
     * @param collaborators user ids
     */
    public record Project(String id, String teamId, String name, String description, List<String> collaborators) {
    }

    /**
     * An audio track of a project: metadata people edit, and facts about the file the upload
     * service sets.
     *
     * @param id track id
     * @param teamId the team (the sync scope)
     * @param projectId the project
     * @param title metadata: title
     * @param notes metadata: notes
     * @param fileUrl file fact: where the audio is
     * @param sizeBytes file fact: size
     * @param durationMs file fact: length
     */
    public record AudioTrack(String id, String teamId, String projectId, String title, String notes, String fileUrl,
            long sizeBytes, long durationMs) {
    }

    /**
     * A comment on a track.
     *
     * @param id comment id
     * @param teamId the team (the sync scope)
     * @param trackId the track
     * @param author user id
     * @param text text
     */
    public record Comment(String id, String teamId, String trackId, String author, String text) {
    }

    /**
     * The seed's Project merge: name and description from the later edit, collaborators merged as
     * a set that keeps removals (a removed collaborator stays removed).
     */
    public static final ThreeWayMerge PROJECT_MERGE = ThreeWayMerge.builder()
            .rule("name", FieldRules.latest())
            .rule("description", FieldRules.latest())
            .rule("collaborators", FieldRules.setUnion())
            .build();

    /**
     * The seed's AudioTrack merge: metadata (title, notes) from this replica, file facts (URL,
     * size, duration) from the server, where both sides changed them.
     */
    public static final ThreeWayMerge AUDIO_TRACK_MERGE = ThreeWayMerge.builder()
            .rule("title", FieldRules.local())
            .rule("notes", FieldRules.local())
            .rule("fileUrl", FieldRules.remote())
            .rule("sizeBytes", FieldRules.remote())
            .rule("durationMs", FieldRules.remote())
            .build();

    /** Projects: high priority, merged by {@link #PROJECT_MERGE}. */
    public static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId).id(Project::id).priority(SyncPriority.HIGH)
            .conflictStrategy(ConflictResolutionStrategy.MERGE).build();

    /** Audio tracks: merged by {@link #AUDIO_TRACK_MERGE}. */
    public static final EntityType<AudioTrack> TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId).id(AudioTrack::id).priority(SyncPriority.MEDIUM)
            .conflictStrategy(ConflictResolutionStrategy.MERGE).index("projectId").build();

    /** Comments: a person decides between two edits of the same comment. */
    public static final EntityType<Comment> COMMENTS = EntityType.builder("comment", Comment.class)
            .scope(Comment::teamId).id(Comment::id).priority(SyncPriority.LOW)
            .conflictStrategy(ConflictResolutionStrategy.MANUAL).index("trackId").build();

    /**
     * Registers the three types and their merge rules.
     *
     * @return {@code builder}
     */
    public static SyncClientBuilder register(SyncClientBuilder builder) {
        return builder.register(PROJECTS).register(TRACKS).register(COMMENTS)
                .mergeRules("project", PROJECT_MERGE).mergeRules("audio_track", AUDIO_TRACK_MERGE);
    }
}
