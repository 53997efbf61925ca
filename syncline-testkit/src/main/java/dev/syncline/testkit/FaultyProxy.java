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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A TCP proxy on a loopback port in front of a real server, for network-fault tests. Modes:
 * {@link Mode#PASS} forwards bytes (optionally after a delay per chunk), {@link Mode#REFUSE}
 * closes every new connection at once (as a dead network would reset it), {@link Mode#BLACKHOLE}
 * accepts connections and never answers (a timeout), {@link Mode#STALL} also silences the open
 * connections without closing them. {@link #cutAll()} drops open connections.
 *
 * <p>It also reads the HTTP/1.1 requests it forwards (request line, headers, and a body of
 * {@code Content-Length} bytes, which is what the JDK client sends) to count them by path
 * ({@link #requests(String)}) and to tell a listener about each one before forwarding it
 * ({@link #onRequest}). A connection whose request body is chunked is forwarded but no longer
 * counted.
 *
 * <p>Concurrency: one thread per direction per connection, virtual-thread-free so it runs on Java
 * 17; thread-safe controls.
 */
public final class FaultyProxy implements AutoCloseable {
    /** What the proxy does with traffic. */
    public enum Mode {
        /** Forward bytes both ways. */
        PASS,
        /** Close new connections immediately; open ones are cut. */
        REFUSE,
        /** Accept connections but forward nothing. */
        BLACKHOLE,
        /**
         * Open connections fall silent without closing, for good (a link that died without a word,
         * as after a NAT timeout or a sleeping laptop): nothing more crosses them, even after the
         * mode changes back. New connections are accepted and never answered.
         */
        STALL
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private volatile Consumer<String> requestListener = r -> { };
    private volatile Mode mode = Mode.PASS;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean closed;

    /**
     * Starts a proxy on a free loopback port forwarding to {@code targetPort} on loopback.
     *
     * @throws IOException when no port can be bound
     */
    public FaultyProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    /** @return the port clients should connect to */
    public int port() {
        return listener.getLocalPort();
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://127.0.0.1:" + port();
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

    /**
     * Calls {@code listener} with {@code "METHOD /path"} for each request, on the proxy's thread,
     * after the request's head arrived and before it is forwarded: a fake clock moved there makes
     * the request take that long. Replaces the previous listener.
     */
    public void onRequest(Consumer<String> listener) {
        this.requestListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Switches mode; {@link Mode#REFUSE} and {@link Mode#BLACKHOLE} also cut open connections,
     * {@link Mode#STALL} silences them for good.
     */
    public void mode(Mode m) {
        if (m == Mode.STALL) {
            silenced.addAll(open); // before the mode changes, so no pump closes them meanwhile
        }
        this.mode = m;
        if (m == Mode.REFUSE || m == Mode.BLACKHOLE) {
            cutAll();
        }
    }

    /** Delays every forwarded chunk by {@code d} (a slow network). */
    public void delay(Duration d) {
        this.delay = d;
    }

    /** Closes every open connection (both sides see a reset or EOF). */
    public void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
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
                try {
                    client.setSoLinger(true, 0); // RST, as a refused connection
                } catch (SocketException ignored) {
                    // closing anyway
                }
                closeQuietly(client);
                continue;
            }
            open.add(client);
            if (m == Mode.BLACKHOLE || m == Mode.STALL) {
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
            closeQuietly(client);
            open.remove(client);
            return;
        }
        open.add(server);
        RequestScanner scanner = new RequestScanner();
        threads.execute(() -> pump(client, server, scanner));
        threads.execute(() -> pump(server, client, null));
    }

    private void pump(Socket from, Socket to, RequestScanner scanner) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) != -1) {
                if (silenced.contains(from)) {
                    continue; // a dead link: the bytes vanish and nobody is told
                }
                if (mode != Mode.PASS) {
                    break;
                }
                Duration d = delay;
                if (!d.isZero()) {
                    Thread.sleep(d.toMillis());
                }
                if (scanner != null) {
                    scanner.feed(buf, n);
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

    /**
     * Follows the client's side of one connection: a request head up to the blank line, then
     * {@code Content-Length} body bytes, then the next request.
     */
    private final class RequestScanner {
        private static final int MAX_HEAD = 256 * 1024;
        private final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private long bodyLeft;
        private int last4; // the last four head bytes, to spot the blank line
        private boolean lost;

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
                    lost = true;
                }
            }
        }

        private void request(String text) {
            String[] lines = text.split("\r\n");
            String[] first = lines[0].split(" ");
            if (first.length < 2) {
                lost = true;
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
                    lost = true;
                }
            }
            requests.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
            requestListener.accept(first[0] + " " + path);
        }
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
