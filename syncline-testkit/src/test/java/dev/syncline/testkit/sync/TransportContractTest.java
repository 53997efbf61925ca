package dev.syncline.testkit.sync;

import static dev.syncline.testkit.sync.Loopback.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.client.spi.transport.LiveStream;
import dev.syncline.client.spi.transport.StreamListener;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.SyncTransportFactory;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.client.spi.transport.TransportSettings;
import dev.syncline.client.transport.jdk.JdkHttpTransport;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.Poke;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushRequest;
import dev.syncline.core.protocol.PushResponse;
import dev.syncline.core.protocol.PushResult;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of {@link SyncTransport}, run against every implementation over a real server on a
 * loopback port: what push, pull, probe and the stream answer, how failures are classified, and
 * that the sync engine and the background coordinator reach the server only through the
 * interface (every exchange of two replicas passes a counting wrapper).
 */
class TransportContractTest {
    static final String S = "team-1";
    static final HttpClient APP_CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;
    Loopback net;
    final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    static Stream<Named<SyncTransportFactory>> transports() {
        return Stream.of(Named.of("JdkHttpTransport (own HttpClient)", JdkHttpTransport.factory()),
                Named.of("JdkHttpTransport (the app's HttpClient)", JdkHttpTransport.factory(APP_CLIENT)));
    }

    @BeforeEach
    void start() {
        net = new Loopback(dir);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        net.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        closeables.add(0, c);
        return c;
    }

    private SyncTransport open(SyncTransportFactory f, String url) {
        return keep(f.create(new TransportSettings(URI.create(url), Duration.ofSeconds(2), Duration.ofSeconds(5))));
    }

    private static byte[] push(String clientId, String id, long baseVersion, String data) {
        PushOp op = new PushOp(UUID.randomUUID().toString(), S, "note", id, OpKind.UPSERT, baseVersion, json(data), null);
        return Json.write(new PushRequest(clientId, List.of(op))).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("transports")
    void probe_answersWhenTheServerIsUp_andFailsTransientWithStatusZeroWhenNothingListens(SyncTransportFactory f)
            throws Exception {
        open(f, net.server.url()).probe(Duration.ofSeconds(2));

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        SyncTransport dead = open(f, "http://127.0.0.1:" + closedPort);
        assertThatThrownBy(() -> dead.probe(Duration.ofSeconds(2))).isInstanceOfSatisfying(TransportException.class, e -> {
            assertThat(e.kind()).isEqualTo(TransportException.Kind.TRANSIENT);
            assertThat(e.status()).isZero();
        });
        CompletableFuture<PushResponse> lost = dead.push(Loopback.token("alice", S), push("c1", "n1", 0, "{}"));
        assertThat(lost).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.code()).as("no byte left").isEqualTo("connect");
                    assertThat(e.neverDelivered()).isTrue();
                });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void push_isApplied_andPullReturnsTheChangeWithACursor(SyncTransportFactory f) {
        SyncTransport t = open(f, net.server.url());
        String token = Loopback.token("alice", S);

        PushResponse answer = t.push(token, push("c1", "n1", 0, "{\"t\":\"hello\"}")).join();
        assertThat(answer.results()).singleElement().isInstanceOf(PushResult.Applied.class);

        PullPage page = t.pull(token, null, 100);
        assertThat(page.changes()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("n1");
            assertThat(c.data()).isEqualTo(json("{\"t\":\"hello\"}"));
        });
        assertThat(page.hasMore()).isFalse();
        assertThat(t.pull(token, page.cursor(), 100).changes()).as("nothing after the cursor").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("transports")
    void aRefusedToken_isUnauthorizedOnPushPullAndStream(SyncTransportFactory f) {
        SyncTransport t = open(f, net.server.url());
        String bad = "not-a-token";
        assertThatThrownBy(() -> t.pull(bad, null, 10)).isInstanceOfSatisfying(TransportException.class,
                e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.UNAUTHORIZED));
        assertThat(t.push(bad, push("c1", "n1", 0, "{}"))).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class).havingCause()
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.UNAUTHORIZED));
        assertThatThrownBy(() -> t.stream(bad, new Recorder())).isInstanceOfSatisfying(TransportException.class,
                e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.UNAUTHORIZED));
    }

    @ParameterizedTest
    @MethodSource("transports")
    void pull_withAWrongRequest_isBadRequest(SyncTransportFactory f) {
        SyncTransport t = open(f, net.server.url());
        assertThatThrownBy(() -> t.pull(Loopback.token("alice", S), "not-a-cursor", 10))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.kind()).isEqualTo(TransportException.Kind.BAD_REQUEST));
    }

    @ParameterizedTest
    @MethodSource("transports")
    void close_failsTheRequestsStillAwaitingAnAnswer_atOnce(SyncTransportFactory f) throws Exception {
        dev.syncline.testkit.FaultyProxy hole = keep(new dev.syncline.testkit.FaultyProxy(net.server.port()));
        hole.mode(dev.syncline.testkit.FaultyProxy.Mode.BLACKHOLE); // connects, never answers
        SyncTransport t = f.create(new TransportSettings(URI.create(hole.url()), Duration.ofSeconds(2), Duration.ofSeconds(60)));
        String token = Loopback.token("alice", S);
        CompletableFuture<PushResponse> push = t.push(token, push("c1", "n1", 0, "{}"));
        AtomicReference<Throwable> pulled = new AtomicReference<>();
        Thread puller = new Thread(() -> {
            try {
                t.pull(token, null, 10);
            } catch (Throwable e) {
                pulled.set(e);
            }
        }, "contract-puller");
        puller.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> hole.faults(dev.syncline.testkit.FaultyProxy.Fault.BLACKHOLED) >= 2);

        t.close();

        assertThat(push).failsWithin(Duration.ofSeconds(5));
        puller.join(Duration.ofSeconds(5).toMillis());
        assertThat(puller.isAlive()).as("the pull returned when the transport closed").isFalse();
        assertThat(pulled.get()).isInstanceOf(TransportException.class);
    }

    /** Records what a stream brings. */
    static final class Recorder implements StreamListener {
        final AtomicReference<LiveStream> open = new AtomicReference<>();
        final List<Poke> pokes = new CopyOnWriteArrayList<>();
        final AtomicLong lines = new AtomicLong();

        @Override
        public void opened(LiveStream stream) {
            open.set(stream);
        }

        @Override
        public void line() {
            lines.incrementAndGet();
        }

        @Override
        public void poke(Poke poke) {
            pokes.add(poke);
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void stream_deliversThePokeOfAPush_andItsHandleEndsIt(SyncTransportFactory f) throws Exception {
        SyncTransport t = open(f, net.server.url());
        String token = Loopback.token("alice", S);
        Recorder r = new Recorder();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                t.stream(token, r);
                ended.set(new AssertionError("returned"));
            } catch (Throwable e) {
                ended.set(e);
            }
        }, "contract-stream-reader");
        reader.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> r.open.get() != null);

        PushResponse answer = t.push(token, push("c1", "n1", 0, "{}")).join();
        long seq = ((PushResult.Applied) answer.results().get(0)).seq();
        await().atMost(Duration.ofSeconds(10)).until(() -> r.pokes.stream().anyMatch(p -> S.equals(p.scope()) && p.seq() >= seq));
        assertThat(r.lines.get()).isPositive();

        r.open.get().close();
        reader.join(Duration.ofSeconds(10).toMillis());
        assertThat(reader.isAlive()).as("the stream ended when its handle was closed").isFalse();
        assertThat(ended.get()).isNotNull();
    }

    /** Counts the calls a client makes, and passes them on. */
    static final class Counting implements SyncTransport {
        final SyncTransport inner;
        final Map<String, AtomicLong> calls;

        Counting(SyncTransport inner, Map<String, AtomicLong> calls) {
            this.inner = inner;
            this.calls = calls;
        }

        private void count(String what) {
            calls.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public CompletableFuture<PushResponse> push(String token, byte[] body) {
            count("push");
            return inner.push(token, body);
        }

        @Override
        public PullPage pull(String token, String cursor, int limit) {
            count("pull");
            return inner.pull(token, cursor, limit);
        }

        @Override
        public void probe(Duration timeout) {
            count("probe");
            inner.probe(timeout);
        }

        @Override
        public void stream(String token, StreamListener listener) {
            count("stream");
            inner.stream(token, listener);
        }

        @Override
        public void close() {
            count("close");
            inner.close();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void twoReplicas_syncThroughTheInterfaceOnly_inTheForegroundAndInTheBackground(SyncTransportFactory f) {
        Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
        SyncTransportFactory counting = settings -> new Counting(f.create(settings), calls);
        SyncClient a = keep(net.client("a", b -> b.token(Loopback.token("alice", S)).transport(counting)));
        SyncClient b = keep(net.client("b", bld -> bld.token(Loopback.token("bob", S)).transport(counting)
                .backgroundSync(true)));

        a.documents().put(S, "note", "n1", json("{\"t\":\"hello\"}"));
        assertThat(a.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.documents().get(S, "note", "n1").isPresent());

        assertThat(calls.keySet()).contains("push", "pull", "probe", "stream");
        a.close();
        b.close();
        assertThat(calls.get("close")).as("each client closes the transport it made").hasValue(2);
    }
}
