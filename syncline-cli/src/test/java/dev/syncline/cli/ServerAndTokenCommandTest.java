package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.syncline.core.Json;
import java.io.BufferedReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code syncline server} and {@code syncline token} as separate processes, per CLI.md. */
class ServerAndTokenCommandTest {
    private static final String SECRET = "cli-test-secret-cli-test-secret-0123";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void token_printsAnHs256TokenWithTheClaims() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "alice",
                "--scopes", "team-1,alice-private", "--ttl", "2h");
        assertThat(r.exit()).as(r.err()).isZero();
        DecodedJWT jwt = JWT.require(Algorithm.HMAC256(SECRET)).build().verify(r.out().trim());
        assertThat(jwt.getSubject()).isEqualTo("alice");
        assertThat(jwt.getClaim("scopes").asList(String.class)).containsExactly("team-1", "alice-private");
        assertThat(jwt.getExpiresAtAsInstant()).isBetween(Instant.now().plusSeconds(7000), Instant.now().plusSeconds(7300));
    }

    @Test
    void token_withAdmin_printsAnOperatorTokenWithTheAdminClaimAndNoScopes() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "ops",
                "--admin", "--ttl", "15m");
        assertThat(r.exit()).as(r.err()).isZero();
        DecodedJWT jwt = JWT.require(Algorithm.HMAC256(SECRET)).build().verify(r.out().trim());
        assertThat(jwt.getSubject()).isEqualTo("ops");
        assertThat(jwt.getClaim("admin").asBoolean()).isTrue();
        assertThat(jwt.getClaim("scopes").asList(String.class)).isEmpty();
        assertThat(jwt.getExpiresAtAsInstant()).isBetween(Instant.now().plusSeconds(800), Instant.now().plusSeconds(1000));
    }

    @Test
    void token_withoutAdmin_hasNoAdminClaim() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "alice",
                "--scopes", "team-1");
        DecodedJWT jwt = JWT.require(Algorithm.HMAC256(SECRET)).build().verify(r.out().trim());
        assertThat(jwt.getClaim("admin").isMissing()).isTrue();
    }

    @Test
    void token_withNeitherScopesNorAdmin_exits64AndSaysWhatIsMissing() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "alice");
        assertThat(r.exit()).isEqualTo(64);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("--scopes", "--admin");
    }

    @Test
    void token_withoutSecret_failsWithOneLineAndExit1() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of(), "token", "--user", "alice", "--scopes", "a");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).contains("SYNCLINE_JWT_SECRET").doesNotContain("\n");
    }

    @Test
    void token_withShortSecretOrBadScope_failsWithExit1() throws Exception {
        assertThat(CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", "short"), "token", "--user", "a", "--scopes", "a")
                .exit()).isEqualTo(1);
        CliProcess.Result bad = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "a",
                "--scopes", "Bad Scope");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("scope");
    }

    @Test
    void badUsage_exits64() throws Exception {
        assertThat(CliProcess.run(Map.of(), "token", "--scopes", "a").exit()).isEqualTo(64);
        assertThat(CliProcess.run(Map.of(), "no-such-command").exit()).isEqualTo(64);
        assertThat(CliProcess.run(Map.of(), "token", "--user", "a", "--scopes", "a", "--ttl", "soon").exit())
                .isEqualTo(64);
        assertThat(CliProcess.run(Map.of(), "server", "--port", "not-a-port").exit()).isEqualTo(64);
    }

    @Test
    void help_exits0() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of(), "server", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--port", "--data", "--postgres", "--dev");
    }

    @Test
    void server_withoutSecret_refusesToStart() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of(), "server", "--port", "0", "--data", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("SYNCLINE_JWT_SECRET");
    }

    @Test
    void server_onPortZero_printsItsPortServesAndExits0OnSigterm() throws Exception {
        Process p = CliProcess.builder(Map.of("SYNCLINE_JWT_SECRET", SECRET), "server", "--port", "0", "--data",
                dir.resolve("data").toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = CliProcess.stdout(p);
            String line = CliProcess.awaitLine(p, out, "listening on port ");
            int port = Integer.parseInt(line.substring("listening on port ".length()));
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Files.exists(dir.resolve("data").resolve("syncline.db"))).isTrue();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void server_adminOverview_opensWithATokenFromTokenAdminOnly() throws Exception {
        Process p = CliProcess.builder(Map.of("SYNCLINE_JWT_SECRET", SECRET), "server", "--port", "0", "--data",
                dir.resolve("data").toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            int port = Integer.parseInt(CliProcess.awaitLine(p, CliProcess.stdout(p), "listening on port ")
                    .substring("listening on port ".length()));
            String admin = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "ops", "--admin")
                    .out().trim();
            String user = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "token", "--user", "alice",
                    "--scopes", "team-1").out().trim();
            URI overview = URI.create("http://127.0.0.1:" + port + "/admin/api/overview");
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(overview).header("Authorization", "Bearer " + admin)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(Json.parse(ok.body()).get("store").get("kind").asText()).isEqualTo("sqlite");
            HttpResponse<String> forbidden = http.send(HttpRequest.newBuilder(overview)
                    .header("Authorization", "Bearer " + user).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forbidden.statusCode()).isEqualTo(403);
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/admin")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("Syncline admin");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    @Test
    void server_withLowerOpLimit_refusesLargerPushes() throws Exception {
        Process p = CliProcess.builder(Map.of("SYNCLINE_JWT_SECRET", SECRET), "server", "--port", "0", "--data",
                dir.resolve("data").toString(), "--max-ops-per-push", "2").redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            int port = Integer.parseInt(CliProcess.awaitLine(p, CliProcess.stdout(p), "listening on port ")
                    .substring("listening on port ".length()));
            String token = dev.syncline.server.Tokens.mint(SECRET.getBytes(StandardCharsets.UTF_8), "a",
                    java.util.List.of("s"), java.time.Duration.ofMinutes(5), java.time.Clock.systemUTC());
            String op = "{\"opId\":\"%s\",\"scope\":\"s\",\"type\":\"t\",\"id\":\"%s\",\"kind\":\"upsert\","
                    + "\"baseVersion\":0,\"data\":{}}";
            String body = "{\"clientId\":\"c\",\"ops\":[" + String.format(op, java.util.UUID.randomUUID(), "a") + ","
                    + String.format(op, java.util.UUID.randomUUID(), "b") + "," + String.format(op, java.util.UUID.randomUUID(), "c")
                    + "]}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/push"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(Json.parse(r.body()).get("error").get("code").asText()).isEqualTo("too_many_ops");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void server_withABadLimit_failsNamingIt() throws Exception {
        CliProcess.Result r = CliProcess.run(Map.of("SYNCLINE_JWT_SECRET", SECRET), "server", "--port", "0",
                "--data", dir.toString(), "--max-ops-per-push", "0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("maxOpsPerPush");
    }

    @Test
    void server_dev_printsAWorkingToken() throws Exception {
        try (DevServer dev = DevServer.start(dir.resolve("data"))) {
            int port = dev.port();
            String token = dev.token();
            HttpResponse<String> pull = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/pull")).header("Authorization", "Bearer " + token)
                    .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(pull.statusCode()).isEqualTo(200);
            assertThat(Json.parse(pull.body()).get("changes")).isEmpty();
        }
    }

    @Test
    void server_dev_tokenPushesToTheGuidesScope_andTheWriteIsAppliedNotDeadLettered() throws Exception {
        try (DevServer dev = DevServer.start(dir.resolve("data"))) {
            int port = dev.port();
            String token = dev.token();
            String db = dir.resolve("trackflow.db").toString();
            String server = "http://127.0.0.1:" + port;

            // The README's and the guide's first run, word for word.
            CliProcess.Result put = CliProcess.run(Map.of(), "client", "--db", db, "put", "team-1", "project", "p-42",
                    "{\"name\":\"Debut album\",\"ownerId\":\"alice\"}");
            assertThat(put.exit()).as(put.err()).isZero();
            CliProcess.Result sync = CliProcess.run(Map.of(), "client", "--db", db, "--server", server, "--token", token,
                    "sync", "--timeout", "30s");
            assertThat(sync.exit()).as(sync.out() + sync.err()).isZero();
            assertThat(Json.parse(sync.out()).get("failed").asInt()).isZero();

            CliProcess.Result outbox = CliProcess.run(Map.of(), "client", "--db", db, "outbox");
            assertThat(Json.parse(outbox.out())).as("no dead letter").isEmpty();
            CliProcess.Result get = CliProcess.run(Map.of(), "client", "--db", db, "get", "team-1", "project", "p-42");
            assertThat(Json.parse(get.out()).get("sync").get("syncStatus").asText()).isEqualTo("synced");
            HttpResponse<String> pull = http.send(HttpRequest.newBuilder(URI.create(server + "/v1/pull"))
                    .header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(Json.parse(pull.body()).get("changes").get(0).get("id").asText()).isEqualTo("p-42");
        }
    }

    @Test
    void server_dev_tokenHoldsEveryScopeTheDocsClientExamplesWriteTo() throws Exception {
        Set<String> used = new TreeSet<>();
        Pattern clientWrite = Pattern.compile("client --db \\S+ (?:put|patch|delete|get|list|attach) ([a-z0-9_.-]+) ");
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        for (Path doc : List.of(root.resolve("README.md"), root.resolve("docs/guide.md"),
                root.resolve("docs/operations.md"))) {
            String text = Files.readString(doc);
            Matcher m = clientWrite.matcher(text);
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        assertThat(used).contains("team-1"); // the scan found the examples
        // (Tokens minted with `syncline token --scopes` are signed with the operator's own secret: not checked here.)

        Process p = CliProcess.builder(Map.of("SYNCLINE_JWT_SECRET", SECRET), "server", "--port", "0", "--dev",
                "--data", dir.resolve("data").toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String tokenLine = CliProcess.awaitLine(p, CliProcess.stdout(p), "dev token");
            DecodedJWT jwt = JWT.require(Algorithm.HMAC256(SECRET)).build()
                    .verify(tokenLine.substring(tokenLine.lastIndexOf(' ') + 1));
            assertThat(jwt.getSubject()).isEqualTo("dev");
            assertThat(jwt.getClaim("scopes").asList(String.class)).contains("dev").containsAll(used);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** {@code syncline server --dev} in a child process: its port and the token it printed. */
    record DevServer(Process process, int port, String token) implements AutoCloseable {
        static DevServer start(Path data) throws Exception {
            Process p = CliProcess.builder(Map.of(), "server", "--port", "0", "--dev", "--data", data.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BufferedReader out = CliProcess.stdout(p);
                int port = Integer.parseInt(CliProcess.awaitLine(p, out, "listening on port ")
                        .substring("listening on port ".length()));
                String tokenLine = CliProcess.awaitLine(p, out, "dev token");
                return new DevServer(p, port, tokenLine.substring(tokenLine.lastIndexOf(' ') + 1));
            } catch (Exception | AssertionError e) {
                p.destroy();
                throw e;
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
