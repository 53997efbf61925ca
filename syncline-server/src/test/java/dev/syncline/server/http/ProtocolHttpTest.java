package dev.syncline.server.http;

import static dev.syncline.server.ServerFixture.token;
import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.op;
import static dev.syncline.server.TestHttp.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.SseListener;
import dev.syncline.server.SyncServer;
import dev.syncline.server.TestHttp;
import dev.syncline.server.TestHttp.Response;
import dev.syncline.server.Tokens;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every rule of PROTOCOL.md, checked over real HTTP against a real server. */
class ProtocolHttpTest {
    @RegisterExtension
    final ServerFixture fx = new ServerFixture(b -> b.heartbeat(Duration.ofMillis(300)));

    private final String alice = token("alice", "team-1", "alice-private");

    private Response push(String token, String... ops) {
        Response r = fx.http().push(token, body(ops));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r;
    }

    private JsonNode result(Response r, int i) {
        return r.json().get("results").get(i);
    }

    private Response pull(String token, String cursor, Integer limit) {
        StringBuilder q = new StringBuilder("/v1/pull?");
        if (cursor != null) {
            q.append("cursor=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8)).append('&');
        }
        if (limit != null) {
            q.append("limit=").append(limit);
        }
        return fx.http().get(q.toString(), token);
    }

    private List<JsonNode> pullAll(String token) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        while (true) {
            Response r = pull(token, cursor, null);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            r.json().get("changes").forEach(all::add);
            cursor = r.json().get("cursor").asText();
            if (!r.json().get("hasMore").asBoolean()) {
                return all;
            }
        }
    }

    @Test
    void push_create_isAppliedWithVersionOneAndAppearsInPull() {
        String opId = UUID.randomUUID().toString();
        Response r = push(alice, op(opId, "team-1", "project", "p-42", "upsert", 0, "{\"name\":\"Demo\"}"));
        JsonNode res = result(r, 0);
        assertThat(res.get("opId").asText()).isEqualTo(opId);
        assertThat(res.get("status").asText()).isEqualTo("applied");
        assertThat(res.get("version").asLong()).isEqualTo(1);
        assertThat(res.get("seq").asLong()).isEqualTo(1);
        List<JsonNode> changes = pullAll(alice);
        assertThat(changes).hasSize(1);
        JsonNode c = changes.get(0);
        assertThat(c.get("scope").asText()).isEqualTo("team-1");
        assertThat(c.get("type").asText()).isEqualTo("project");
        assertThat(c.get("id").asText()).isEqualTo("p-42");
        assertThat(c.get("version").asLong()).isEqualTo(1);
        assertThat(c.get("deleted").asBoolean()).isFalse();
        assertThat(c.get("data").get("name").asText()).isEqualTo("Demo");
        assertThat(c.get("updatedBy").asText()).isEqualTo("alice");
        assertThat(c.get("hlc").asText()).isNotEmpty();
        assertThat(c.get("seq").asLong()).isEqualTo(1);
    }

    @Test
    void push_updateOnCurrentVersion_isApplied() {
        push(alice, upsert("team-1", "a", 0, "{\"v\":1}"));
        Response r = push(alice, upsert("team-1", "a", 1, "{\"v\":2}"));
        assertThat(result(r, 0).get("status").asText()).isEqualTo("applied");
        assertThat(result(r, 0).get("version").asLong()).isEqualTo(2);
    }

    @Test
    void push_withStaleBaseVersion_returnsConflictWithCurrentAndWritesNothing() {
        push(alice, upsert("team-1", "a", 0, "{\"v\":1}"));
        push(alice, upsert("team-1", "a", 1, "{\"v\":2}"));
        Response r = push(alice, upsert("team-1", "a", 1, "{\"v\":99}"));
        JsonNode res = result(r, 0);
        assertThat(res.get("status").asText()).isEqualTo("conflict");
        assertThat(res.get("current").get("version").asLong()).isEqualTo(2);
        assertThat(res.get("current").get("data").get("v").asInt()).isEqualTo(2);
        List<JsonNode> changes = pullAll(alice);
        assertThat(changes).hasSize(1);
        assertThat(changes.get(0).get("data").get("v").asInt()).isEqualTo(2);
        assertThat(changes.get(0).get("seq").asLong()).isEqualTo(2);
    }

    @Test
    void push_createOverExistingDocument_conflicts() {
        push(alice, upsert("team-1", "a", 0, "{\"v\":1}"));
        Response r = push(alice, upsert("team-1", "a", 0, "{\"v\":2}"));
        assertThat(result(r, 0).get("status").asText()).isEqualTo("conflict");
        assertThat(pullAll(alice).get(0).get("data").get("v").asInt()).isEqualTo(1);
    }

    @Test
    void push_delete_leavesTombstoneThatPullReturns() {
        push(alice, upsert("team-1", "a", 0, "{\"v\":1}"));
        Response r = push(alice, op(UUID.randomUUID().toString(), "team-1", "note", "a", "delete", 1, null));
        assertThat(result(r, 0).get("version").asLong()).isEqualTo(2);
        JsonNode c = pullAll(alice).get(0);
        assertThat(c.get("deleted").asBoolean()).isTrue();
        assertThat(c.has("data")).isTrue();
        assertThat(c.get("data").isNull()).isTrue();
        assertThat(c.get("version").asLong()).isEqualTo(2);
    }

    @Test
    void push_replayedOpId_returnsOriginalResultAndWritesNothing() {
        String body = body(upsert("team-1", "a", 0, "{\"v\":1}"), upsert("team-1", "b", 0, "{\"v\":1}"));
        Response first = fx.http().push(alice, body);
        Response again = fx.http().push(alice, body);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(pullAll(alice)).extracting(c -> c.get("seq").asLong()).containsExactly(1L, 2L);
    }

    @Test
    void push_sameOpIdTwiceInOneRequest_is400AndAppliesNothing() {
        String opId = UUID.randomUUID().toString();
        for (String second : List.of(op(opId, "team-1", "note", "b", "upsert", 0, "{\"v\":2}"),
                op(opId, "team-1", "note", "a", "upsert", 0, "{\"v\":1}"))) {
            Response r = fx.http().push(alice, body(op(opId, "team-1", "note", "a", "upsert", 0, "{\"v\":1}"),
                    upsert("team-1", "c", 0, "{}"), second));
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("bad_request");
            assertThat(r.json().get("error").get("message").asText()).contains("ops[2].opId", "ops[0]", opId);
        }
        assertThat(pullAll(alice)).isEmpty();
        // The same opId in a request of its own is an ordinary push.
        Response ok = push(alice, op(opId, "team-1", "note", "a", "upsert", 0, "{\"v\":1}"));
        assertThat(result(ok, 0).get("status").asText()).isEqualTo("applied");
    }

    @Test
    void push_forbiddenOp_isRejectedAndDoesNotBlockTheOthers() {
        Response r = push(alice, upsert("team-1", "a", 0, "{}"), upsert("team-2", "x", 0, "{}"),
                upsert("team-1", "b", 0, "{}"));
        assertThat(result(r, 0).get("status").asText()).isEqualTo("applied");
        assertThat(result(r, 1).get("status").asText()).isEqualTo("rejected");
        assertThat(result(r, 1).get("error").get("code").asText()).isEqualTo("forbidden");
        assertThat(result(r, 1).get("error").get("message").asText()).contains("team-2");
        assertThat(result(r, 2).get("status").asText()).isEqualTo("applied");
        String bob = token("bob", "team-2");
        assertThat(pullAll(bob)).isEmpty();
    }

    @Test
    void push_resultsComeInRequestOrder() {
        List<String> ops = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String opId = UUID.randomUUID().toString();
            ids.add(opId);
            ops.add(op(opId, "team-1", "note", "n" + i, "upsert", 0, "{}"));
        }
        Response r = push(alice, ops.toArray(String[]::new));
        List<String> got = new ArrayList<>();
        r.json().get("results").forEach(n -> got.add(n.get("opId").asText()));
        assertThat(got).isEqualTo(ids);
    }

    @Test
    void pull_neverReturnsDocumentsOfScopesTheTokenDoesNotHold() {
        push(alice, upsert("team-1", "a", 0, "{}"), upsert("alice-private", "diary", 0, "{}"));
        String bob = token("bob", "team-1");
        assertThat(pullAll(bob)).extracting(c -> c.get("scope").asText()).containsOnly("team-1");
        String carol = token("carol", "other");
        assertThat(pullAll(carol)).isEmpty();
    }

    @Test
    void pull_newlyGrantedScope_isReadFromItsBeginning() {
        push(alice, upsert("team-1", "a", 0, "{}"), upsert("alice-private", "d1", 0, "{}"));
        String narrow = token("bob", "team-1");
        Response first = pull(narrow, null, null);
        assertThat(first.json().get("changes")).hasSize(1);
        String cursor = first.json().get("cursor").asText();
        String wider = token("bob", "team-1", "alice-private");
        Response second = pull(wider, cursor, null);
        assertThat(second.status()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        second.json().get("changes").forEach(c -> ids.add(c.get("id").asText()));
        assertThat(ids).containsExactly("d1");
    }

    @Test
    void pull_pagesWithLimitAndHasMore() {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            ops.add(upsert("team-1", "n" + i, 0, "{\"i\":" + i + "}"));
        }
        push(alice, ops.toArray(String[]::new));
        Response p1 = pull(alice, null, 10);
        assertThat(p1.json().get("changes")).hasSize(10);
        assertThat(p1.json().get("hasMore").asBoolean()).isTrue();
        Response p2 = pull(alice, p1.json().get("cursor").asText(), 10);
        assertThat(p2.json().get("changes")).hasSize(10);
        Response p3 = pull(alice, p2.json().get("cursor").asText(), 10);
        assertThat(p3.json().get("changes")).hasSize(5);
        assertThat(p3.json().get("hasMore").asBoolean()).isFalse();
        Response p4 = pull(alice, p3.json().get("cursor").asText(), 10);
        assertThat(p4.json().get("changes")).isEmpty();
        assertThat(p4.json().get("hasMore").asBoolean()).isFalse();
        List<Integer> order = new ArrayList<>();
        for (Response p : List.of(p1, p2, p3)) {
            p.json().get("changes").forEach(c -> order.add(c.get("data").get("i").asInt()));
        }
        assertThat(order).hasSize(25).isSorted();
    }

    @Test
    void pull_returnsOnlyTheLatestStateOfEachDocument() {
        push(alice, upsert("team-1", "a", 0, "{\"v\":1}"));
        push(alice, upsert("team-1", "a", 1, "{\"v\":2}"));
        push(alice, upsert("team-1", "a", 2, "{\"v\":3}"));
        List<JsonNode> all = pullAll(alice);
        assertThat(all).hasSize(1);
        assertThat(all.get(0).get("version").asLong()).isEqualTo(3);
        assertThat(all.get(0).get("data").get("v").asInt()).isEqualTo(3);
    }

    @Test
    void pull_limitAboveMaximum_isTreatedAsMaximum() {
        Response r = pull(alice, null, 5000);
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void pull_withBadLimit_is400() {
        for (String bad : List.of("0", "-1", "abc", "1.5", "")) {
            Response r = fx.http().get("/v1/pull?limit=" + bad, alice);
            if (bad.isEmpty()) {
                assertThat(r.status()).as("empty limit").isIn(200, 400);
                continue;
            }
            assertThat(r.status()).as("limit=" + bad).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("bad_request");
        }
    }

    @Test
    void pull_withMalformedOrAlteredCursor_is400NotARestart() {
        push(alice, upsert("team-1", "a", 0, "{}"));
        String good = pull(alice, null, null).json().get("cursor").asText();
        String altered = good.substring(0, good.length() - 2) + (good.endsWith("AA") ? "BB" : "AA");
        for (String bad : List.of("garbage", "v1.abc.def", "v2." + good.substring(3), altered, "v1..", "....")) {
            Response r = pull(alice, bad, null);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("bad_cursor");
        }
    }

    @Test
    void pull_withCursorFromAnotherServer_is400() throws Exception {
        Path other = Files.createTempDirectory("other-server");
        try (SyncServer second = SyncServer.builder().port(0).dataDir(other).jwtSecret(ServerFixture.SECRET).start()) {
            String foreign = new TestHttp(second.url()).get("/v1/pull", alice).json().get("cursor").asText();
            Response r = pull(alice, foreign, null);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("error").get("code").asText()).isEqualTo("bad_cursor");
        }
    }

    @Test
    void push_moreOpsThanTheLimit_is413AndAppliesNothing() {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            ops.add(upsert("team-1", "n" + i, 0, "{}"));
        }
        Response r = fx.http().push(alice, body(ops.toArray(String[]::new)));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().get("error").get("code").asText()).isNotEmpty();
        assertThat(pullAll(alice)).isEmpty();
    }

    @Test
    void push_exactlyTheOpLimit_isAccepted() {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ops.add(upsert("team-1", "n" + i, 0, "{}"));
        }
        Response r = push(alice, ops.toArray(String[]::new));
        assertThat(r.json().get("results")).hasSize(500);
    }

    @Test
    void push_documentOverTheSizeLimit_isRejectedTooLargeAndOthersApply() {
        String big = "{\"blob\":\"" + "x".repeat(256 * 1024) + "\"}";
        String fits = "{\"blob\":\"" + "x".repeat(256 * 1024 - 20) + "\"}";
        Response r = push(alice, upsert("team-1", "big", 0, big), upsert("team-1", "fits", 0, fits));
        assertThat(result(r, 0).get("status").asText()).isEqualTo("rejected");
        assertThat(result(r, 0).get("error").get("code").asText()).isEqualTo("too_large");
        assertThat(result(r, 1).get("status").asText()).isEqualTo("applied");
        assertThat(pullAll(alice)).extracting(c -> c.get("id").asText()).containsExactly("fits");
    }

    @Test
    void push_sizeLimit_countsUtf8BytesOfTheDataAsSent() {
        // 100k two-byte characters: about 200 KiB of UTF-8 in 100k chars, so over 256 KiB only
        // when counted in bytes at three bytes each.
        String threeByte = "{\"blob\":\"" + "\u20ac".repeat(90 * 1024) + "\"}";
        Response r = push(alice, upsert("team-1", "euros", 0, threeByte));
        assertThat(result(r, 0).get("error").get("code").asText()).isEqualTo("too_large");
        assertThat(result(r, 0).get("error").get("message").asText()).contains((90 * 1024 * 3 + 11) + " bytes");
    }

    @Test
    void push_dataWithSpacingAndEscapes_isPulledBackAsTheSameValue() {
        String sent = "{ \"title\" : \"caf\\u00e9 \\\"live\\\"\",\n \"tags\": [ 1, 2.5, true, null, {\"k\": []} ] }";
        Response r = push(alice, upsert("team-1", "spaced", 0, sent));
        assertThat(result(r, 0).get("status").asText()).isEqualTo("applied");
        JsonNode pulled = pullAll(alice).get(0).get("data");
        assertThat(pulled).isEqualTo(dev.syncline.core.Json.parse(sent));
        assertThat(pulled.get("title").asText()).isEqualTo("café \"live\"");
    }

    @Test
    void push_bodyOverTheRequestLimit_is413AndAppliesNothing() {
        StringBuilder ops = new StringBuilder();
        String chunk = "x".repeat(200 * 1024);
        List<String> list = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            list.add(upsert("team-1", "n" + i, 0, "{\"b\":\"" + chunk + "\"}"));
        }
        ops.append(body(list.toArray(String[]::new)));
        assertThat(ops.length()).isGreaterThan(4 * 1024 * 1024);
        Response r = fx.http().push(alice, ops.toString());
        assertThat(r.status()).isEqualTo(413);
        assertThat(pullAll(alice)).isEmpty();
    }

    @Test
    void stream_pokesAfterCommitInAHeldScopeOnly() throws Exception {
        String bob = token("bob", "team-2");
        try (SseListener a = new SseListener(fx.server().url(), alice);
             SseListener b = new SseListener(fx.server().url(), bob)) {
            assertThat(a.status()).isEqualTo(200);
            assertThat(b.status()).isEqualTo(200);
            assertThat(a.awaitLine(": connected", Duration.ofSeconds(5))).isNotNull();
            assertThat(b.awaitLine(": connected", Duration.ofSeconds(5))).isNotNull();
            push(alice, upsert("team-1", "a", 0, "{}"), upsert("team-1", "b", 0, "{}"));
            assertThat(a.awaitLine("event: poke", Duration.ofSeconds(5))).isNotNull();
            String data = a.awaitLine("data:", Duration.ofSeconds(5));
            assertThat(data).isEqualTo("data: {\"scope\":\"team-1\",\"seq\":2}");
            assertThat(b.awaitLine("event: poke", Duration.ofSeconds(1))).isNull();
        }
    }

    @Test
    void stream_sendsHeartbeatComments() throws Exception {
        try (SseListener a = new SseListener(fx.server().url(), alice)) {
            assertThat(a.awaitLine(": heartbeat", Duration.ofSeconds(5))).isNotNull();
        }
    }

    @Test
    void stream_withoutToken_is401() {
        Response r = fx.http().get("/v1/stream", null);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("error").get("code").asText()).isEqualTo("unauthorized");
    }

    @Test
    void health_needsNoTokenAndSaysOk() {
        Response r = fx.http().get("/v1/health", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
    }

    @Test
    void metrics_exposePushCounters() {
        push(alice, upsert("team-1", "a", 0, "{}"));
        Response r = fx.http().get("/metrics", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("syncline_push_ops_total{status=\"applied\"} 1.0");
    }

    @Test
    void expiredToken_is401() {
        String expired = Tokens.mint(ServerFixture.SECRET, "alice", List.of("team-1"), Duration.ofSeconds(1),
                java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofHours(-1)));
        Response r = fx.http().get("/v1/pull", expired);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("error").get("message").asText()).contains("expired");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    }
}
