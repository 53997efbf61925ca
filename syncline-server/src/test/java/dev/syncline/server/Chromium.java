package dev.syncline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.Json;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A headless Chromium for tests, driven through the Chrome DevTools Protocol over the JDK's
 * WebSocket client: open a tab, type into it and click as a user would, evaluate JavaScript to read
 * the rendered DOM, take screenshots. No driver binaries, no extra dependencies.
 *
 * <p>The browser is found on {@code PATH} ({@code chromium}, {@code chromium-browser},
 * {@code google-chrome}, {@code google-chrome-stable}) or at the path in the system property
 * {@code syncline.test.chromium}. When there is none, {@link #launch()} fails with a message that
 * says how to install one: a missing browser must fail the build, never skip the test.
 *
 * <p>Thread-safe for one test thread plus the WebSocket's own.
 */
public final class Chromium implements AutoCloseable {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final Path log;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, Tab> tabs = new ConcurrentHashMap<>();

    private Chromium(Process process, Path profile, Path log, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.log = log;
        this.socket = socket;
    }

    /**
     * @return the browser executable to use
     * @throws AssertionError when none is found, saying how to install one
     */
    public static Path find() {
        String configured = System.getProperty("syncline.test.chromium");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (!Files.isExecutable(p)) {
                throw new AssertionError("-Dsyncline.test.chromium=" + configured + " is not an executable file");
            }
            return p;
        }
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        for (String name : NAMES) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new AssertionError("No Chromium found: looked for " + String.join(", ", NAMES) + " on PATH (" + path
                + "). The admin page's browser test needs a headless Chromium: install Debian's package with"
                + " 'apt-get install -y chromium' (.ci/run does this when it is missing), or point"
                + " -Dsyncline.test.chromium at a Chrome or Chromium executable.");
    }

    /**
     * Starts a headless browser with a fresh, throwaway profile.
     *
     * @throws AssertionError when no browser is found or it does not start
     */
    public static Chromium launch() throws IOException, InterruptedException {
        Path exe = find();
        Path profile = Files.createTempDirectory("syncline-chromium");
        Path log = Files.createTempFile("syncline-chromium", ".log");
        List<String> cmd = List.of(exe.toString(),
                "--headless",
                // Containers and CI run as root, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--mute-audio",
                "--lang=en-US",
                "--window-size=1280,900",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank");
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // Chromium writes the port it picked and the browser's WebSocket path into this file.
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> lines = List.of();
            while (lines.size() < 2) {
                if (!process.isAlive()) {
                    throw new AssertionError("Chromium (" + exe + ") exited with " + process.exitValue()
                            + " before opening its DevTools port; its output:\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Chromium (" + exe + ") did not open its DevTools port within 60 s;"
                            + " its output:\n" + tail(log));
                }
                Thread.sleep(50);
                if (Files.exists(portFile)) {
                    lines = Files.readAllLines(portFile, StandardCharsets.UTF_8);
                }
            }
            URI ws = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
            Chromium[] self = new Chromium[1];
            Listener listener = new Listener(json -> {
                if (self[0] != null) {
                    self[0].dispatch(json);
                }
            });
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(ws, listener).get(30, TimeUnit.SECONDS);
            self[0] = new Chromium(process, profile, log, socket);
            return self[0];
        } catch (ExecutionException | TimeoutException | RuntimeException | Error e) {
            process.destroyForcibly();
            deleteTree(profile);
            if (e instanceof AssertionError ae) {
                throw ae;
            }
            throw new AssertionError("cannot connect to Chromium's DevTools: " + e + "\n" + tail(log), e);
        }
    }

    /** Collects a message's fragments and hands each whole message on. */
    private static final class Listener implements WebSocket.Listener {
        private final java.util.function.Consumer<JsonNode> sink;
        private final StringBuilder partial = new StringBuilder();

        Listener(java.util.function.Consumer<JsonNode> sink) {
            this.sink = sink;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                sink.accept(Json.parse(text));
            }
            ws.request(1);
            return null;
        }
    }

    private void dispatch(JsonNode msg) {
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asLong());
            if (f != null) {
                if (msg.has("error")) {
                    f.completeExceptionally(new AssertionError("DevTools error: " + msg.get("error")));
                } else {
                    f.complete(msg.get("result"));
                }
            }
            return;
        }
        JsonNode session = msg.get("sessionId");
        Tab tab = session == null ? null : tabs.get(session.asText());
        if (tab != null) {
            tab.onEvent(msg.get("method").asText(), msg.get("params"));
        }
    }

    private JsonNode send(String sessionId, String method, Object params) {
        long id = ids.incrementAndGet();
        ObjectNode msg = Json.mapper().createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", Json.mapper().valueToTree(params == null ? Map.of() : params));
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        try {
            synchronized (socket) {
                // One send at a time: the JDK WebSocket refuses overlapping sends.
                socket.sendText(Json.write(msg), true).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            return f.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError ae) {
                throw new AssertionError(method + ": " + ae.getMessage(), ae);
            }
            throw new AssertionError(method + " failed: " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new AssertionError(method + " got no answer within " + COMMAND_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + method, e);
        } finally {
            pending.remove(id);
        }
    }

    /**
     * Opens a new tab (1280×900) at {@code url} and waits until the page has loaded.
     *
     * @return the tab; close it when done
     */
    public Tab open(String url) {
        String targetId = send(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        String sessionId = send(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true))
                .get("sessionId").asText();
        Tab tab = new Tab(targetId, sessionId);
        tabs.put(sessionId, tab);
        tab.send("Runtime.enable", null);
        tab.send("Page.enable", null);
        tab.send("Emulation.setDeviceMetricsOverride",
                Map.of("width", 1280, "height", 900, "deviceScaleFactor", 1, "mobile", false));
        // Record Content-Security-Policy violations from the page's first moment (CDP scripts are exempt).
        tab.send("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "window.__cspViolations = [];"
                + "document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push("
                + "e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));"));
        tab.send("Page.bringToFront", null);
        tab.navigate(url);
        return tab;
    }

    /** One browser tab. */
    public final class Tab implements AutoCloseable {
        private final String targetId;
        private final String sessionId;
        private final List<String> exceptions = new CopyOnWriteArrayList<>();

        private Tab(String targetId, String sessionId) {
            this.targetId = targetId;
            this.sessionId = sessionId;
        }

        private JsonNode send(String method, Object params) {
            return Chromium.this.send(sessionId, method, params);
        }

        private void onEvent(String method, JsonNode params) {
            if (method.equals("Runtime.exceptionThrown")) {
                JsonNode d = params.get("exceptionDetails");
                JsonNode ex = d.get("exception");
                exceptions.add(d.get("text").asText() + (ex != null && ex.has("description")
                        ? " " + ex.get("description").asText() : ""));
            }
        }

        /** Loads {@code url} in this tab and waits for its load event. */
        public void navigate(String url) {
            JsonNode r = send("Page.navigate", Map.of("url", url));
            if (r.has("errorText")) {
                throw new AssertionError("cannot load " + url + ": " + r.get("errorText").asText());
            }
            waitUntil("document.readyState === 'complete' && location.href !== 'about:blank'",
                    Duration.ofSeconds(30), "page " + url + " loaded");
        }

        /**
         * Evaluates {@code expression} in the page (promises are awaited).
         *
         * @return its value as JSON (null when undefined)
         * @throws AssertionError when it throws
         */
        public JsonNode eval(String expression) {
            JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                    "awaitPromise", true));
            if (r.has("exceptionDetails")) {
                JsonNode d = r.get("exceptionDetails");
                JsonNode ex = d.get("exception");
                throw new AssertionError("script failed: " + (ex != null && ex.has("description")
                        ? ex.get("description").asText() : d.get("text").asText()) + "\nin: " + expression);
            }
            return r.get("result").get("value");
        }

        /**
         * Polls {@code condition} (a JavaScript expression) until it is true.
         *
         * @throws AssertionError after {@code timeout}, with what the page shows at that moment
         */
        public void waitUntil(String condition, Duration timeout, String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                JsonNode v = eval("(() => { try { return !!(" + condition + "); } catch (e) { return false; } })()");
                if (v != null && v.asBoolean()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    JsonNode text = eval("document.body ? document.body.innerText.slice(0, 3000) : '(no body)'");
                    throw new AssertionError("waited " + timeout.toSeconds() + " s for: " + what + " (" + condition
                            + ")\npage exceptions: " + exceptions + "\npage text:\n" + (text == null ? "" : text.asText()));
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }

        /** Focuses the element at {@code selector} and types {@code text} into it, as a keyboard would. */
        public void type(String selector, String text) {
            eval("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                    + " if (!e) throw new Error('no element ' + " + Json.write(selector) + "); e.focus(); })()");
            send("Input.insertText", Map.of("text", text));
        }

        /** Clicks the middle of the element at {@code selector} with the mouse. */
        public void click(String selector) {
            JsonNode box = eval("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                    + " if (!e) throw new Error('no element ' + " + Json.write(selector) + ");"
                    + " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                    + " return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}; })()");
            if (box.get("w").asDouble() == 0 || box.get("h").asDouble() == 0) {
                throw new AssertionError("element " + selector + " is not visible, cannot click it");
            }
            double x = box.get("x").asDouble();
            double y = box.get("y").asDouble();
            send("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
            send("Input.dispatchMouseEvent", Map.of("type", "mousePressed", "x", x, "y", y, "button", "left",
                    "clickCount", 1));
            send("Input.dispatchMouseEvent", Map.of("type", "mouseReleased", "x", x, "y", y, "button", "left",
                    "clickCount", 1));
        }

        /** Saves a PNG of the whole page (not only the visible part) to {@code file}. */
        public void screenshot(Path file) throws IOException {
            JsonNode metrics = send("Page.getLayoutMetrics", null);
            int height = (int) Math.ceil(metrics.get("cssContentSize").get("height").asDouble());
            send("Emulation.setDeviceMetricsOverride",
                    Map.of("width", 1280, "height", Math.max(900, height), "deviceScaleFactor", 1, "mobile", false));
            try {
                String data = send("Page.captureScreenshot", Map.of("format", "png")).get("data").asText();
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.write(file, Base64.getDecoder().decode(data));
            } finally {
                send("Emulation.setDeviceMetricsOverride",
                        Map.of("width", 1280, "height", 900, "deviceScaleFactor", 1, "mobile", false));
            }
        }

        /** @return uncaught JavaScript exceptions the page threw so far */
        public List<String> exceptions() {
            return new ArrayList<>(exceptions);
        }

        /** @return Content-Security-Policy violations the page caused so far */
        public List<String> cspViolations() {
            JsonNode v = eval("window.__cspViolations || []");
            List<String> out = new ArrayList<>();
            v.forEach(n -> out.add(n.asText()));
            return out;
        }

        @Override
        public void close() {
            tabs.remove(sessionId);
            Chromium.this.send(null, "Target.closeTarget", Map.of("targetId", targetId));
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            // No waiting for the answer: the browser may close the socket before it sends one.
            synchronized (socket) {
                socket.sendText("{\"id\":" + ids.incrementAndGet() + ",\"method\":\"Browser.close\"}", true)
                        .get(5, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            // already gone; the process is ended below either way
        }
        socket.abort();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        deleteTree(profile);
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a temp file; the OS cleans it
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory; the OS cleans it
        }
    }
}
