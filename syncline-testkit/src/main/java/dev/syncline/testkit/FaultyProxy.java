package dev.syncline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a loopback port in front of a real server, for network-fault tests. Modes:
 * {@link Mode#PASS} forwards bytes (optionally after a delay per chunk), {@link Mode#REFUSE}
 * closes every new connection at once (as a dead network would reset it), {@link Mode#BLACKHOLE}
 * accepts connections and never answers (a timeout). {@link #cutAll()} drops open connections.
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
        BLACKHOLE
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
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

    /** Switches mode; {@link Mode#REFUSE} and {@link Mode#BLACKHOLE} also cut open connections. */
    public void mode(Mode m) {
        this.mode = m;
        if (m != Mode.PASS) {
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
            if (m == Mode.BLACKHOLE) {
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
        threads.execute(() -> pump(client, server));
        threads.execute(() -> pump(server, client));
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) != -1) {
                if (mode != Mode.PASS) {
                    break;
                }
                Duration d = delay;
                if (!d.isZero()) {
                    Thread.sleep(d.toMillis());
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
