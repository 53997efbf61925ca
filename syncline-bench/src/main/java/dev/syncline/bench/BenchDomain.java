package dev.syncline.bench;

import dev.syncline.client.EntityType;
import dev.syncline.core.SyncPriority;

/** The entity the client benchmarks write: an audio track of about 200 bytes as JSON. */
public final class BenchDomain {
    private BenchDomain() {
    }

    /**
     * An audio track.
     *
     * @param id id
     * @param teamId scope
     * @param projectId the project it belongs to (a declared index)
     * @param title title
     * @param durationMs length
     * @param storagePath where the audio lives
     */
    public record AudioTrack(String id, String teamId, String projectId, String title, int durationMs,
            String storagePath) {
    }

    /** The registered type, with an index on {@code projectId}. */
    public static final EntityType<AudioTrack> TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId).id(AudioTrack::id).priority(SyncPriority.MEDIUM).index("projectId").build();

    /**
     * The same type as queries see it: also indexed on {@code title}, which they sort on (queries
     * sort on declared fields only). A separate constant, so the write benchmarks keep one index.
     */
    public static final EntityType<AudioTrack> QUERIED_TRACKS = EntityType.builder("audio_track", AudioTrack.class)
            .scope(AudioTrack::teamId).id(AudioTrack::id).priority(SyncPriority.MEDIUM).index("projectId").index("title")
            .build();

    /** @return track {@code n} of project {@code n % projects}, about 200 bytes as JSON */
    public static AudioTrack track(long n, int projects) {
        String id = "track-" + n;
        return new AudioTrack(id, "team-1", "project-" + (n % projects), "Take " + n + " of the bridge, second verse",
                180_000 + (int) (n % 1000), "s3://trackflow-audio/team-1/" + id + "/master-take.flac");
    }
}
