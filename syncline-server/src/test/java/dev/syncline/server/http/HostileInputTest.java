package dev.syncline.server.http;

import static dev.syncline.server.RawHttp.concat;
import static dev.syncline.server.RawHttp.head;
import static dev.syncline.server.TestHttp.body;
import static dev.syncline.server.TestHttp.op;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.server.RawHttp;
import dev.syncline.server.ServerFixture;
import dev.syncline.server.SyncServer;
import dev.syncline.server.TestHttp;
import dev.syncline.server.internal.store.PostgresTestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The server under hostile input, on both stores: tokens, bodies, framing, names, numbers and
 * strings, cursors, streams, methods and paths. Every case must get no 5xx; a clear
 * {@code {"error": {"code", "message"}}} wherever the server itself answers (Jetty's own refusals of
 * a request it cannot parse need only not be 5xx); nothing stored in any scope; nothing of another
 * scope leaked into the reply; no error logged; and a healthy server afterwards (health 200, a valid
 * push and pull still work). The corpus of {@link BadInputCorpusTest} runs here too, on both stores.
 */
class HostileInputTest {
    static final String SCOPE = "team-1";
    static final String TOKEN = ServerFixture.token("alice", SCOPE);
    /** Written once per server in a scope alice does not hold; must never appear in a reply to her. */
    static final String VAULT_MARKER = "vault-secret-7d1e";
    static final String UUID1 = "6f1c7f3e-1a2b-4c5d-8e9f-0123456789ab";

    /** What a case must get. */
    enum Expect {
        /** a 4xx with the JSON error body, of the given status and code */
        ERROR,
        /** 200 whose first result is {@code rejected} with the given code */
        REJECTED,
        /** 200 with a JSON body (a harmless request that is fine as it is) */
        OK,
        /** no 5xx; the reply may come from Jetty and need not be JSON */
        NO_5XX
    }

    /** A reply, whichever way it came. */
    record Reply(int status, JsonNode json, String body) {
    }

    /** The server a case runs against. */
    interface Target {
        TestHttp http();

        int port();

        String foreignCursor();
    }

    @FunctionalInterface
    interface Send {
        Reply send(Target t) throws Exception;
    }

    /**
     * One hostile request.
     *
     * @param name what it is
     * @param send sends it
     * @param expect what kind of answer it must get
     * @param status the status (for {@link Expect#ERROR}; 0 = any 4xx)
     * @param code the error code (null = any)
     */
    record Case(String name, Send send, Expect expect, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Reply of(TestHttp.Response r) {
        return new Reply(r.status(), r.json(), r.body());
    }

    private static Reply of(RawHttp.Reply r) {
        JsonNode json = null;
        try {
            json = r.body().isEmpty() ? null : Json.parse(r.body());
        } catch (RuntimeException notJson) {
            // Jetty's own answers and streams are not JSON
        }
        return new Reply(r.status(), json, r.body());
    }

    private static Case error(String name, Send send, int status, String code) {
        return new Case(name, send, Expect.ERROR, status, code);
    }

    private static Case pushBytes(String name, byte[] bytes, String contentType, Expect expect, int status,
            String code) {
        return new Case(name, t -> of(t.http().post("/v1/push", TOKEN, bytes, contentType)), expect, status, code);
    }

    private static Case raw(String name, byte[] request, boolean endStream, Expect expect, int status, String code) {
        return new Case(name, t -> of(RawHttp.exchange(t.port(), request, endStream)), expect, status, code);
    }

    private static String auth() {
        return "Authorization: Bearer " + TOKEN;
    }

    /** A push of one upsert that is valid in every way: only the framing around it is wrong. */
    private static String validPush() {
        return body(op(UUID1, SCOPE, "note", "framed", "upsert", 0, "{\"t\":\"framed\"}"));
    }

    static List<Case> framing() {
        List<Case> c = new ArrayList<>();
        byte[] b = validPush().getBytes(StandardCharsets.UTF_8);
        String hex = Integer.toHexString(b.length);
        String json = "Content-Type: application/json";
        c.add(raw("Content-Length beyond the body, then end of stream", concat(head("POST /v1/push HTTP/1.1", auth(),
                json, "Content-Length: " + (b.length + 50)), b), true, Expect.ERROR, 400, "bad_request"));
        c.add(raw("Content-Length of 4 MiB, a few bytes, then end of stream", concat(head("POST /v1/push HTTP/1.1",
                auth(), json, "Content-Length: " + (4 * 1024 * 1024 - 1)), b), true, Expect.ERROR, 400, "bad_request"));
        c.add(raw("chunk size larger than the chunk, then end of stream", concat(head("POST /v1/push HTTP/1.1", auth(),
                json, "Transfer-Encoding: chunked"), ("fff\r\n" + validPush() + "\r\n0\r\n\r\n").getBytes()), true,
                Expect.ERROR, 400, "bad_request"));
        c.add(raw("chunk size smaller than the chunk", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Transfer-Encoding: chunked", "Connection: close"), ("3\r\n" + validPush() + "\r\n0\r\n\r\n").getBytes()),
                false, Expect.ERROR, 400, "bad_request"));
        c.add(raw("chunk size not hexadecimal", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Transfer-Encoding: chunked", "Connection: close"), ("zz\r\n" + validPush() + "\r\n0\r\n\r\n").getBytes()),
                false, Expect.ERROR, 400, "bad_request"));
        c.add(raw("chunk size beyond 64 bits", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Transfer-Encoding: chunked", "Connection: close"),
                ("ffffffffffffffffffff\r\n" + validPush() + "\r\n0\r\n\r\n").getBytes()), false, Expect.ERROR, 400,
                "bad_request"));
        c.add(raw("no last chunk, then end of stream", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Transfer-Encoding: chunked"), (hex + "\r\n" + validPush() + "\r\n").getBytes()), true, Expect.ERROR,
                400, "bad_request"));
        c.add(raw("chunk without its CRLF", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Transfer-Encoding: chunked", "Connection: close"), (hex + "\r\n" + validPush() + "0\r\n\r\n").getBytes()),
                false, Expect.NO_5XX, 0, null));
        c.add(raw("Content-Length and Transfer-Encoding both", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Content-Length: 5", "Transfer-Encoding: chunked", "Connection: close"),
                (hex + "\r\n" + validPush() + "\r\n0\r\n\r\n").getBytes()), false, Expect.ERROR, 400, null));
        c.add(raw("two different Content-Lengths", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Content-Length: 5", "Content-Length: 7", "Connection: close"), b), false, Expect.ERROR, 400, null));
        c.add(raw("negative Content-Length", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Content-Length: -5", "Connection: close"), b), false, Expect.ERROR, 400, null));
        c.add(raw("Content-Length not a number", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Content-Length: lots", "Connection: close"), b), false, Expect.ERROR, 400, null));
        c.add(raw("unknown Transfer-Encoding", concat(head("POST /v1/push HTTP/1.1", auth(), json,
                "Transfer-Encoding: gzip", "Connection: close"), b), false, Expect.NO_5XX, 0, null));
        c.add(raw("a request line of garbage", "GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false,
                Expect.NO_5XX, 0, null));
        c.add(raw("HTTP/2 preface on the HTTP/1.1 port",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false, Expect.NO_5XX, 0, null));
        c.add(raw("HTTP version 9.9", head("GET /v1/health HTTP/9.9", "Connection: close"), false, Expect.ERROR, 400,
                null));
        c.add(raw("header without a colon", head("GET /v1/pull HTTP/1.1", auth(), "NoColonHere", "Connection: close"),
                false, Expect.NO_5XX, 0, null));
        c.add(raw("header with a NUL", ("GET /v1/pull HTTP/1.1\r\nHost: x\r\nX-Evil: a\0b\r\n" + auth()
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), false, Expect.NO_5XX, 0,
                null));
        return c;
    }

    static List<Case> encodings() {
        List<Case> c = new ArrayList<>();
        String push = validPush();
        for (String cs : List.of("UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-32LE", "UTF-32BE")) {
            byte[] enc = push.getBytes(Charset.forName(cs));
            c.add(pushBytes("body in " + cs + " without a charset", enc, "application/json", Expect.ERROR, 415,
                    "unsupported_media_type"));
            c.add(pushBytes("body in " + cs + " with charset=" + cs, enc, "application/json; charset=" + cs,
                    Expect.ERROR, 415, "unsupported_media_type"));
        }
        byte[] bomLe = concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, push.getBytes(StandardCharsets.UTF_16LE));
        c.add(pushBytes("body in UTF-16LE with a byte order mark", bomLe, "application/json", Expect.ERROR, 415,
                "unsupported_media_type"));
        byte[] bom32 = concat(new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF}, push.getBytes(Charset.forName("UTF-32BE")));
        c.add(pushBytes("body in UTF-32BE with a byte order mark", bom32, "application/json", Expect.ERROR, 415,
                "unsupported_media_type"));
        byte[] utf8 = push.getBytes(StandardCharsets.UTF_8);
        c.add(pushBytes("UTF-8 body labelled charset=latin1", utf8, "application/json; charset=ISO-8859-1",
                Expect.ERROR, 415, "unsupported_media_type"));
        c.add(pushBytes("UTF-8 body labelled charset=utf-16", utf8, "application/json;charset=utf-16", Expect.ERROR,
                415, "unsupported_media_type"));
        c.add(pushBytes("content type application/jsonx", utf8, "application/jsonx", Expect.ERROR, 415,
                "unsupported_media_type"));
        c.add(pushBytes("content type application/json-patch+json", utf8, "application/json-patch+json",
                Expect.ERROR, 415, "unsupported_media_type"));
        c.add(pushBytes("content type application/jsonp; charset=utf-8", utf8, "application/jsonp; charset=utf-8",
                Expect.ERROR, 415, "unsupported_media_type"));
        c.add(pushBytes("content type text/json", utf8, "text/json", Expect.ERROR, 415, "unsupported_media_type"));
        c.add(pushBytes("content type application/x-www-form-urlencoded", utf8,
                "application/x-www-form-urlencoded", Expect.ERROR, 415, "unsupported_media_type"));
        c.add(pushBytes("content type multipart/form-data", utf8, "multipart/form-data; boundary=x", Expect.ERROR,
                415, "unsupported_media_type"));
        // Acceptable labels, with an empty push so that nothing is written.
        byte[] empty = "{\"clientId\":\"c\",\"ops\":[]}".getBytes(StandardCharsets.UTF_8);
        c.add(pushBytes("APPLICATION/JSON; CHARSET=UTF-8 is fine", empty, "APPLICATION/JSON; CHARSET=UTF-8", Expect.OK,
                200, null));
        c.add(pushBytes("application/json;charset=\"utf-8\" is fine", empty, "application/json;charset=\"utf-8\"",
                Expect.OK, 200, null));
        c.add(pushBytes("a UTF-8 byte order mark is allowed", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                empty), "application/json", Expect.OK, 200, null));
        // A surrogate encoded in UTF-8 (CESU-8) is not UTF-8.
        String prefix = "{\"clientId\":\"c\",\"ops\":[{\"opId\":\"" + UUID1 + "\",\"scope\":\"" + SCOPE
                + "\",\"type\":\"note\",\"id\":\"cesu\",\"kind\":\"upsert\",\"baseVersion\":0,\"data\":{\"t\":\"";
        byte[] cesu = concat(prefix.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                "\"}}]}".getBytes(StandardCharsets.UTF_8));
        c.add(pushBytes("a lone surrogate encoded as UTF-8 bytes", cesu, "application/json", Expect.ERROR, 400,
                "bad_request"));
        return c;
    }

    static List<Case> methodsAndPaths() {
        List<Case> c = new ArrayList<>();
        for (String m : List.of("PUT", "DELETE", "PATCH")) {
            c.add(new Case(m + " on /v1/push", t -> of(t.http().send(HttpRequest.newBuilder(
                    URI.create(t.http().base() + "/v1/push")).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .method(m, HttpRequest.BodyPublishers.ofString(validPush())).build())), Expect.ERROR, 0, null));
        }
        c.add(new Case("POST on /v1/pull", t -> of(t.http().post("/v1/pull", TOKEN, validPush().getBytes(),
                "application/json")), Expect.ERROR, 0, null));
        c.add(new Case("POST on /v1/health", t -> of(t.http().post("/v1/health", null, new byte[0], null)),
                Expect.ERROR, 0, null));
        c.add(raw("TRACE on /v1/pull", head("TRACE /v1/pull HTTP/1.1", auth(), "Connection: close"), false,
                Expect.NO_5XX, 0, null));
        c.add(raw("OPTIONS *", head("OPTIONS * HTTP/1.1", "Connection: close"), false, Expect.NO_5XX, 0, null));
        c.add(raw("CONNECT to another host", head("CONNECT example.com:443 HTTP/1.1", "Connection: close"), false,
                Expect.NO_5XX, 0, null));
        c.add(raw("a made-up method", head("FROB /v1/pull HTTP/1.1", auth(), "Connection: close"), false,
                Expect.NO_5XX, 0, null));
        for (String path : List.of("/v1/../admin/api/overview", "/v1/%2e%2e/admin/api/overview",
                "/v1/pull/../../admin/api/overview", "/..%2f..%2fetc%2fpasswd", "/v1/pull%00", "/v1//pull",
                "/v1/pull/", "/v1/PULL", "/%C0%AE%C0%AE/etc/passwd", "/v1/push;jsessionid=x", "/v2/pull", "/",
                "/v1", "/admin/api/../../v1/pull", "/v1/%ZZ", "http://evil.example/v1/pull")) {
            c.add(raw("GET " + path, head("GET " + path + " HTTP/1.1", auth(), "Connection: close"), false,
                    Expect.NO_5XX, 0, null));
        }
        c.add(raw("a URL of 100 KB", head("GET /v1/pull?cursor=" + "A".repeat(100_000) + " HTTP/1.1", auth(),
                "Connection: close"), false, Expect.NO_5XX, 0, null));
        c.add(raw("a header of 70 KB", head("GET /v1/pull HTTP/1.1", auth(), "X-Big: " + "b".repeat(70_000),
                "Connection: close"), false, Expect.NO_5XX, 0, null));
        List<String> many = new ArrayList<>(List.of(auth(), "Connection: close"));
        for (int i = 0; i < 3000; i++) {
            many.add("X-H" + i + ": v");
        }
        c.add(raw("3000 headers", head("GET /v1/pull HTTP/1.1", many.toArray(String[]::new)), false, Expect.NO_5XX,
                0, null));
        c.add(raw("an Authorization header of 70 KB", head("GET /v1/pull HTTP/1.1",
                "Authorization: Bearer " + "a".repeat(70_000), "Connection: close"), false, Expect.NO_5XX, 0, null));
        c.add(raw("a token of 9000 characters", head("GET /v1/pull HTTP/1.1",
                "Authorization: Bearer " + "a".repeat(9_000), "Connection: close"), false, Expect.ERROR, 401,
                "unauthorized"));
        c.add(raw("HEAD on /v1/pull", head("HEAD /v1/pull HTTP/1.1", auth(), "Connection: close"), false,
                Expect.NO_5XX, 0, null));
        c.add(error("the admin API with a token whose admin claim is the string \"true\"", t -> of(t.http().get(
                "/admin/api/overview", BadInputCorpusTest.signed("{\"alg\":\"HS256\"}", "{\"sub\":\"m\",\"scopes\":[],"
                + "\"exp\":" + (System.currentTimeMillis() / 1000 + 600) + ",\"admin\":\"true\"}"))), 401, "unauthorized"));
        c.add(error("the admin API with a token whose exp is null", t -> of(t.http().get("/admin/api/overview",
                BadInputCorpusTest.signed("{\"alg\":\"HS256\"}", "{\"sub\":\"m\",\"scopes\":[],\"exp\":null,"
                + "\"admin\":true}"))), 401, "unauthorized"));
        c.add(raw("two Authorization headers", head("GET /v1/pull HTTP/1.1", auth(),
                "Authorization: Bearer x.y.z", "Connection: close"), false, Expect.NO_5XX, 0, null));
        return c;
    }

    static List<Case> cursors() {
        List<Case> c = new ArrayList<>();
        for (String bad : List.of("v1", "v1.", "v1..", "v1.e30.", "v1.e30.AAAA", "v2.e30.AAAA", "....", "%00",
                "v1.%FF%FE.x", "v1.eyJzIjoiYSJ9.!!!!", "v1." + "e30".repeat(5000) + ".x",
                "v1.W10.AAAA" /* [] */, "v1.bnVsbA.AAAA" /* null */)) {
            c.add(error("cursor " + (bad.length() > 40 ? bad.substring(0, 40) + "..." : bad),
                    t -> of(t.http().get("/v1/pull?cursor=" + bad, TOKEN)), 400, "bad_cursor"));
        }
        c.add(error("cursor of another database", t -> of(t.http().get("/v1/pull?cursor="
                + URLEncoder.encode(t.foreignCursor(), StandardCharsets.UTF_8), TOKEN)), 400, "bad_cursor"));
        c.add(error("cursor with its signature cut", t -> {
            String good = t.http().get("/v1/pull", TOKEN).json().get("cursor").asText();
            return of(t.http().get("/v1/pull?cursor=" + URLEncoder.encode(good.substring(0, good.lastIndexOf('.') + 1),
                    StandardCharsets.UTF_8), TOKEN));
        }, 400, "bad_cursor"));
        c.add(error("cursor with its positions rewritten", t -> {
            String good = t.http().get("/v1/pull", ServerFixture.token("alice", SCOPE, "vault")).json().get("cursor")
                    .asText();
            String[] parts = good.split("\\.");
            String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            String forged = payload.replaceAll("\\d+", "0");
            String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
            return of(t.http().get("/v1/pull?cursor=" + URLEncoder.encode(tampered, StandardCharsets.UTF_8),
                    ServerFixture.token("alice", SCOPE)));
        }, 400, "bad_cursor"));
        c.add(new Case("a cursor of a token that holds the vault, used by a token that does not", t -> {
            String wide = t.http().get("/v1/pull?limit=1", ServerFixture.token("mallory", SCOPE, "vault")).json()
                    .get("cursor").asText();
            return of(t.http().get("/v1/pull?cursor=" + URLEncoder.encode(wide, StandardCharsets.UTF_8), TOKEN));
        }, Expect.OK, 200, null));
        c.add(error("limit beyond 64 bits and negative", t -> of(t.http().get("/v1/pull?limit=-9"
                + "9".repeat(30), TOKEN)), 400, "bad_request"));
        c.add(new Case("limit beyond 64 bits", t -> of(t.http().get("/v1/pull?limit=" + "9".repeat(30), TOKEN)),
                Expect.OK, 200, null));
        c.add(error("two cursors, one garbage", t -> of(t.http().get("/v1/pull?cursor=garbage&cursor=more", TOKEN)),
                400, "bad_cursor"));
        return c;
    }

    static List<Case> streams() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("stream with Accept: application/json", t -> stream(t, "application/json", TOKEN),
                Expect.NO_5XX, 0, null));
        c.add(raw("stream with Accept of control characters", ("GET /v1/stream HTTP/1.1\r\nHost: x\r\n" + auth()
                + "\r\nAccept: \u0001\u0002;;;\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                false, Expect.NO_5XX, 0, null));
        c.add(new Case("stream without a token", t -> stream(t, "text/event-stream", null), Expect.ERROR, 401,
                "unauthorized"));
        c.add(new Case("stream with a garbage token", t -> stream(t, "text/event-stream", "abc.def.ghi"),
                Expect.ERROR, 401, "unauthorized"));
        c.add(new Case("stream with a token whose exp is null", t -> stream(t, "text/event-stream",
                BadInputCorpusTest.signed("{\"alg\":\"HS256\"}", "{\"sub\":\"a\",\"scopes\":[],\"exp\":null}")),
                Expect.ERROR, 401, "unauthorized"));
        c.add(new Case("stream with a bad token and a bad Accept", t -> stream(t, "image/png", "x"), Expect.ERROR, 401,
                "unauthorized"));
        c.add(new Case("POST on /v1/stream", t -> of(t.http().post("/v1/stream", TOKEN, new byte[0], null)),
                Expect.ERROR, 0, null));
        return c;
    }

    /** An upsert in the corpus scope whose data is {@code dataJson} (raw JSON text). */
    private static String dataOp(String dataJson) {
        return op(UUID1, SCOPE, "note", "v", "upsert", 0, dataJson);
    }

    private static Case rejectedData(String name, String dataJson, String messagePart) {
        return new Case("data " + name, t -> {
            Reply r = of(t.http().push(TOKEN, body(dataOp(dataJson))));
            if (r.status() == 200) {
                assertThat(r.json().get("results").get(0).path("error").path("message").asText()).as(name)
                        .contains(messagePart);
            }
            return r;
        }, Expect.REJECTED, 200, "invalid_data");
    }

    private static Case unreadable(String name, String dataJson) {
        return new Case("data " + name, t -> of(t.http().push(TOKEN, body(dataOp(dataJson)))), Expect.ERROR, 400,
                "bad_request");
    }

    static List<Case> numbersAndStrings() {
        List<Case> c = new ArrayList<>();
        c.add(rejectedData("with a lone high surrogate", "{\"title\":\"\\ud800\"}",
                "string at data.title has a lone surrogate"));
        c.add(rejectedData("with a lone low surrogate", "{\"title\":\"x\\udc00y\"}", "data.title has a lone surrogate"));
        c.add(rejectedData("with a reversed surrogate pair", "{\"t\":\"\\ude00\\ud83d\"}", "lone surrogate"));
        c.add(rejectedData("with a high surrogate at the end", "{\"t\":\"abc\\ud83d\"}", "lone surrogate"));
        c.add(rejectedData("with a lone surrogate deep in an array", "{\"l\":[1,{\"m\":[\"ok\",\"\\udbff\"]}]}",
                "data.l[1].m[1]"));
        c.add(unreadable("with a lone low surrogate in a key", "{\"ok\":1,\"k\\udc00x\":1}"));
        c.add(unreadable("with a lone high surrogate in a key", "{\"k\\ud800\":1}"));
        c.add(rejectedData("with U+0000 in a string", "{\"t\":\"a\\u0000b\"}", "U+0000"));
        c.add(rejectedData("with 1e400000", "{\"n\":1e400000}", "number at data.n is beyond the range"));
        c.add(rejectedData("with -1E+400000", "{\"n\":-1E+400000}", "beyond the range"));
        c.add(rejectedData("with 1e309", "{\"a\":{\"n\":1e309}}", "number at data.a.n"));
        c.add(rejectedData("with 1.8e308", "{\"n\":1.8e308}", "beyond the range"));
        c.add(rejectedData("with an integer of 400 digits", "{\"n\":" + "9".repeat(400) + "}", "beyond the range"));
        c.add(rejectedData("with 1e-400000", "{\"n\":1e-400000}", "too small"));
        c.add(rejectedData("with 2e-324", "{\"n\":[2e-324]}", "number at data.n[0] is too small"));
        c.add(rejectedData("with many big exponents", "{\"a\":1e99999,\"b\":1e99999,\"c\":1e99999}",
                "number at data.a"));
        c.add(unreadable("with a number of 1001 digits", "{\"n\":" + "1".repeat(1001) + "}"));
        c.add(unreadable("with an exponent beyond 32 bits", "{\"n\":1e9999999999}"));
        c.add(unreadable("with a negative exponent beyond 32 bits", "{\"n\":1e-9999999999}"));
        c.add(unreadable("with NaN", "{\"n\":NaN}"));
        c.add(unreadable("with Infinity", "{\"n\":Infinity}"));
        c.add(unreadable("with -Infinity", "{\"n\":-Infinity}"));
        c.add(unreadable("with a leading zero", "{\"n\":01}"));
        c.add(unreadable("with a trailing point", "{\"n\":1.}"));
        c.add(unreadable("with a leading point", "{\"n\":.5}"));
        c.add(unreadable("with a plus sign", "{\"n\":+1}"));
        c.add(unreadable("with hexadecimal", "{\"n\":0x10}"));
        c.add(unreadable("with a bad escape", "{\"t\":\"\\x41\"}"));
        c.add(unreadable("with a short unicode escape", "{\"t\":\"\\u12\"}"));
        c.add(unreadable("with a raw control character", "{\"t\":\"a\u0001b\"}"));
        c.add(unreadable("with a single-quoted string", "{\"t\":'x'}"));
        c.add(unreadable("with a comment", "{\"t\":1 /* c */}"));
        c.add(unreadable("nested 2000 deep", "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}"));
        c.add(new Case("scope with a lone surrogate", t -> of(t.http().push(TOKEN, body(op(UUID1, "\\ud800", "note",
                "x", "upsert", 0, "{}")))), Expect.REJECTED, 200, "invalid_name"));
        c.add(new Case("id with a lone surrogate and control characters", t -> of(t.http().push(TOKEN, body(op(UUID1,
                SCOPE, "note", "\\udfff\\u0007\\u001b[31m", "upsert", 0, "{}")))), Expect.REJECTED, 200, "invalid_name"));
        c.add(new Case("type of 10,000 characters", t -> of(t.http().push(TOKEN, body(op(UUID1, SCOPE, "n".repeat(10_000),
                "x", "upsert", 0, "{}")))), Expect.REJECTED, 200, "invalid_name"));
        c.add(new Case("id in another script", t -> of(t.http().push(TOKEN, body(op(UUID1, SCOPE, "note",
                "\u0434\u043e\u043a", "upsert", 0, "{}")))), Expect.REJECTED, 200, "invalid_name"));
        c.add(new Case("id of dots", t -> of(t.http().push(TOKEN, body(op(UUID1, SCOPE, "note", "..", "upsert", 0,
                "{}")))), Expect.REJECTED, 200, "invalid_name"));
        c.add(new Case("scope of 65 characters", t -> of(t.http().push(TOKEN, body(op(UUID1, "s".repeat(65), "note",
                "x", "upsert", 0, "{}")))), Expect.REJECTED, 200, "invalid_name"));
        c.add(error("the same opId twice in one push", t -> of(t.http().push(TOKEN, body(
                op(UUID1, SCOPE, "note", "a", "upsert", 0, "{}"), op(UUID1, SCOPE, "note", "b", "upsert", 0, "{}")))),
                400, "bad_request"));
        return c;
    }

    /** Opens a stream, reads its status (and error body, if any), and closes it. */
    private static Reply stream(Target t, String accept, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.http().base() + "/v1/stream"))
                .timeout(Duration.ofSeconds(10)).header("Accept", accept).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<InputStream> r = STREAMS.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() == 200) {
                return new Reply(200, null, "");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            JsonNode json = null;
            try {
                json = Json.parse(text);
            } catch (RuntimeException notJson) {
                // checked by the caller
            }
            return new Reply(r.statusCode(), json, text);
        }
    }

    private static final HttpClient STREAMS = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Every case: this suite's and the corpus of {@link BadInputCorpusTest}. */
    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        BadInputCorpusTest.corpus().forEach(k -> all.add(new Case("corpus: " + k.name(),
                t -> of(k.send().apply(t.http())), k.status() == 200 ? Expect.REJECTED : Expect.ERROR,
                k.status() == 404 && k.code() == null ? 0 : k.status(), k.code())));
        all.addAll(framing());
        all.addAll(encodings());
        all.addAll(numbersAndStrings());
        all.addAll(methodsAndPaths());
        all.addAll(cursors());
        all.addAll(streams());
        return all.stream();
    }

    /** The checks, run against one server; the nested classes say which store. */
    abstract static class Cases implements Target {
        SyncServer server;
        private TestHttp http;
        private String foreignCursor;
        private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
        private int canaries;

        abstract SyncServer start() throws Exception;

        abstract void stop() throws Exception;

        @Override
        public TestHttp http() {
            return http;
        }

        @Override
        public int port() {
            return server.port();
        }

        @Override
        public String foreignCursor() {
            return foreignCursor;
        }

        @BeforeAll
        void up() throws Exception {
            Path other = Files.createTempDirectory("syncline-foreign");
            try (SyncServer foreign = SyncServer.builder().port(0).dataDir(other).jwtSecret(ServerFixture.SECRET)
                    .start()) {
                foreignCursor = new TestHttp(foreign.url()).get("/v1/pull", TOKEN).json().get("cursor").asText();
            } finally {
                try (var files = Files.walk(other)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            server = start();
            http = new TestHttp(server.url());
            TestHttp.Response vault = http().push(ServerFixture.token("keeper", "vault"), body(op(
                    UUID.randomUUID().toString(), "vault", "note", "v1", "upsert", 0,
                    "{\"secret\":\"" + VAULT_MARKER + "\"}")));
            assertThat(vault.status()).as(vault.body()).isEqualTo(200);
            logs.start();
            root().addAppender(logs);
        }

        @AfterAll
        void down() throws Exception {
            root().detachAppender(logs);
            if (server != null) {
                server.close();
            }
            stop();
        }

        private static ch.qos.logback.classic.Logger root() {
            return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("dev.syncline.server.http.HostileInputTest#cases")
        void hostileInput_getsNo5xxAClearErrorAndChangesNothing(Case c) throws Exception {
            Reply r = c.send().send(this);
            String what = c.name() + " -> " + r.status() + " " + abbreviate(r.body());
            assertThat(r.status()).as(what).isBetween(200, 499);
            assertThat(r.body()).as("leaks nothing of another scope: " + what).doesNotContain(VAULT_MARKER);
            switch (c.expect()) {
                case ERROR -> {
                    if (c.status() == 0) {
                        assertThat(r.status()).as(what).isBetween(400, 499);
                    } else {
                        assertThat(r.status()).as(what).isEqualTo(c.status());
                    }
                    assertErrorBody(r.json() == null ? null : r.json().get("error"), c.code(), what);
                }
                case REJECTED -> {
                    assertThat(r.status()).as(what).isEqualTo(200);
                    JsonNode first = r.json().get("results").get(0);
                    assertThat(first.get("status").asText()).as(what).isEqualTo("rejected");
                    assertErrorBody(first.get("error"), c.code(), what);
                }
                case OK -> {
                    assertThat(r.status()).as(what).isEqualTo(200);
                    assertThat(r.json()).as(what).isNotNull();
                }
                case NO_5XX -> {
                    // Where the server's own handlers answer an error, it is the JSON shape.
                    if (r.status() >= 400 && r.json() != null) {
                        assertErrorBody(r.json().get("error"), null, what);
                    }
                }
            }
        }

        @Test
        void unstorableValues_areRejectedPerOp_andTheRestOfTheBatchApplies() {
            String token = ServerFixture.token("writer", "values");
            String good1 = TestHttp.upsert("values", "good-1", 0, "{\"n\":1e300,\"t\":\"\\ud83d\\ude00\"}");
            String good2 = TestHttp.upsert("values", "good-2", 0, "{\"n\":-4.9e-324}");
            TestHttp.Response r = http.push(token, body(
                    TestHttp.upsert("values", "surrogate", 0, "{\"title\":\"\\ud800\"}"), good1,
                    TestHttp.upsert("values", "huge", 0, "{\"n\":1e400000}"),
                    TestHttp.upsert("values", "nul", 0, "{\"t\":\"\\u0000\"}"), good2));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            List<String> statuses = new ArrayList<>();
            r.json().get("results").forEach(x -> statuses.add(x.get("status").asText()));
            assertThat(statuses).containsExactly("rejected", "applied", "rejected", "rejected", "applied");
            JsonNode results = r.json().get("results");
            assertThat(results.get(0).get("error").get("message").asText())
                    .isEqualTo("string at data.title has a lone surrogate (\\ud800 at character 0), which is not Unicode text");
            assertThat(results.get(2).get("error").get("code").asText()).isEqualTo("invalid_data");
            TestHttp.Response pull = http.get("/v1/pull", token);
            List<String> ids = new ArrayList<>();
            pull.json().get("changes").forEach(x -> ids.add(x.get("id").asText()));
            assertThat(ids).containsExactly("good-1", "good-2");
        }

        @Test
        void pulledData_isTheTextAsSent_neverExpanded() {
            String token = ServerFixture.token("writer", "numbers");
            String data = "{\"z\": 1e300, \"a\": [1E+307, -1.5e-300, 0.10], \"m\": 123456789012345678901234567890.5}";
            TestHttp.Response r = http.push(token, body(TestHttp.upsert("numbers", "n1", 0, data)));
            assertThat(r.json().get("results").get(0).get("status").asText()).as(r.body()).isEqualTo("applied");
            TestHttp.Response pull = http.get("/v1/pull", token);
            assertThat(pull.body()).contains("\"data\":" + data);
            assertThat(pull.body().length()).isLessThan(600);
        }

        @Test
        void pulledChangesAndConflicts_carryTheOpIdThatProducedTheVersion() {
            String token = ServerFixture.token("writer", "echo");
            String create = UUID.randomUUID().toString();
            String update = UUID.randomUUID().toString();
            http.push(token, body(op(create, "echo", "note", "e", "upsert", 0, "{\"v\":1}")));
            TestHttp.Response first = http.get("/v1/pull", token);
            assertThat(first.json().get("changes").get(0).get("opId").asText()).isEqualTo(create);
            http.push(token, body(op(update, "echo", "note", "e", "upsert", 1, "{\"v\":2}")));
            TestHttp.Response second = http.get("/v1/pull", token);
            assertThat(second.json().get("changes").get(0).get("opId").asText()).isEqualTo(update);
            TestHttp.Response stale = http.push(token, body(TestHttp.upsert("echo", "e", 1, "{\"v\":3}")));
            JsonNode current = stale.json().get("results").get(0).get("current");
            assertThat(current.get("version").asLong()).isEqualTo(2);
            assertThat(current.get("opId").asText()).isEqualTo(update);
        }

        private static void assertErrorBody(JsonNode error, String code, String what) {
            assertThat(error).as("JSON error body: " + what).isNotNull();
            assertThat(error.path("code").asText()).as(what).matches("[a-z0-9_]+");
            assertThat(error.path("message").asText()).as(what).isNotBlank();
            if (code != null) {
                assertThat(error.get("code").asText()).as(what).isEqualTo(code);
            }
        }

        /** After every case: nothing stored, no error logged, and the server still serves. */
        @AfterEach
        void nothingStoredNothingLoggedStillHealthy() {
            TestHttp http = http();
            TestHttp.Response feed = http.get("/v1/pull", ServerFixture.token("auditor", SCOPE, "team-2", "team-1x",
                    "alice-private"));
            assertThat(feed.status()).as(feed.body()).isEqualTo(200);
            assertThat(feed.json().get("changes")).as("nothing stored: " + feed.body()).isEmpty();
            TestHttp.Response vault = http.get("/v1/pull", ServerFixture.token("keeper", "vault"));
            assertThat(vault.json().get("changes")).as("the vault is untouched").hasSize(1);
            assertThat(vault.json().get("changes").get(0).get("version").asLong()).isEqualTo(1);
            List<ILoggingEvent> bad;
            synchronized (logs) {
                bad = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR)
                        || (e.getLevel().isGreaterOrEqual(Level.WARN) && e.getThrowableProxy() != null)).toList();
                logs.list.clear();
            }
            assertThat(bad).as("logged as a server error").extracting(ILoggingEvent::getFormattedMessage).isEmpty();
            assertThat(http.get("/v1/health", null).status()).isEqualTo(200);
            String canary = ServerFixture.token("canary", "canary");
            String id = "c" + (++canaries);
            TestHttp.Response push = http.push(canary, body(TestHttp.upsert("canary", id, 0, "{\"ok\":true}")));
            assertThat(push.status()).as(push.body()).isEqualTo(200);
            assertThat(push.json().get("results").get(0).get("status").asText()).isEqualTo("applied");
            TestHttp.Response pull = http.get("/v1/pull", canary);
            assertThat(pull.json().get("changes")).hasSize(canaries);
        }

        private static String abbreviate(String s) {
            return s.length() > 300 ? s.substring(0, 300) + "..." : s;
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnSqlite extends Cases {
        private Path dir;

        @Override
        SyncServer start() throws Exception {
            dir = Files.createTempDirectory("syncline-hostile");
            return SyncServer.builder().port(0).dataDir(dir).jwtSecret(ServerFixture.SECRET).start();
        }

        @Override
        void stop() throws Exception {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnPostgres extends Cases {
        private PostgresTestDatabase db;

        @Override
        SyncServer start() throws Exception {
            db = PostgresTestDatabase.create();
            return SyncServer.builder().port(0).postgres(db.url()).postgresPoolSize(3).jwtSecret(ServerFixture.SECRET)
                    .start();
        }

        @Override
        void stop() throws Exception {
            if (db != null) {
                db.close();
            }
        }
    }
}
