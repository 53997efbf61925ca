package dev.syncline.client.internal.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.syncline.client.ManualScheduler;
import dev.syncline.client.internal.transport.TokenGate;
import dev.syncline.client.spi.transport.StreamListener;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.protocol.Poke;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live stream's reopening, decided on a scheduler whose time the test moves: the reader
 * thread opens the stream only when the scheduler lets it, so no wait of its own sleeps.
 */
class LiveStreamReaderTest {
    final ManualScheduler scheduler = new ManualScheduler();
    final AtomicBoolean connected = new AtomicBoolean(true);
    final AtomicReference<String> token = new AtomicReference<>("t1");
    final TokenGate tokens = new TokenGate(token::get);
    final AtomicInteger opens = new AtomicInteger();
    final List<String> events = new CopyOnWriteArrayList<>();
    LiveStreamReader reader;

    /** A server whose stream fails at once, as a dead link does. */
    final SyncTransport failing = new SyncTransport() {
        @Override
        public CompletableFuture<PushResponse> push(String t, byte[] body) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PullPage pull(String t, String cursor, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void probe(Duration timeout) {
        }

        @Override
        public void stream(String t, StreamListener listener) {
            opens.incrementAndGet();
            throw new TransportException(TransportException.Kind.TRANSIENT, 0, "network", "stream broke (fake)", null, null);
        }

        @Override
        public void close() {
        }
    };

    private void start() {
        reader = new LiveStreamReader(failing, tokens, scheduler, scheduler.nanoTime(), connected::get,
                new LiveStreamReader.Events() {
                    @Override
                    public void opened() {
                        events.add("opened");
                    }

                    @Override
                    public void poked(Poke poke) {
                    }

                    @Override
                    public void failed(TransportException e) {
                        events.add("failed");
                    }

                    @Override
                    public void refused(String reason) {
                        events.add("refused");
                    }

                    @Override
                    public void tokenBack() {
                        events.add("tokenBack");
                    }
                }, Duration.ZERO);
        assertThat(reader.prepare(r -> {
            Thread t = new Thread(r, "test-stream-reader");
            t.setDaemon(true);
            return t;
        })).isTrue();
        reader.start();
    }

    @AfterEach
    void close() {
        if (reader != null) {
            reader.close();
        }
    }

    /** Lets the scheduler decide, and waits until the reader thread has opened the stream {@code n} times. */
    private void decideAndAwaitOpens(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            scheduler.runDue();
            return opens.get() >= n && scheduler.pending() == 1;
        });
    }

    @Test
    void aStreamThatKeepsFailing_isReopenedAfterADoublingBackoffCappedAt30Seconds() {
        start();
        decideAndAwaitOpens(1);
        for (int i = 2; i <= 12; i++) {
            scheduler.runNext();
            decideAndAwaitOpens(i);
        }
        List<Duration> waits = scheduler.delays();
        assertThat(waits.subList(0, 8)).containsExactly(Duration.ZERO, Duration.ofMillis(250), Duration.ofMillis(500),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(16));
        assertThat(waits).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(30)));
        assertThat(waits.get(waits.size() - 1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(events).containsOnly("failed");
    }

    @Test
    void whileTheServerIsUnreachable_noStreamOpens_andItOpensAtOnceWhenTheNetworkComesBack() {
        connected.set(false);
        start();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(opens.get()).isZero();

        connected.set(true);
        reader.networkUp();

        decideAndAwaitOpens(1);
        assertThat(opens.get()).isEqualTo(1);
    }

    @Test
    void whileTheTokenIsRefused_noStreamOpens_untilTheProviderHasAnotherThenSyncResumes() {
        tokens.refuse("t1");
        start();
        scheduler.advance(Duration.ofMinutes(5)); // many token checks, none sends anything
        assertThat(opens.get()).isZero();

        token.set("t2"); // the app logged in again
        scheduler.advance(Duration.ofMillis(250));

        decideAndAwaitOpens(1);
        assertThat(events).startsWith("tokenBack");
    }
}
