package dev.syncline.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A TCP proxy on a loopback port in front of a real server, for network-fault tests. Modes:
 * {@link Mode#PASS} forwards bytes, {@link Mode#REFUSE} resets every new connection at once (as a
 * dead network would), {@link Mode#BLACKHOLE} accepts connections and never answers (a timeout),
 * {@link Mode#STALL} also silences the open connections without closing them,
 * {@link Mode#DROP_RESPONSES} forwards each request to the server but swallows its response and
 * resets the connection (the lost acknowledgement: the server did the work, the client never
 * hears), and {@link Mode#RESET_RESPONSES} forwards part of each response and then resets the
 * connection. The two response modes apply to every request, or only to those whose path is one
 * of {@link #faultPaths} (so pulls can succeed while push acknowledgements are lost). On top of
 * any mode: {@link #delay} per forwarded chunk and a {@link #bandwidth} limit. {@link #cutAll()}
 * drops open connections; {@link #retarget} points new connections at another port (a server
 * restarted on a new port); {@link #heal()} undoes every fault but a stall.
 *
 * <p>It also reads the HTTP/1.1 requests it forwards (request line, headers, and a body of
 * {@code Content-Length} bytes, which is what the JDK client sends) to count them by path
 * ({@link #requests(String)}), to tell a listener about each one before forwarding it
 * ({@link #onRequest}), and to know which request a response answers (no pipelining, as the JDK
 * client does). A connection whose request body is chunked is forwarded but no longer counted,
 * and its responses count as answering an unknown path.
 *
 * <p>Every fault it injects is counted by kind ({@link #faults()}), so a run can report what it
 * did.
 *
 * <p>Concurrency: one thread per direction per connection, virtual-thread-free so it runs on Java
 * 17; every control is thread-safe and takes effect on the next chunk or connection.
 */
public final class FaultyProxy implements AutoCloseable {
    /** What the proxy does with traffic. */
    public enum Mode {
        /** Forward bytes both ways. */
        PASS,
        /** Reset new connections immediately; open ones are cut. */
        REFUSE,
        /** Accept connections but forward nothing; open ones are cut. */
        BLACKHOLE,
        /**
         * Open connections fall silent without closing, for good (a link that died without a word,
         * as after a NAT timeout or a sleeping laptop): nothing more crosses them, even after the
         * mode changes back. New connections are accepted and never answered.
         */
        STALL,
        /**
         * Forward requests; swallow the response to each request on a {@link #faultPaths fault
         * path} and reset the connection when it starts (the server has done the work).
         */
        DROP_RESPONSES,
        /**
         * Forward requests; of the response to each request on a {@link #faultPaths fault path},
         * forward at most {@link #resetAfterBytes} bytes, never all of its first chunk, then reset
         * the connection.
         */
        RESET_RESPONSES
    }

    /** The faults the proxy counts. */
    public enum Fault {
        /** A new connection reset in {@link Mode#REFUSE}. */
        REFUSED,
        /** A new connection accepted and left unanswered in {@link Mode#BLACKHOLE} or {@link Mode#STALL}. */
        BLACKHOLED,
        /** A response swallowed in {@link Mode#DROP_RESPONSES}. */
        RESPONSE_DROPPED,
        /** A response cut in {@link Mode#RESET_RESPONSES}. */
        RESPONSE_RESET,
        /** An open connection closed by {@link #cutAll()} or a mode change. */
        CUT,
        /** An open connection silenced by {@link Mode#STALL}. */
        STALLED,
        /** A chunk held back by {@link #delay} or {@link #bandwidth}. */
        SLOWED,
        /** A new connection the target did not accept (server down), reset towards the client. */
        TARGET_DOWN
    }

    private final ServerSocket listener;
    private volatile InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final Map<Fault, AtomicLong> faults = new EnumMap<>(Fault.class);
    private volatile Consumer<String> requestListener = r -> { };
    private volatile Mode mode = Mode.PASS;
    private volatile Duration delay = Duration.ZERO;
    private volatile long bytesPerSecond;
    private volatile Set<String> faultPaths = Set.of();
    private volatile int resetAfterBytes = 64;
    private volatile boolean closed;

    /**
     * Starts a proxy on a free loopback port forwarding to {@code targetPort} on loopback.
     *
     * @throws IOException when no port can be bound
     */
    public FaultyProxy(int targetPort) throws IOException {
        for (Fault f : Fault.values()) {
            faults.put(f, new AtomicLong());
        }
        this.target = loopback(targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    private static InetSocketAddress loopback(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("target port must be 1 to 65535, got " + port);
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** @return the port clients should connect to */
    public int port() {
        return listener.getLocalPort();
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** @return the loopback port new connections are forwarded to */
    public int targetPort() {
        return target.getPort();
    }

    /**
     * Forwards new connections to {@code targetPort} from now on (a server restarted on a new
     * port); open connections keep their old target.
     *
     * @throws IllegalArgumentException when the port is out of range
     */
    public void retarget(int targetPort) {
        this.target = loopback(targetPort);
    }

    /** @return connections accepted so far */
    public long connections() {
        return connections.get();
    }

    /** @return HTTP requests forwarded so far, all paths */
    public long requests() {
        return requests.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /**
     * @param path a request path without query, such as {@code /v1/push}
     * @return HTTP requests to {@code path} forwarded so far
     */
    public long requests(String path) {
        AtomicLong n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    /** @return how many faults of {@code kind} were injected so far */
    public long faults(Fault kind) {
        return faults.get(kind).get();
    }

    /** @return every fault kind with how many were injected so far, in declaration order */
    public Map<Fault, Long> faults() {
        Map<Fault, Long> out = new EnumMap<>(Fault.class);
        faults.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private void count(Fault f) {
        faults.get(f).incrementAndGet();
    }

    /**
     * Calls {@code listener} with {@code "METHOD /path"} for each request, on the proxy's thread,
     * after the request's head arrived and before it is forwarded: a fake clock moved there makes
     * the request take that long. Replaces the previous listener.
     */
    public void onRequest(Consumer<String> listener) {
        this.requestListener = Objects.requireNonNull(listener, "listener");
    }

    /** @return the current mode */
    public Mode mode() {
        return mode;
    }

    /**
     * Switches mode; {@link Mode#REFUSE} and {@link Mode#BLACKHOLE} also cut open connections,
     * {@link Mode#STALL} silences them for good. The response modes act on the next response.
     */
    public void mode(Mode m) {
        Objects.requireNonNull(m, "mode");
        if (m == Mode.STALL) {
            for (Socket s : open) {
                if (silenced.add(s)) { // before the mode changes, so no pump closes them meanwhile
                    count(Fault.STALLED);
                }
            }
        }
        this.mode = m;
        if (m == Mode.REFUSE || m == Mode.BLACKHOLE) {
            cutAll();
        }
    }

    /**
     * Limits the response modes to requests on these paths (without query, such as
     * {@code /v1/push}); none means every request.
     */
    public void faultPaths(String... paths) {
        this.faultPaths = Set.copyOf(List.of(paths));
    }

    /** Drops the responses to requests on {@code paths} (all requests when none are given). */
    public void dropResponses(String... paths) {
        faultPaths(paths);
        mode(Mode.DROP_RESPONSES);
    }

    /**
     * Cuts the responses to requests on {@code paths} (all requests when none are given) after at
     * most {@code afterBytes} bytes.
     */
    public void resetResponses(int afterBytes, String... paths) {
        resetAfterBytes(afterBytes);
        faultPaths(paths);
        mode(Mode.RESET_RESPONSES);
    }

    /** Sets how many bytes of a response {@link Mode#RESET_RESPONSES} forwards at most (0 or more). */
    public void resetAfterBytes(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("resetAfterBytes must not be negative, got " + n);
        }
        this.resetAfterBytes = n;
    }

    /** Delays every forwarded chunk by {@code d} (a slow network); zero for none. */
    public void delay(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("delay must be zero or positive, got " + d);
        }
        this.delay = d;
    }

    /** Limits each direction of each connection to {@code bytesPerSecond}; 0 for no limit. */
    public void bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth must not be negative, got " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    /**
     * Back to a healthy network: {@link Mode#PASS}, no delay, no bandwidth limit, no fault paths.
     * Connections silenced by {@link Mode#STALL} stay silent, as they would on a real network.
     */
    public void heal() {
        delay = Duration.ZERO;
        bytesPerSecond = 0;
        faultPaths = Set.of();
        mode = Mode.PASS;
    }

    /** Closes every open connection (both sides see a reset or EOF). */
    public void cutAll() {
        List<Socket> cut = new ArrayList<>(open);
        // Count before closing anything: closing a connection's server side makes its pump close
        // the client side on another thread, which then looked closed already and went uncounted.
        for (Socket s : cut) {
            if (!s.isClosed() && s.getLocalPort() == listener.getLocalPort()) {
                count(Fault.CUT); // once per connection: its client side, accepted here
            }
        }
        for (Socket s : cut) {
            closeQuietly(s);
        }
        open.removeAll(cut);
        silenced.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            connections.incrementAndGet();
            Mode m = mode;
            if (m == Mode.REFUSE) {
                count(Fault.REFUSED);
                reset(client);
                continue;
            }
            open.add(client);
            if (m == Mode.BLACKHOLE || m == Mode.STALL) {
                count(Fault.BLACKHOLED);
                continue;
            }
            threads.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket server = new Socket();
        try {
            server.connect(target, 5000);
        } catch (IOException e) {
            count(Fault.TARGET_DOWN);
            reset(client);
            open.remove(client);
            return;
        }
        open.add(server);
        Link link = new Link(client, server);
        threads.execute(() -> pump(client, server, link, true));
        threads.execute(() -> pump(server, client, link, false));
    }

    /** One proxied connection: which request its response answers, and how much of it went out. */
    private final class Link {
        final Socket client;
        final Socket server;
        final RequestScanner scanner = new RequestScanner(this);
        volatile String path; // of the request in flight; null when unknown
        volatile long responseBytes; // forwarded of the response to it

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        boolean faultApplies() {
            Set<String> paths = faultPaths;
            return paths.isEmpty() || (path != null && paths.contains(path));
        }
    }

    private void pump(Socket from, Socket to, Link link, boolean upstream) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            while (true) {
                long bps = bytesPerSecond;
                int max = bps == 0 ? buf.length : (int) Math.max(1, Math.min(buf.length, bps / 20));
                int n = in.read(buf, 0, max);
                if (n == -1) {
                    break;
                }
                if (silenced.contains(from)) {
                    continue; // a dead link: the bytes vanish and nobody is told
                }
                Mode m = mode;
                if (m != Mode.PASS && m != Mode.DROP_RESPONSES && m != Mode.RESET_RESPONSES) {
                    break;
                }
                slowDown(n);
                if (upstream) {
                    link.scanner.feed(buf, n);
                } else if (m == Mode.DROP_RESPONSES && link.faultApplies()) {
                    count(Fault.RESPONSE_DROPPED);
                    reset(link.client);
                    break;
                } else if (m == Mode.RESET_RESPONSES && link.faultApplies()) {
                    long allowed = Math.max(0, resetAfterBytes - link.responseBytes);
                    int part = (int) Math.min(allowed, link.responseBytes == 0 ? n - 1 : n);
                    if (part < n) {
                        out.write(buf, 0, part);
                        out.flush();
                        count(Fault.RESPONSE_RESET);
                        reset(link.client);
                        break;
                    }
                    link.responseBytes += n;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // connection cut: fall through and close both sides
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
            silenced.remove(from);
            silenced.remove(to);
        }
    }

    private void slowDown(int n) throws InterruptedException {
        long nanos = delay.toNanos();
        long bps = bytesPerSecond;
        if (bps > 0) {
            nanos += n * 1_000_000_000L / bps;
        }
        if (nanos > 0) {
            count(Fault.SLOWED);
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    }

    /**
     * Follows the client's side of one connection: a request head up to the blank line, then
     * {@code Content-Length} body bytes, then the next request.
     */
    private final class RequestScanner {
        private static final int MAX_HEAD = 256 * 1024;
        private final Link link;
        private final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private long bodyLeft;
        private int last4; // the last four head bytes, to spot the blank line
        private boolean lost;

        RequestScanner(Link link) {
            this.link = link;
        }

        void feed(byte[] buf, int len) {
            int i = 0;
            while (i < len && !lost) {
                if (bodyLeft > 0) {
                    int skip = (int) Math.min(bodyLeft, len - i);
                    bodyLeft -= skip;
                    i += skip;
                    continue;
                }
                byte b = buf[i++];
                head.write(b);
                last4 = (last4 << 8) | (b & 0xff);
                if (last4 == 0x0d0a0d0a) {
                    request(head.toString(StandardCharsets.ISO_8859_1));
                    head.reset();
                    last4 = 0;
                } else if (head.size() > MAX_HEAD) {
                    lose();
                }
            }
        }

        private void lose() {
            lost = true;
            link.path = null;
        }

        private void request(String text) {
            String[] lines = text.split("\r\n");
            String[] first = lines[0].split(" ");
            if (first.length < 2) {
                lose();
                return;
            }
            String path = first[1];
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            for (int k = 1; k < lines.length; k++) {
                String line = lines[k].toLowerCase(Locale.ROOT);
                if (line.startsWith("content-length:")) {
                    bodyLeft = Long.parseLong(line.substring(15).trim());
                } else if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
                    lose();
                    return;
                }
            }
            link.path = path;
            link.responseBytes = 0;
            requests.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
            requestListener.accept(first[0] + " " + path);
        }
    }

    /** Closes with RST rather than FIN, as a refused or broken connection does. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // closing anyway
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        cutAll();
        threads.shutdownNow();
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
