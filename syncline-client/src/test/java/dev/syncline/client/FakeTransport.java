package dev.syncline.client;

import dev.syncline.client.spi.transport.StreamListener;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network that is either up (the health probe answers) or down (nothing connects): the fake of
 * the network's misbehaviour for tests of the reachability probe, which need no server. Push, pull
 * and the stream always fail as a dead link does.
 */
final class FakeTransport implements SyncTransport {
    volatile boolean up;
    final AtomicInteger probes = new AtomicInteger();

    private static TransportException down() {
        return new TransportException(TransportException.Kind.TRANSIENT, 0, "connect", "no connection (fake)", null, null);
    }

    @Override
    public CompletableFuture<PushResponse> push(String token, byte[] body) {
        return CompletableFuture.failedFuture(down());
    }

    @Override
    public PullPage pull(String token, String cursor, int limit) {
        throw down();
    }

    @Override
    public void probe(Duration timeout) {
        probes.incrementAndGet();
        if (!up) {
            throw down();
        }
    }

    @Override
    public void stream(String token, StreamListener listener) {
        throw down();
    }

    @Override
    public void close() {
    }
}
