package dev.syncline.server.http;

import static dev.syncline.server.ServerFixture.token;
import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.op;
import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.TestHttp;
import dev.syncline.server.TestHttp.Response;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and malformed requests: each gets the right 4xx (or, for a per-operation rule, a 200 whose
 * result is {@code rejected}) with an error body that names the problem; never a 5xx; and nothing
 * is written.
 */
class BadInputCorpusTest {
    // One server for the corpus: no case may write, so the feed must stay empty throughout.
    @RegisterExtension
    static final ServerFixture fx = new ServerFixture();

    private static final String SCOPE = "team-1";
    private static final String OK_TOKEN = token("alice", SCOPE);
    private static final String UUID1 = "6f1c7f3e-1a2b-4c5d-8e9f-0123456789ab";

    /**
     * One hostile request.
     *
     * @param name what it is
     * @param send sends it
     * @param status expected HTTP status
     * @param code expected error code (of the body, or of the op's rejection when status is 200)
     */
    record Case(String name, Function<TestHttp, Response> send, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case push(String name, String json, int status, String code) {
        return new Case(name, h -> h.push(OK_TOKEN, json), status, code);
    }

    private static Case pushBytes(String name, byte[] body, String contentType, int status, String code) {
        return new Case(name, h -> h.post("/v1/push", OK_TOKEN, body, contentType), status, code);
    }

    private static Case rejectedOp(String name, String opJson, String code) {
        return push(name, body(opJson), 200, code);
    }

    private static String opWith(String field, String rawValue) {
        String base = "{\"opId\":\"" + UUID1 + "\",\"scope\":\"team-1\",\"type\":\"note\",\"id\":\"n1\","
                + "\"kind\":\"upsert\",\"baseVersion\":0,\"data\":{}}";
        JsonNode n = dev.syncline.core.Json.parse(base);
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove(field);
        String without = n.toString();
        if (rawValue == null) {
            return without;
        }
        return without.substring(0, without.length() - 1) + ",\"" + field + "\":" + rawValue + "}";
    }

    private static Case withAuth(String name, String authorization) {
        return new Case(name, h -> h.send(HttpRequest.newBuilder(URI.create(h.base() + "/v1/pull"))
                .header("Authorization", authorization).GET().build()), 401, "unauthorized");
    }

    private static String b64(String json) {
        return b64(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A token of the given header and payload text, correctly signed with the server's secret: a
     * token refused although its signature is good shows that its shape is checked on its own.
     */
    static String signed(String headerJson, String payloadJson) {
        return signedParts(b64(headerJson), b64(payloadJson));
    }

    static String signedParts(String header, String payload) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(ServerFixture.SECRET, "HmacSHA256"));
            byte[] sig = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64(sig);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tokens whose claims or parts have the wrong JSON shape, each signed correctly: all 401. */
    static List<Case> malformedTokens() {
        long exp = Instant.now().plusSeconds(3600).getEpochSecond();
        String hs256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
        String scopes = "\"scopes\":[\"team-1\"]";
        List<Case> c = new ArrayList<>();
        java.util.function.BiConsumer<String, String> claims = (name, payload) ->
                c.add(withAuth("token " + name, "Bearer " + signed(hs256, payload)));
        claims.accept("with exp null", "{\"sub\":\"alice\"," + scopes + ",\"exp\":null}");
        claims.accept("with exp a string", "{\"sub\":\"alice\"," + scopes + ",\"exp\":\"" + exp + "\"}");
        claims.accept("with exp a boolean", "{\"sub\":\"alice\"," + scopes + ",\"exp\":true}");
        claims.accept("with exp an object", "{\"sub\":\"alice\"," + scopes + ",\"exp\":{}}");
        claims.accept("with exp a fraction", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ".5}");
        claims.accept("with exp beyond 64 bits", "{\"sub\":\"alice\"," + scopes + ",\"exp\":1" + "0".repeat(30) + "}");
        claims.accept("with exp past year 9999", "{\"sub\":\"alice\"," + scopes + ",\"exp\":9000000000000000000}");
        claims.accept("with exp negative", "{\"sub\":\"alice\"," + scopes + ",\"exp\":-1}");
        claims.accept("with iat a string", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ",\"iat\":\"x\"}");
        claims.accept("with nbf null", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ",\"nbf\":null}");
        claims.accept("with sub a number", "{\"sub\":42," + scopes + ",\"exp\":" + exp + "}");
        claims.accept("with sub a boolean", "{\"sub\":true," + scopes + ",\"exp\":" + exp + "}");
        claims.accept("with sub null", "{\"sub\":null," + scopes + ",\"exp\":" + exp + "}");
        claims.accept("with sub empty", "{\"sub\":\"\"," + scopes + ",\"exp\":" + exp + "}");
        claims.accept("with sub an array", "{\"sub\":[\"alice\"]," + scopes + ",\"exp\":" + exp + "}");
        claims.accept("with scopes null", "{\"sub\":\"alice\",\"scopes\":null,\"exp\":" + exp + "}");
        claims.accept("with scopes an object", "{\"sub\":\"alice\",\"scopes\":{\"team-1\":true},\"exp\":" + exp + "}");
        claims.accept("with a number among scopes", "{\"sub\":\"alice\",\"scopes\":[\"team-1\",7],\"exp\":" + exp + "}");
        claims.accept("with an invalid scope name", "{\"sub\":\"alice\",\"scopes\":[\"Team 1\"],\"exp\":" + exp + "}");
        claims.accept("with admin a string", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ",\"admin\":\"true\"}");
        claims.accept("with admin a number", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ",\"admin\":1}");
        claims.accept("with admin null", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ",\"admin\":null}");
        claims.accept("with aud a number", "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + ",\"aud\":5}");
        claims.accept("with duplicate sub", "{\"sub\":\"alice\",\"sub\":\"root\"," + scopes + ",\"exp\":" + exp + "}");
        String good = "{\"sub\":\"alice\"," + scopes + ",\"exp\":" + exp + "}";
        claims.accept("payload an array", "[" + good + "]");
        claims.accept("payload a string", "\"alice\"");
        claims.accept("payload a number", "42");
        claims.accept("payload null", "null");
        claims.accept("payload with trailing bytes", good + "x");
        claims.accept("payload with a trailing object", good + "{}");
        claims.accept("payload with trailing space", good + " ");
        claims.accept("payload not JSON", "alice");
        claims.accept("payload empty", "");
        c.add(withAuth("token header an array", "Bearer " + signed("[" + hs256 + "]", good)));
        c.add(withAuth("token header a string", "Bearer " + signed("\"HS256\"", good)));
        c.add(withAuth("token header null", "Bearer " + signed("null", good)));
        c.add(withAuth("token header with trailing bytes", "Bearer " + signed(hs256 + "]", good)));
        c.add(withAuth("token header alg a number", "Bearer " + signed("{\"alg\":256}", good)));
        c.add(withAuth("token header alg missing", "Bearer " + signed("{\"typ\":\"JWT\"}", good)));
        c.add(withAuth("token header with crit", "Bearer " + signed("{\"alg\":\"HS256\",\"crit\":[\"x\"]}", good)));
        c.add(withAuth("token header typ a number", "Bearer " + signed("{\"alg\":\"HS256\",\"typ\":1}", good)));
        c.add(withAuth("token payload in UTF-16", "Bearer " + signedParts(b64(hs256),
                b64(good.getBytes(StandardCharsets.UTF_16)))));
        c.add(withAuth("token payload with invalid UTF-8", "Bearer " + signedParts(b64(hs256),
                b64(new byte[] {'{', '"', 's', (byte) 0xc3, '"', ':', '1', '}'}))));
        c.add(withAuth("token with bad base64", "Bearer " + signedParts(b64(hs256), "eyJzdWIi*OiJh")));
        c.add(withAuth("token with base64 of impossible length", "Bearer " + signedParts(b64(hs256), "eyJzd")));
        c.add(withAuth("token with padded base64", "Bearer " + signedParts(b64(hs256), b64(good) + "==")));
        c.add(withAuth("token with standard base64", "Bearer " + signedParts(b64(hs256), "eyJz+/+/")));
        c.add(withAuth("token of two parts", "Bearer " + b64(hs256) + "." + b64(good)));
        c.add(withAuth("token of four parts", "Bearer " + signed(hs256, good) + ".x"));
        c.add(withAuth("token without signature", "Bearer " + b64(hs256) + "." + b64(good) + "."));
        c.add(withAuth("token of dots", "Bearer ..."));
        return c;
    }

    static Stream<Case> corpus() {
        List<Case> c = new ArrayList<>();
        long exp = Instant.now().plusSeconds(3600).getEpochSecond();
        byte[] secret = ServerFixture.SECRET;

        // Push bodies that are not a push (400, nothing applied).
        c.add(push("broken JSON", "{\"clientId\":", 400, "bad_request"));
        c.add(push("empty body", "", 400, "bad_request"));
        c.add(push("JSON array body", "[]", 400, "bad_request"));
        c.add(push("JSON string body", "\"hello\"", 400, "bad_request"));
        c.add(push("JSON null body", "null", 400, "bad_request"));
        c.add(push("missing clientId", "{\"ops\":[]}", 400, "bad_request"));
        c.add(push("clientId is a number", "{\"clientId\":7,\"ops\":[]}", 400, "bad_request"));
        c.add(push("clientId with spaces", "{\"clientId\":\"a b\",\"ops\":[]}", 400, "bad_request"));
        c.add(push("missing ops", "{\"clientId\":\"c\"}", 400, "bad_request"));
        c.add(push("ops is an object", "{\"clientId\":\"c\",\"ops\":{}}", 400, "bad_request"));
        c.add(push("op is a number", body("42"), 400, "bad_request"));
        c.add(push("missing opId", body(opWith("opId", null)), 400, "bad_request"));
        c.add(push("opId not a UUID", body(opWith("opId", "\"not-a-uuid\"")), 400, "bad_request"));
        c.add(push("opId is a number", body(opWith("opId", "12345")), 400, "bad_request"));
        c.add(push("missing scope", body(opWith("scope", null)), 400, "bad_request"));
        c.add(push("scope is a number", body(opWith("scope", "1")), 400, "bad_request"));
        c.add(push("id is an object", body(opWith("id", "{}")), 400, "bad_request"));
        c.add(push("unknown kind", body(opWith("kind", "\"replace\"")), 400, "bad_request"));
        c.add(push("missing kind", body(opWith("kind", null)), 400, "bad_request"));
        c.add(push("negative baseVersion", body(opWith("baseVersion", "-1")), 400, "bad_request"));
        c.add(push("baseVersion as string", body(opWith("baseVersion", "\"1\"")), 400, "bad_request"));
        c.add(push("fractional baseVersion", body(opWith("baseVersion", "1.5")), 400, "bad_request"));
        c.add(push("baseVersion beyond 64 bits", body(opWith("baseVersion", "99999999999999999999999")), 400,
                "bad_request"));
        c.add(push("missing baseVersion", body(opWith("baseVersion", null)), 400, "bad_request"));
        c.add(push("data is an array", body(opWith("data", "[1,2]")), 400, "bad_request"));
        c.add(push("data is a string", body(opWith("data", "\"x\"")), 400, "bad_request"));
        c.add(push("hlc is a number", body(opWith("hlc", "7")), 400, "bad_request"));
        c.add(push("hlc with spaces", body(opWith("hlc", "\"a b\"")), 400, "bad_request"));
        c.add(push("duplicate keys", "{\"clientId\":\"a\",\"clientId\":\"b\",\"ops\":[]}", 400, "bad_request"));
        c.add(push("trailing garbage", body(opWith("data", "{}")) + " trailing", 400, "bad_request"));
        c.add(push("nested 100,000 deep", "{\"clientId\":\"c\",\"ops\":[" + "[".repeat(100_000) + "]}", 400,
                "bad_request"));
        c.add(push("one bad op among good ones applies nothing",
                body(opWith("data", "{}").replace(UUID1, UUID.randomUUID().toString()), opWith("kind", "\"x\"")),
                400, "bad_request"));
        ByteArrayOutputStream nonUtf8 = new ByteArrayOutputStream();
        byte[] head = ("{\"clientId\":\"c\",\"ops\":[{\"opId\":\"" + UUID1
                + "\",\"scope\":\"team-1\",\"type\":\"note\",\"id\":\"n1\",\"kind\":\"upsert\",\"baseVersion\":0,"
                + "\"data\":{\"t\":\"").getBytes(StandardCharsets.UTF_8);
        nonUtf8.writeBytes(head);
        nonUtf8.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3});
        nonUtf8.writeBytes("\"}}]}".getBytes(StandardCharsets.UTF_8));
        c.add(pushBytes("non-UTF-8 bytes", nonUtf8.toByteArray(), "application/json", 400, "bad_request"));
        c.add(pushBytes("text/plain content type", body().getBytes(StandardCharsets.UTF_8), "text/plain", 415,
                "unsupported_media_type"));
        byte[] huge = new byte[5 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        c.add(pushBytes("5 MiB body", huge, "application/json", 413, "request_too_large"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            many.append(i == 0 ? "" : ",").append(op(UUID.randomUUID().toString(), SCOPE, "note", "n" + i,
                    "upsert", 0, "{}"));
        }
        c.add(push("600 ops", "{\"clientId\":\"c\",\"ops\":[" + many + "]}", 413, "too_many_ops"));

        // Per-operation rules: 200 with a rejected result, nothing written.
        c.add(rejectedOp("scope with a space", opWith("scope", "\"team 1\""), "invalid_name"));
        c.add(rejectedOp("scope with a quote", opWith("scope", "\"team\\\"1\""), "invalid_name"));
        c.add(rejectedOp("scope in upper case", opWith("scope", "\"Team-1\""), "invalid_name"));
        c.add(rejectedOp("id with ../", opWith("id", "\"../etc/passwd\""), "invalid_name"));
        c.add(rejectedOp("id of 200 characters", opWith("id", "\"" + "a".repeat(200) + "\""), "invalid_name"));
        c.add(rejectedOp("empty id", opWith("id", "\"\""), "invalid_name"));
        c.add(rejectedOp("id with a NUL", opWith("id", "\"a\\u0000b\""), "invalid_name"));
        c.add(rejectedOp("type with a slash", opWith("type", "\"a/b\""), "invalid_name"));
        c.add(rejectedOp("upsert without data", opWith("data", null), "invalid_data"));
        c.add(rejectedOp("data with U+0000 in a string", opWith("data", "{\"t\":\"a\\u0000b\"}"), "invalid_data"));
        c.add(rejectedOp("data with U+0000 in a nested key", opWith("data", "{\"l\":[{\"k\\u0000\":1}]}"),
                "invalid_data"));
        c.add(rejectedOp("scope the token does not hold", opWith("scope", "\"team-2\""), "forbidden"));

        // Authentication (401).
        c.add(new Case("no Authorization header", h -> h.get("/v1/pull", null), 401, "unauthorized"));
        c.add(new Case("no Authorization header on push", h -> h.push(null, body()), 401, "unauthorized"));
        c.add(withAuth("Basic scheme", "Basic YWxpY2U6cHc="));
        c.add(withAuth("empty bearer", "Bearer "));
        c.add(withAuth("garbage token", "Bearer abc.def.ghi"));
        c.add(withAuth("token signed with another secret", "Bearer " + JWT.create().withSubject("alice")
                .withClaim("scopes", List.of(SCOPE)).withExpiresAt(Instant.ofEpochSecond(exp))
                .sign(Algorithm.HMAC256("another-secret-another-secret-another"))));
        c.add(withAuth("expired token", "Bearer " + JWT.create().withSubject("alice")
                .withClaim("scopes", List.of(SCOPE)).withExpiresAt(Instant.now().minusSeconds(60))
                .sign(Algorithm.HMAC256(secret))));
        c.add(withAuth("alg none", "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
                + b64("{\"sub\":\"alice\",\"scopes\":[\"team-1\"],\"exp\":" + exp + "}") + "."));
        c.add(withAuth("HS512 with the server secret", "Bearer " + JWT.create().withSubject("alice")
                .withClaim("scopes", List.of(SCOPE)).withExpiresAt(Instant.ofEpochSecond(exp))
                .sign(Algorithm.HMAC512(secret))));
        c.add(withAuth("token without scopes", "Bearer " + JWT.create().withSubject("alice")
                .withExpiresAt(Instant.ofEpochSecond(exp)).sign(Algorithm.HMAC256(secret))));
        c.add(withAuth("scopes claim is a string", "Bearer " + JWT.create().withSubject("alice")
                .withClaim("scopes", SCOPE).withExpiresAt(Instant.ofEpochSecond(exp)).sign(Algorithm.HMAC256(secret))));
        c.add(withAuth("token without exp", "Bearer " + JWT.create().withSubject("alice")
                .withClaim("scopes", List.of(SCOPE)).sign(Algorithm.HMAC256(secret))));
        c.add(withAuth("token without sub", "Bearer " + JWT.create().withClaim("scopes", List.of(SCOPE))
                .withExpiresAt(Instant.ofEpochSecond(exp)).sign(Algorithm.HMAC256(secret))));

        c.addAll(malformedTokens());

        // Pull and routing.
        c.add(new Case("limit not a number", h -> h.get("/v1/pull?limit=abc", OK_TOKEN), 400, "bad_request"));
        c.add(new Case("negative limit", h -> h.get("/v1/pull?limit=-5", OK_TOKEN), 400, "bad_request"));
        c.add(new Case("zero limit", h -> h.get("/v1/pull?limit=0", OK_TOKEN), 400, "bad_request"));
        c.add(new Case("garbage cursor", h -> h.get("/v1/pull?cursor=garbage", OK_TOKEN), 400, "bad_cursor"));
        c.add(new Case("cursor with non-ASCII", h -> h.get("/v1/pull?cursor=v1.%C3%A9.%C3%A9", OK_TOKEN), 400,
                "bad_cursor"));
        c.add(new Case("cursor of 60 KB", h -> h.get("/v1/pull?cursor=v1." + "A".repeat(60_000) + ".x",
                OK_TOKEN), 400, "bad_cursor"));
        c.add(new Case("URL of 100 KB", h -> h.get("/v1/pull?cursor=v1." + "A".repeat(100_000) + ".x",
                OK_TOKEN), 414, "uri_too_long"));
        c.add(new Case("GET on push", h -> h.get("/v1/push", OK_TOKEN), 404, null));
        c.add(new Case("unknown endpoint", h -> h.get("/v1/nothing-here", OK_TOKEN), 404, "not_found"));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void hostileRequest_getsAClearErrorAndWritesNothing(Case c) {
        Response r = c.send().apply(fx.http());
        if (c.status() == 404 && c.code() == null) {
            assertThat(r.status()).as(c.name() + ": " + r.body()).isIn(404, 405);
        } else {
            assertThat(r.status()).as(c.name() + ": " + r.body()).isEqualTo(c.status());
        }
        assertThat(r.json()).as(c.name() + " has a JSON body: " + r.body()).isNotNull();
        JsonNode error = c.status() == 200 ? r.json().get("results").get(0).get("error") : r.json().get("error");
        assertThat(error).as(c.name() + ": " + r.body()).isNotNull();
        assertThat(error.get("message").asText()).as(c.name()).isNotBlank();
        if (c.code() != null) {
            assertThat(error.get("code").asText()).as(c.name() + ": " + r.body()).isEqualTo(c.code());
        }
        if (c.status() == 200) {
            assertThat(r.json().get("results").get(0).get("status").asText()).isEqualTo("rejected");
        }
        String everyScope = token("auditor", SCOPE, "team-2", "team-1x");
        Response feed = fx.http().get("/v1/pull", everyScope);
        assertThat(feed.status()).isEqualTo(200);
        assertThat(feed.json().get("changes")).as("nothing written by " + c.name()).isEmpty();
    }
}
