package dev.syncline.server.internal.http;

import dev.syncline.core.Json;
import dev.syncline.core.protocol.Poke;
import dev.syncline.server.internal.service.Notifier;
import dev.syncline.server.internal.service.Principal;
import io.javalin.http.sse.SseClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@code /v1/stream} connections: sends a {@code poke} to every stream whose token holds
 * the scope that moved, a heartbeat comment at a fixed interval, and closes streams whose token
 * expired.
 *
 * <p>Concurrency: every write to a stream happens on the hub's one sender thread, so events and
 * heartbeats never interleave on a connection and a slow notifier caller never waits for sockets.
 */
final class StreamHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamHub.class);

    private record Stream(SseClient client, Principal principal) {
    }

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "syncline-stream-sender");
        t.setDaemon(true);
        return t;
    });
    private final Clock clock;
    private final AutoCloseable subscription;

    private boolean closed; // guarded by this

    StreamHub(Notifier notifier, Clock clock, Duration heartbeat) {
        this.clock = clock;
        this.subscription = notifier.subscribe(this::poke);
        long every = heartbeat.toMillis();
        sender.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /** Keeps {@code client} open and registers it for pokes. */
    void accept(SseClient client, Principal principal) {
        Stream s = new Stream(client, principal);
        synchronized (this) {
            if (closed) {
                // Admitted just before the drain began: never hold the stop up with an open stream.
                client.close();
                return;
            }
            client.keepAlive();
            client.onClose(() -> streams.remove(s));
            streams.add(s);
            sender.execute(() -> send(s, () -> client.sendComment("connected")));
        }
        log.debug("stream opened for {} ({} open)", principal.userId(), streams.size());
    }

    /** @return how many streams are open */
    int size() {
        return streams.size();
    }

    private void poke(String scope, long seq) {
        String data = Json.write(new Poke(scope, seq));
        sender.execute(() -> {
            for (Stream s : streams) {
                if (s.principal().holds(scope)) {
                    send(s, () -> s.client().sendEvent("poke", data));
                }
            }
        });
    }

    private void heartbeat() {
        for (Stream s : streams) {
            if (!s.principal().expiresAt().isAfter(clock.instant())) {
                log.debug("closing stream of {}: token expired", s.principal().userId());
                streams.remove(s);
                s.client().close();
                continue;
            }
            send(s, () -> s.client().sendComment("heartbeat"));
        }
    }

    private void send(Stream s, Runnable write) {
        if (s.client().terminated()) {
            streams.remove(s);
            return;
        }
        try {
            write.run();
        } catch (RuntimeException e) {
            streams.remove(s);
            s.client().close();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            subscription.close();
        } catch (Exception e) {
            log.warn("unsubscribing stream hub: {}", e.toString());
        }
        sender.shutdownNow();
        for (Stream s : streams) {
            s.client().close();
        }
        streams.clear();
    }
}
