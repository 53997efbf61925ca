package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.cli.trackflow.TrackFlow;
import dev.syncline.core.Json;
import org.junit.jupiter.api.Test;

/** The seed's ready policies of TrackFlow's domain, where both sides changed the same fields. */
class TrackFlowPoliciesTest {
    private static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s);
    }

    @Test
    void projectMerge_takesTheLaterNameAndDescription_andKeepsARemovedCollaboratorRemoved() {
        ObjectNode base = json("{\"name\":\"A\",\"description\":\"d\",\"collaborators\":[\"ann\",\"ben\",\"cat\"]}");
        ObjectNode local = json("{\"name\":\"local name\",\"description\":\"local d\",\"collaborators\":[\"ann\",\"cat\"]}");
        ObjectNode remote = json("{\"name\":\"remote name\",\"description\":\"remote d\",\"collaborators\":[\"ann\",\"ben\",\"cat\",\"dan\"]}");
        ObjectNode merged = TrackFlow.PROJECT_MERGE.merge(base, local, remote, true);
        assertThat(merged).isEqualTo(json("{\"name\":\"local name\",\"description\":\"local d\","
                + "\"collaborators\":[\"ann\",\"cat\",\"dan\"]}"));
        assertThat(TrackFlow.PROJECT_MERGE.merge(base, local, remote, false).get("name").asText()).isEqualTo("remote name");
    }

    @Test
    void audioTrackMerge_keepsLocalMetadata_andRemoteFileFacts_whenBothChangedBoth() {
        ObjectNode base = json("{\"title\":\"t\",\"notes\":\"n\",\"fileUrl\":\"u1\",\"sizeBytes\":1,\"durationMs\":10}");
        ObjectNode local = json("{\"title\":\"local t\",\"notes\":\"local n\",\"fileUrl\":\"u2\",\"sizeBytes\":2,\"durationMs\":20}");
        ObjectNode remote = json("{\"title\":\"remote t\",\"notes\":\"remote n\",\"fileUrl\":\"u3\",\"sizeBytes\":3,\"durationMs\":30}");
        ObjectNode merged = TrackFlow.AUDIO_TRACK_MERGE.merge(base, local, remote, false);
        assertThat(merged).isEqualTo(json("{\"title\":\"local t\",\"notes\":\"local n\",\"fileUrl\":\"u3\",\"sizeBytes\":3,"
                + "\"durationMs\":30}"));
    }
}
