package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code syncline client sync | conflicts | resolve} against a real server, as scripts drive replicas. */
class ClientSyncCommandTest {
    static final byte[] SECRET = "cli-sync-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    SyncServer server;
    String token;

    record Run(int exit, String out, String err) {
        JsonNode json() {
            return Json.parse(out);
        }
    }

    @BeforeEach
    void start() {
        server = SyncServer.builder().port(0).dataDir(dir.resolve("server")).jwtSecret(SECRET).start();
        token = Tokens.mint(SECRET, "alice", List.of("team-1"), Duration.ofHours(1), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Run run(String replica, String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("client", "--db", dir.resolve(replica + ".db").toString()));
        all.addAll(List.of(args));
        int exit = cmd.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void sync_pushesAndPulls_andExitsZeroWhenCaughtUp() {
        run("a", "--server", server.url(), "--token", token, "put", "team-1", "project", "p1", "{\"name\":\"Demo\"}");
        Run a = run("a", "sync");
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.json().get("pushed").asLong()).isEqualTo(1);
        Run b = run("b", "--server", server.url(), "--token", token, "sync");
        assertThat(b.exit()).as(b.err()).isZero();
        assertThat(b.json().get("pulled").asLong()).isEqualTo(1);
        Run get = run("b", "get", "team-1", "project", "p1");
        assertThat(get.json().at("/data/name").asText()).isEqualTo("Demo");
        assertThat(get.json().at("/sync/syncStatus").asText()).isEqualTo("synced");
        assertThat(get.json().at("/sync/version").asLong()).isEqualTo(1);
    }

    @Test
    void sync_withOpenConflict_exitsTwo_thenConflictsListsIt_andResolveSettlesIt() {
        run("a", "--server", server.url(), "--token", token, "put", "team-1", "project", "p1", "{\"name\":\"v1\"}");
        run("a", "sync");
        run("b", "--server", server.url(), "--token", token, "--policy", "project=manual", "sync");
        run("a", "put", "team-1", "project", "p1", "{\"name\":\"from a\"}");
        run("a", "sync");
        run("b", "put", "team-1", "project", "p1", "{\"name\":\"from b\"}");
        Run sync = run("b", "sync");
        assertThat(sync.exit()).as(sync.err()).isEqualTo(2);
        assertThat(sync.json().get("conflicts").asLong()).isEqualTo(1);

        Run list = run("b", "conflicts");
        assertThat(list.exit()).isZero();
        JsonNode c = list.json().get(0);
        assertThat(c.get("conflictType").asText()).isEqualTo("concurrentModification");
        assertThat(c.at("/local/name").asText()).isEqualTo("from b");
        assertThat(c.at("/remote/name").asText()).isEqualTo("from a");
        assertThat(c.at("/base/name").asText()).isEqualTo("v1");

        Run resolved = run("b", "resolve", c.get("conflictId").asText(), "{\"name\":\"agreed\"}");
        assertThat(resolved.exit()).as(resolved.err()).isZero();
        assertThat(resolved.json().at("/data/name").asText()).isEqualTo("agreed");
        assertThat(run("b", "sync").exit()).isZero();
        assertThat(run("a", "sync").exit()).isZero();
        assertThat(run("a", "get", "team-1", "project", "p1").json().at("/data/name").asText()).isEqualTo("agreed");
        assertThat(run("b", "conflicts").json()).isEmpty();
    }

    @Test
    void status_afterSync_listsEachPulledScopeWithItsSeqAndLastPulledAt_andTheOpaqueCursor() {
        String both = Tokens.mint(SECRET, "alice", List.of("team-1", "team-2"), Duration.ofHours(1), Clock.systemUTC());
        run("a", "--server", server.url(), "--token", both, "put", "team-1", "project", "p1", "{\"name\":\"x\"}");
        run("a", "put", "team-1", "project", "p2", "{\"name\":\"y\"}");
        run("a", "put", "team-2", "project", "p3", "{\"name\":\"z\"}");
        assertThat(run("a", "sync").exit()).isZero();
        java.time.Instant before = java.time.Instant.now().minusSeconds(1);

        Run fresh = run("b", "--server", server.url(), "--token", both, "status");
        assertThat(fresh.json().get("scopes")).isEmpty();
        assertThat(fresh.json().get("cursor").isNull()).isTrue();
        assertThat(run("b", "sync").exit()).isZero();
        Run r = run("b", "status");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode scopes = r.json().get("scopes");
        assertThat(scopes).hasSize(2);
        assertThat(scopes.get(0).get("scope").asText()).isEqualTo("team-1");
        assertThat(scopes.get(0).get("seq").asLong()).isEqualTo(2); // two writes in team-1
        assertThat(scopes.get(1).get("scope").asText()).isEqualTo("team-2");
        assertThat(scopes.get(1).get("seq").asLong()).isEqualTo(1);
        for (JsonNode scope : scopes) {
            assertThat(java.time.Instant.parse(scope.get("lastPulledAt").asText())).isAfter(before);
        }
        assertThat(r.json().get("cursor").asText()).isNotBlank();
    }

    @Test
    void resolve_ofAnUnknownConflict_exitsOneNamingIt() {
        Run r = run("a", "resolve", "nope", "local");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no open conflict nope");
    }

    @Test
    void sync_withTheServerDown_exitsOneAfterTheTimeout_andKeepsTheWrite() {
        run("a", "--server", server.url(), "--token", token, "put", "team-1", "project", "p1", "{\"name\":\"x\"}");
        server.close();
        Run r = run("a", "sync", "--timeout", "1s");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("server not reached");
        assertThat(run("a", "outbox").json()).hasSize(1);
        server = SyncServer.builder().port(0).dataDir(dir.resolve("server2")).jwtSecret(SECRET).start();
    }

    @Test
    void sync_withoutAServer_exitsOne() {
        run("a", "put", "team-1", "project", "p1", "{\"name\":\"x\"}");
        Run r = run("a", "sync");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no server");
    }
}
