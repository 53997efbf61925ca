package dev.syncline.client.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.Query;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.client.guide.TrackFlowGuideTest.AudioTrack;
import dev.syncline.core.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Queries" example of {@code docs/guide.md}, over the guide's TrackFlow types. Keep the
 * guide's snippet in step with this file.
 */
class QueriesGuideTest {
    @TempDir
    Path dir;

    @Test
    void queries_combineConditionsSortKeysAndLimits_onDeclaredFields() {
        try (SyncClient client = SyncClient.builder().database(dir.resolve("trackflow.db"))
                .register(TrackFlowGuideTest.PROJECTS).register(TrackFlowGuideTest.TRACKS).build()) {
            Repository<AudioTrack> tracks = client.repository(AudioTrack.class);
            tracks.save(new AudioTrack("t-1", "team-1", "p-42", "Intro", 61_000));
            tracks.save(new AudioTrack("t-2", "team-1", "p-42", "Bridge", 142_000));
            tracks.save(new AudioTrack("t-3", "team-1", "p-42", "Outro", 45_000));
            tracks.save(new AudioTrack("t-4", "team-1", "p-43", "Chorus", 142_000));
            tracks.save(new AudioTrack("t-5", "team-2", "p-50", "Demo", 30_000));

            // A project's tracks of a minute or more, longest first, then by title.
            List<AudioTrack> longTracks = tracks.query(Query.where("projectId", "p-42")
                    .atLeast("durationMs", 60_000)
                    .orderByDescending("durationMs").thenBy("title"));

            // Two projects' tracks with titles from A to M, in one team, the first 20 by title.
            List<AudioTrack> page = tracks.query(Query.all()
                    .whereIn("projectId", List.of("p-42", "p-43"))
                    .between("title", "A", "M")
                    .inScope("team-1")
                    .orderBy("title")
                    .limit(20));

            assertThat(longTracks).extracting(AudioTrack::id).containsExactly("t-2", "t-1");
            assertThat(page).extracting(AudioTrack::id).containsExactly("t-2", "t-4", "t-1");

            // Fields that are not declared with index(...) are refused, naming the field and the type.
            assertThatThrownBy(() -> tracks.query(Query.where("teamId", "team-1")))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("audio_track: field 'teamId' is not a declared index");
            // One condition compares one JSON type: 142000 (a number) never matches "142000" (a string).
            assertThat(tracks.query(Query.where("durationMs", "142000"))).isEmpty();
        }
    }
}
