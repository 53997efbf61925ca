package dev.syncline.server.internal.http;

import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.ErrorBody;
import dev.syncline.core.protocol.PushRequest;
import dev.syncline.core.protocol.PushResponse;
import dev.syncline.core.protocol.PushResult;
import dev.syncline.server.internal.service.AdminService;
import dev.syncline.server.internal.service.Meters;
import dev.syncline.server.internal.service.Notifier;
import dev.syncline.server.internal.service.Principal;
import dev.syncline.server.internal.service.SyncService;
import dev.syncline.server.internal.store.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the server: protocol v1 under {@code /v1}, {@code /metrics}, and the admin
 * page ({@code /admin}, whose data comes from {@code /admin/api/overview} for admin tokens only);
 * routes, authentication, body limits and the mapping of every failure to
 * {@code {"error": {"code", "message"}}}. No SQL here; the work is done by {@link SyncService} and
 * {@link AdminService}. Thread-safe once built.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String PRINCIPAL = "syncline.principal";
    private static final String JSON = "application/json";
    private static final String COUNTED = "syncline.counted";
    private static final long DRAIN_MILLIS = 10_000;
    /** Largest oversized body read and discarded so that its sender sees the 413. */
    private static final long DRAIN_LIMIT = 32L * 1024 * 1024;

    /**
     * Limits of one request.
     *
     * @param maxOpsPerPush most ops in one push
     * @param maxRequestBytes largest push body
     * @param maxPullLimit largest page
     */
    public record Limits(int maxOpsPerPush, long maxRequestBytes, int maxPullLimit) {
    }

    private final SyncService service;
    private final AdminService admin;
    private final AdminPage adminPage = AdminPage.load();
    private final Authenticator auth;
    private final StreamHub hub;
    private final PushParser parser;
    private final Limits limits;
    private final PrometheusMeterRegistry metrics;
    private final Javalin app;
    private final Timer pushTimer;
    private final Timer pullTimer;
    private final Map<Class<?>, Counter> opCounters;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    /** Builds the routes; {@link #start} binds the port. */
    public HttpApi(SyncService service, AdminService admin, Authenticator auth, Notifier notifier, Clock clock,
            Duration heartbeat, Limits limits, PrometheusMeterRegistry metrics) {
        this.service = service;
        this.admin = admin;
        this.auth = auth;
        this.hub = new StreamHub(notifier, clock, heartbeat);
        this.parser = new PushParser(limits.maxOpsPerPush());
        this.limits = limits;
        this.metrics = metrics;
        this.pushTimer = Timer.builder(Meters.PUSH).description("push requests").register(metrics);
        this.pullTimer = Timer.builder(Meters.PULL).description("pull requests").register(metrics);
        this.opCounters = Map.of(
                PushResult.Applied.class, opCounter("applied"),
                PushResult.Conflict.class, opCounter("conflict"),
                PushResult.Rejected.class, opCounter("rejected"));
        Gauge.builder(Meters.STREAM_CLIENTS, hub, StreamHub::size).description("open /v1/stream connections")
                .register(metrics);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = limits.maxRequestBytes();
            config.jetty.modifyServer(server -> {
                server.setStopTimeout(10_000);
                server.setErrorHandler(new JsonErrorHandler());
            });
            // Cursors carry a position per scope; leave room for tokens with many scopes.
            config.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(64 * 1024));
            config.jetty.modifyServletContextHandler(handler -> handler.addFilter(
                    new FilterHolder(new EventStreamAcceptFilter()), "/v1/stream", EnumSet.of(DispatcherType.REQUEST)));
            config.http.prefer405over404 = true;
            config.routes.before(this::admit);
            config.routes.after(ctx -> {
                if (ctx.attribute(COUNTED) != null) {
                    inFlight.decrementAndGet();
                }
            });
            config.routes.before("/v1/*", this::authenticate);
            config.routes.post("/v1/push", this::push);
            config.routes.get("/v1/pull", this::pull);
            config.routes.sse("/v1/stream", client -> hub.accept(client, client.ctx().attribute(PRINCIPAL)));
            config.routes.get("/v1/health", this::health);
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            config.routes.get("/admin", this::adminPage);
            config.routes.before("/admin/api/*", this::authenticateAdmin);
            config.routes.get("/admin/api/overview", ctx -> {
                ctx.header("Cache-Control", "no-store");
                json(ctx, 200, admin.overview());
            });
            config.routes.exception(ApiException.class, (e, ctx) -> {
                // The client's mistake, answered in full: worth a debug line, never a stack trace.
                log.debug("{} {} refused: {} {}: {}", ctx.method(), ctx.path(), e.status(), e.code(), e.getMessage());
                error(ctx, e.status(), e.code(), e.getMessage());
            });
            config.routes.exception(InvalidInputException.class,
                    (e, ctx) -> error(ctx, 400, e.code(), e.getMessage()));
            config.routes.exception(StoreUnavailableException.class, (e, ctx) -> {
                log.warn("store unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
                ctx.header("Retry-After", "1");
                error(ctx, 503, "unavailable", "the database is unavailable; retry later");
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                int clientStatus = clientFault(e);
                if (clientStatus > 0) {
                    // Framing or EOF trouble met outside readBody: still the client's, never a 500.
                    log.debug("{} {} refused: {}: {}", ctx.method(), ctx.path(), clientStatus, e.toString());
                    String reason = org.eclipse.jetty.http.HttpStatus.getMessage(clientStatus);
                    String code = clientStatus == 400 || reason == null ? "bad_request"
                            : reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
                    error(ctx, clientStatus, code, "the request could not be read: " + e.getMessage());
                    return;
                }
                log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal_error", "unexpected server error; see the server log");
            });
            config.routes.error(404, ctx -> error(ctx, 404, "not_found",
                    "no such endpoint: " + ctx.method() + " " + ctx.path()));
            config.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed",
                    ctx.method() + " is not allowed on " + ctx.path()));
        });
    }

    /**
     * @return the 4xx status for a failure that came from reading a broken or short request (an
     *     EOF in the body, a bad chunk), else 0
     */
    private static int clientFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
                return h.getCode();
            }
            // Jetty's own EOF only: a plain EOFException could come from a database driver (a server fault).
            if (t instanceof org.eclipse.jetty.io.EofException) {
                return 400;
            }
        }
        return 0;
    }

    private Counter opCounter(String status) {
        return Counter.builder(Meters.PUSH_OPS).tag("status", status).description("pushed operations by result")
                .register(metrics);
    }

    /** Binds {@code host:port} (0 picks a free port) and starts serving. */
    public void start(String host, int port) {
        app.start(host, port);
    }

    /** @return the bound port */
    public int port() {
        return app.port();
    }

    /** Counts requests in flight (streams excepted) and turns new ones away while draining. */
    private void admit(Context ctx) {
        if (draining) {
            ctx.header("Connection", "close");
            throw new ApiException(503, "shutting_down", "the server is shutting down; retry on another instance");
        }
        if (!ctx.path().equals("/v1/stream")) {
            inFlight.incrementAndGet();
            ctx.attribute(COUNTED, Boolean.TRUE);
        }
    }

    private void authenticate(Context ctx) {
        if (ctx.path().equals("/v1/health")) {
            return;
        }
        Principal p = auth.authenticate(ctx.header("Authorization"));
        ctx.attribute(PRINCIPAL, p);
    }

    /** Admin API: a valid token (else 401) that carries {@code "admin": true} (else 403). */
    private void authenticateAdmin(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        Principal p = auth.authenticate(ctx.header("Authorization"));
        if (!p.admin()) {
            throw new ApiException(403, "forbidden", "this endpoint needs an admin token (a JWT with the claim"
                    + " \"admin\": true, as printed by syncline token --admin); the token of user " + p.userId()
                    + " has no such claim");
        }
        ctx.attribute(PRINCIPAL, p);
    }

    /** The admin page's HTML shell: no data, no auth (its script asks for a token and fetches the data). */
    private void adminPage(Context ctx) {
        ctx.header("Content-Security-Policy", adminPage.contentSecurityPolicy());
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.status(200).contentType("text/html; charset=utf-8").result(adminPage.html());
    }

    private void push(Context ctx) throws IOException {
        Timer.Sample sample = Timer.start(metrics);
        requireJsonContentType(ctx.contentType());
        byte[] body = readBody(ctx);
        PushParser.Parsed parsed = parser.parse(body);
        PushResponse response = service.push(ctx.attribute(PRINCIPAL), parsed.request(), parsed.dataJson());
        for (PushResult r : response.results()) {
            opCounters.get(r.getClass()).increment();
        }
        json(ctx, 200, response);
        sample.stop(pushTimer);
    }

    /**
     * A push body is {@code application/json} exactly (any case), with parameters allowed but a
     * {@code charset} only when it is UTF-8. A missing header is read as JSON (documented).
     */
    static void requireJsonContentType(String type) {
        if (type == null || type.isBlank()) {
            return;
        }
        String[] parts = type.split(";");
        String media = parts[0].trim();
        if (!media.equalsIgnoreCase(JSON)) {
            throw new ApiException(415, "unsupported_media_type", "push body must be application/json, not "
                    + shorten(media));
        }
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0 || !parts[i].substring(0, eq).trim().equalsIgnoreCase("charset")) {
                continue;
            }
            String charset = parts[i].substring(eq + 1).trim();
            if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
                charset = charset.substring(1, charset.length() - 1);
            }
            if (!charset.equalsIgnoreCase("utf-8")) {
                throw new ApiException(415, "unsupported_media_type", "push body must be UTF-8; charset="
                        + shorten(charset) + " is not supported");
            }
        }
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /**
     * Reads the whole body. A body that ends before its Content-Length, or whose chunked framing is
     * broken, surfaces from Jetty as an {@link IOException} (an {@code EofException}) or a
     * {@link HttpException}: the client's fault, answered 400, not a server error.
     */
    private byte[] readBody(Context ctx) {
        try {
            return readBodyBytes(ctx);
        } catch (IOException e) {
            throw brokenBody(e);
        } catch (RuntimeException e) {
            if (e instanceof HttpException) {
                throw brokenBody(e);
            }
            throw e;
        }
    }

    private static ApiException brokenBody(Exception e) {
        return ApiException.badRequest("the request body is incomplete or its framing is broken (it ended before"
                + " its Content-Length, or a chunk size was wrong): " + e.getMessage());
    }

    private byte[] readBodyBytes(Context ctx) throws IOException {
        long max = limits.maxRequestBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > DRAIN_LIMIT) {
            ctx.header("Connection", "close");
            throw tooLarge(max);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 1024), max));
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) != -1) {
                total += n;
                if (total > max) {
                    // Read the rest (up to a bound) so the client, still sending, gets to read the 413.
                    while (total <= DRAIN_LIMIT && (n = in.read(buf)) != -1) {
                        total += n;
                    }
                    throw tooLarge(max);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static ApiException tooLarge(long max) {
        return new ApiException(413, "request_too_large", "push body exceeds " + max + " bytes");
    }

    private void pull(Context ctx) {
        Timer.Sample sample = Timer.start(metrics);
        int limit = limits.maxPullLimit();
        String rawLimit = ctx.queryParam("limit");
        if (rawLimit != null) {
            try {
                limit = Integer.parseInt(rawLimit.trim());
            } catch (NumberFormatException e) {
                // A huge but well-formed number is still "above 1000".
                if (!rawLimit.trim().matches("\\+?\\d+")) {
                    throw ApiException.badRequest("limit must be an integer from 1 to " + limits.maxPullLimit()
                            + ", got '" + rawLimit + "'");
                }
                limit = limits.maxPullLimit();
            }
            if (limit < 1) {
                throw ApiException.badRequest("limit must be at least 1, got " + limit);
            }
            limit = Math.min(limit, limits.maxPullLimit());
        }
        String cursor = ctx.queryParam("cursor");
        if (cursor != null && cursor.isEmpty()) {
            cursor = null;
        }
        SyncService.FeedResponse page = service.pull(ctx.attribute(PRINCIPAL), cursor, limit);
        json(ctx, 200, page);
        sample.stop(pullTimer);
    }

    private void health(Context ctx) {
        if (service.healthy()) {
            json(ctx, 200, Map.of("status", "ok"));
        } else {
            ctx.header("Retry-After", "1");
            json(ctx, 503, Map.of("status", "unavailable",
                    "error", Map.of("code", "unavailable", "message", "the database cannot be reached")));
        }
    }

    private static void error(Context ctx, int status, String code, String message) {
        if (status == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        json(ctx, status, ErrorBody.of(code, message));
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType(JSON).result(Json.writeBytes(body));
    }

    /**
     * Drains: new requests get 503, requests in flight get up to 10 s to finish; then closes open
     * streams and stops the HTTP server.
     */
    @Override
    public void close() {
        draining = true;
        long deadline = System.nanoTime() + DRAIN_MILLIS * 1_000_000;
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            log.warn("stopping with {} requests still in flight after {} ms", inFlight.get(), DRAIN_MILLIS);
        }
        hub.close();
        app.stop();
    }
}
