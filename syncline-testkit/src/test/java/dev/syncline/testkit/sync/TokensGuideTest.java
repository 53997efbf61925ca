package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.EntityType;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.server.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of docs/guide.md's "Tokens from your backend", compiled and run against a real server. */
class TokensGuideTest {
    // The guide's Project, as part 1 declares it.
    record Project(String id, String teamId, String name, String ownerId, List<String> collaborators) {
    }

    static final EntityType<Project> PROJECTS = EntityType.builder("project", Project.class)
            .scope(Project::teamId).id(Project::id).build();

    // --- guide: tokens from your backend
    /** Your backend's token endpoint: it knows who is signed in and which teams they belong to. */
    static final class TokenEndpoint {
        private final byte[] secret;                       // the sync server's SYNCLINE_JWT_SECRET
        private final Map<String, List<String>> teamsOfUser;

        TokenEndpoint(String jwtSecret, Map<String, List<String>> teamsOfUser) {
            this.secret = Tokens.secretFromText(jwtSecret); // refused if shorter than 32 bytes
            this.teamsOfUser = teamsOfUser;
        }

        /** Called by the app after sign-in, and again before the token runs out. */
        String tokenFor(String userId) {
            List<String> scopes = teamsOfUser.getOrDefault(userId, List.of());
            return Tokens.mint(secret, userId, scopes, Duration.ofHours(1), Clock.systemUTC());
        }
    }
    // --- end

    @TempDir
    Path dir;

    @Test
    void aTokenMintedByTheAppsBackend_syncsTheScopesItNames_andOnlyThose() throws Exception {
        try (Loopback net = new Loopback(dir)) {
            TokenEndpoint backend = new TokenEndpoint(new String(Loopback.SECRET, StandardCharsets.UTF_8),
                    Map.of("alice", List.of("team-1")));
            String serverUrl = net.server.url();
            // --- guide: the app asks its backend
            SyncClient client = SyncClient.builder()
                    .database(dir.resolve("trackflow.db"))
                    .serverUrl(serverUrl)
                    .tokenProvider(() -> backend.tokenFor("alice"))   // asked before every request
                    .register(PROJECTS)
                    .build();
            // --- end
            try (client) {
                client.repository(Project.class).save(new Project("p-42", "team-1", "Debut album", "alice", List.of("alice")));
                client.repository(Project.class).save(new Project("p-7", "team-9", "Not alice's", "carol", List.of("carol")));

                SyncReport report = client.sync();

                assertThat(report.pushed()).isEqualTo(1);
                assertThat(report.failed()).as("team-9 is not in alice's token").isEqualTo(1);
                assertThat(client.pendingOperations().failedOperations().get(0).error()).contains("forbidden");
            }
            try (SyncClient bob = net.client("bob", b -> b.token(Loopback.token("bob", "team-1")))) {
                bob.sync();
                assertThat(bob.documents().get("team-1", "project", "p-42")).isPresent();
            }
        }
    }
}
