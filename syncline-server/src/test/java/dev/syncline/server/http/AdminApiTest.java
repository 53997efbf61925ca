package dev.syncline.server.http;

import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.op;
import static dev.syncline.server.TestHttp.upsert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.SseListener;
import dev.syncline.server.SyncServer;
import dev.syncline.server.TestHttp;
import dev.syncline.server.TestHttp.Response;
import dev.syncline.server.Tokens;
import dev.syncline.server.internal.store.PostgresTestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The admin API ({@code /admin/api/overview}) and the admin page's shell ({@code /admin}) over real
 * HTTP, on both stores: who gets in (401, 403, 200, with the server's JSON error shape) and what
 * the overview reports after real pushes, pulls and streams.
 */
class AdminApiTest {
    private static final byte[] SECRET = ServerFixture.SECRET;
    private static final String OVERVIEW = "/admin/api/overview";

    private static String adminToken() {
        return Tokens.mintAdmin(SECRET, "ops", List.of(), Duration.ofHours(1), Clock.systemUTC());
    }

    private static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    abstract class Cases {
        SyncServer server;
        TestHttp http;
        final String alice = ServerFixture.token("alice", "team-1", "team-2");

        abstract SyncServer start() throws Exception;

        abstract void stop() throws Exception;

        abstract String expectedKind();

        @BeforeEach
        void up() throws Exception {
            server = start();
            http = new TestHttp(server.url());
        }

        @AfterEach
        void down() throws Exception {
            if (server != null) {
                server.close();
            }
            stop();
        }

        private Response push(String... ops) {
            Response r = http.push(alice, body(ops));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return r;
        }

        private Response overview() {
            Response r = http.get(OVERVIEW, adminToken());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return r;
        }

        @Test
        void overview_withoutToken_is401WithTheJsonErrorShape() {
            Response r = http.get(OVERVIEW, null);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("unauthorized");
            assertThat(r.json().get("error").get("message").asText()).contains("Authorization");
            assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            assertThat(r.header("Content-Type")).startsWith("application/json");
        }

        @Test
        void overview_withAScopeToken_is403Forbidden() {
            Response r = http.get(OVERVIEW, alice);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("forbidden");
            assertThat(r.json().get("error").get("message").asText()).contains("admin", "syncline token --admin");
        }

        @Test
        void overview_withAnAdminClaimThatIsNotTheBooleanTrue_isRefused() {
            Instant exp = Instant.now().plusSeconds(600);
            for (Object claim : new Object[] {"true", 1, false}) {
                var b = JWT.create().withSubject("mallory").withClaim("scopes", List.<String>of()).withExpiresAt(exp);
                if (claim instanceof String s) {
                    b.withClaim("admin", s);
                } else if (claim instanceof Integer i) {
                    b.withClaim("admin", i);
                } else {
                    b.withClaim("admin", (Boolean) claim);
                }
                Response r = http.get(OVERVIEW, b.sign(Algorithm.HMAC256(SECRET)));
                // false is a plain user (403); a claim that is not a boolean at all is a malformed token.
                assertThat(r.status()).as("admin claim %s", claim).isEqualTo(claim instanceof Boolean ? 403 : 401);
            }
        }

        @Test
        void overview_withAnExpiredOrForeignAdminToken_is401() {
            String expired = Tokens.mintAdmin(SECRET, "ops", List.of(), Duration.ofMinutes(1),
                    Clock.fixed(Instant.now().minusSeconds(3600), ZoneOffset.UTC));
            String foreign = Tokens.mintAdmin("another-secret-another-secret-0123456".getBytes(StandardCharsets.UTF_8),
                    "ops", List.of(), Duration.ofHours(1), Clock.systemUTC());
            for (String t : List.of(expired, foreign, "not-a-jwt")) {
                Response r = http.get(OVERVIEW, t);
                assertThat(r.status()).isEqualTo(401);
                assertThat(r.json().get("error").get("code").asText()).isEqualTo("unauthorized");
            }
        }

        @Test
        void overview_afterRealPushesPullsAndAStream_reportsWhatHappened() throws Exception {
            push(upsert("team-1", "a", 0, "{\"secret\":\"private-value-1\"}"), upsert("team-1", "b", 0, "{}"),
                    upsert("team-1", "c", 0, "{}"));
            push(upsert("team-1", "a", 1, "{\"secret\":\"private-value-2\"}"));
            push(op(UUID.randomUUID().toString(), "team-1", "note", "b", "delete", 1, null));
            push(upsert("team-2", "x", 0, "{}"));
            Response mixed = push(upsert("team-1", "a", 0, "{}"), upsert("elsewhere", "z", 0, "{}"));
            assertThat(mixed.json().get("results").get(0).get("status").asText()).isEqualTo("conflict");
            assertThat(mixed.json().get("results").get(1).get("status").asText()).isEqualTo("rejected");
            assertThat(http.get("/v1/pull", alice).status()).isEqualTo(200);
            try (SseListener stream = new SseListener(server.url(), alice)) {
                assertThat(stream.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10)).until(
                        () -> overview().json().get("traffic").get("streams").asLong() == 1);
                Response r = overview();
                assertThat(r.header("Cache-Control")).isEqualTo("no-store");
                JsonNode o = r.json();

                JsonNode instance = o.get("instance");
                assertThat(instance.get("id").asText()).isEqualTo(server.instanceId()).startsWith("server-");
                assertThat(instance.get("version").asText()).isEqualTo(SyncServer.version()).isNotEqualTo("unknown");
                assertThat(Instant.parse(instance.get("startedAt").asText())).isBefore(Instant.now());
                assertThat(instance.get("uptimeSeconds").asLong()).isBetween(0L, 300L);

                assertThat(o.get("store").get("kind").asText()).isEqualTo(expectedKind());
                assertThat(o.get("store").get("storeId").asText()).isNotBlank();
                checkLocation(o.get("store").get("location").asText());

                JsonNode traffic = o.get("traffic");
                assertThat(traffic.get("pushes").asLong()).isEqualTo(5);
                assertThat(traffic.get("pulls").asLong()).isEqualTo(1);
                assertThat(traffic.get("opsApplied").asLong()).isEqualTo(6);
                assertThat(traffic.get("conflicts").asLong()).isEqualTo(1);
                assertThat(traffic.get("rejections").asLong()).isEqualTo(1);
                assertThat(traffic.get("streams").asLong()).isEqualTo(1);

                JsonNode totals = o.get("totals");
                assertThat(totals.get("scopes").asLong()).isEqualTo(2);
                assertThat(totals.get("documents").asLong()).isEqualTo(3);
                assertThat(totals.get("tombstones").asLong()).isEqualTo(1);

                List<JsonNode> scopes = list(o.get("scopes"));
                assertThat(scopes).extracting(s -> s.get("scope").asText()).containsExactly("team-2", "team-1");
                JsonNode team1 = scopes.get(1);
                assertThat(team1.get("head").asLong()).isEqualTo(5);
                assertThat(team1.get("documents").asLong()).isEqualTo(2);
                assertThat(team1.get("tombstones").asLong()).isEqualTo(1);
                assertThat(Instant.parse(team1.get("lastWriteAt").asText()))
                        .isBetween(Instant.now().minusSeconds(120), Instant.now());

                List<JsonNode> recent = list(o.get("recent"));
                assertThat(recent).extracting(w -> w.get("scope").asText() + "/" + w.get("type").asText() + "/"
                        + w.get("id").asText() + " v" + w.get("version").asLong()
                        + (w.get("deleted").asBoolean() ? " deleted" : ""))
                        .containsExactlyInAnyOrder("team-1/note/a v2", "team-1/note/b v2 deleted",
                                "team-1/note/c v1", "team-2/note/x v1");
                assertThat(recent).allSatisfy(w -> {
                    assertThat(w.get("updatedBy").asText()).isEqualTo("alice");
                    assertThat(w.has("data")).isFalse();
                });
                List<Instant> times = recent.stream().map(w -> Instant.parse(w.get("writtenAt").asText())).toList();
                assertThat(times).isSortedAccordingTo(Comparator.reverseOrder());
                // Metadata only: no document data leaves through the admin API.
                assertThat(r.body()).doesNotContain("private-value");
            }
        }

        abstract void checkLocation(String location);

        @Test
        void overview_onAnEmptyStore_isAllZeroAndHealthy() {
            // On PostgreSQL the listening connection opens in the background: degraded until then.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> overview().json().get("health").get("status").asText().equals("ok"));
            JsonNode o = overview().json();
            assertThat(o.get("health").get("status").asText()).isEqualTo("ok");
            assertThat(o.get("health").get("database").asBoolean()).isTrue();
            assertThat(o.get("health").get("problems")).isEmpty();
            assertThat(o.get("totals").get("scopes").asLong()).isZero();
            assertThat(o.get("scopes")).isEmpty();
            assertThat(o.get("recent")).isEmpty();
            assertThat(o.get("traffic").get("pushes").asLong()).isZero();
        }

        @Test
        void htmlShell_isServedWithoutATokenCarriesNoDataAndLocksDownScriptsAndFetches() {
            push(upsert("team-1", "visible-only-with-a-token", 0, "{}"));
            for (String path : List.of("/admin", "/admin/")) {
                Response r = http.get(path, null);
                assertThat(r.status()).as(path).isEqualTo(200);
                assertThat(r.header("Content-Type")).startsWith("text/html");
                assertThat(r.header("Cache-Control")).isEqualTo("no-store");
                assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
                String csp = r.header("Content-Security-Policy");
                assertThat(csp).contains("default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'")
                        .containsPattern("script-src 'sha256-[A-Za-z0-9+/=]+'")
                        .containsPattern("style-src 'sha256-[A-Za-z0-9+/=]+'")
                        .doesNotContain("unsafe-inline");
                assertThat(r.body()).contains("<title>Syncline admin</title>")
                        .doesNotContain(server.instanceId(), "team-1", "visible-only-with-a-token")
                        .doesNotContainPattern("(?i)<(script|link|img)[^>]+(src|href)=\"(https?:)?//");
            }
        }

        @Test
        void adminToken_withoutScopes_readsAndWritesNothingThroughV1() {
            push(upsert("team-1", "a", 0, "{}"));
            String admin = adminToken();
            Response pull = http.get("/v1/pull", admin);
            assertThat(pull.status()).isEqualTo(200);
            assertThat(pull.json().get("changes")).isEmpty();
            Response write = http.push(admin, body(upsert("team-1", "b", 0, "{}")));
            assertThat(write.json().get("results").get(0).get("error").get("code").asText()).isEqualTo("forbidden");
        }

        @Test
        void unknownAdminApiPath_needsAuthThenIs404() {
            assertThat(http.get("/admin/api/nope", null).status()).isEqualTo(401);
            Response r = http.get("/admin/api/nope", adminToken());
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("not_found");
        }
    }

    @Nested
    class OnSqlite extends Cases {
        private Path dir;

        @Override
        SyncServer start() throws Exception {
            dir = Files.createTempDirectory("syncline-admin-test");
            return SyncServer.builder().port(0).dataDir(dir).jwtSecret(SECRET).start();
        }

        @Override
        void stop() throws Exception {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        @Override
        String expectedKind() {
            return "sqlite";
        }

        @Override
        void checkLocation(String location) {
            assertThat(Path.of(location)).isEqualTo(dir.resolve("syncline.db").toAbsolutePath());
        }

        @Test
        void overview_onTheEmbeddedStore_saysCrossInstancePokesAreNotUsed() {
            JsonNode health = http.get(OVERVIEW, adminToken()).json().get("health");
            assertThat(health.get("crossInstancePokes").isNull()).isTrue();
        }
    }

    @Nested
    class OnPostgres extends Cases {
        private PostgresTestDatabase db;

        @Override
        SyncServer start() throws Exception {
            db = PostgresTestDatabase.create();
            return SyncServer.builder().port(0).postgres(db.url()).postgresPoolSize(3).jwtSecret(SECRET).start();
        }

        @Override
        void stop() throws Exception {
            db.close();
        }

        @Override
        String expectedKind() {
            return "postgresql";
        }

        @Override
        void checkLocation(String location) {
            assertThat(location).startsWith("jdbc:postgresql://").contains(db.name());
        }

        @Test
        void overview_onPostgres_reportsCrossInstanceListening() {
            await().atMost(Duration.ofSeconds(10)).until(() -> http.get(OVERVIEW, adminToken()).json()
                    .get("health").get("crossInstancePokes").asBoolean());
        }

        @Test
        void overview_whileTheDatabaseIsDown_stillAnswersAndSaysSo() throws Exception {
            db.refuseConnections(true);
            try {
                db.terminateConnections();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    Response r = http.get(OVERVIEW, adminToken());
                    return r.status() == 200 && r.json().get("health").get("status").asText().equals("unavailable");
                });
                JsonNode o = http.get(OVERVIEW, adminToken()).json();
                assertThat(o.get("health").get("database").asBoolean()).isFalse();
                assertThat(o.get("totals").isNull()).isTrue();
                List<String> problems = new ArrayList<>();
                o.get("health").get("problems").forEach(p -> problems.add(p.asText()));
                assertThat(problems).anySatisfy(p -> assertThat(p).contains("database cannot be reached"));
                assertThat(o.get("instance").get("id").asText()).isEqualTo(server.instanceId());
            } finally {
                db.refuseConnections(false);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                Response r = http.get(OVERVIEW, adminToken());
                return r.status() == 200 && r.json().get("health").get("status").asText().equals("ok");
            });
        }
    }
}
