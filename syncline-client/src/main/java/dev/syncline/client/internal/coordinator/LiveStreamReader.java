package dev.syncline.client.internal.coordinator;

import dev.syncline.client.internal.transport.TokenGate;
import dev.syncline.client.spi.transport.LiveStream;
import dev.syncline.client.spi.transport.StreamListener;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.protocol.Poke;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the server's live stream ({@code /v1/stream}) open while the server is reachable and the
 * token is not refused. The stream is read on a thread of its own (it blocks on the network); when
 * it ends, the reopening is decided on the scheduler: at once after a clean end, after a backoff
 * (250 ms doubling to 30 s) after a failure, when the network comes back while it is down, and,
 * while the token is refused, once the token provider returns another token (checked every
 * {@value #TOKEN_CHECK_MILLIS} ms, without a request), which also starts a sync at once so the
 * outbox drains without the app calling anything. A stream that stays silent (not even a
 * heartbeat) for the idle timeout is dropped, as a link that died without a word.
 *
 * <p>Concurrency: the reader thread waits on this object's monitor for a permit to open the
 * stream; the scheduler grants it ({@link #decide()}, synchronized). No wait sleeps: each is a
 * scheduled task on the client's scheduler or a monitor wait for one, timed by the client's
 * monotonic time source.
 */
public final class LiveStreamReader {
    private static final Logger log = LoggerFactory.getLogger(LiveStreamReader.class);
    private static final long TOKEN_CHECK_MILLIS = 250;
    private static final long BACKOFF_MIN_MILLIS = 250;
    private static final long BACKOFF_MAX_MILLIS = 30_000;

    /** What the stream tells the coordinator. */
    public interface Events {
        /** The stream opened: pokes sent while it was closed are lost, so catch up. */
        void opened();

        /** A poke arrived. */
        void poked(Poke poke);

        /** The stream failed; the network state should know. */
        void failed(TransportException e);

        /** The server refused the token on the stream (the token is marked refused already). */
        void refused(String reason);

        /** The token provider has another token after a refusal: sync now. */
        void tokenBack();
    }

    private final SyncTransport transport;
    private final TokenGate tokens;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    private final BooleanSupplier connected;
    private final Events events;
    private final Duration idleTimeout;
    private Thread thread; // guarded by this
    private boolean permitted; // guarded by this: the reader may open the stream
    private boolean waitingForNetwork; // guarded by this: the decision waits for the network
    private boolean waitingForToken; // guarded by this: a refused token was seen
    private ScheduledFuture<?> decision; // guarded by this
    private ScheduledFuture<?> idleWatch; // guarded by this
    private long backoffMillis = BACKOFF_MIN_MILLIS; // reader thread only
    private volatile LiveStream open;
    private volatile boolean stoppedForToken;
    private volatile long heardAt; // nanoTime of the stream's last line (heartbeats included)
    private volatile boolean closed;

    /**
     * @param connected whether the server is reachable (and offline mode off)
     * @param idleTimeout how long the stream may stay silent (zero: never dropped)
     */
    public LiveStreamReader(SyncTransport transport, TokenGate tokens, ScheduledExecutorService scheduler,
            LongSupplier nanoTime, BooleanSupplier connected, Events events, Duration idleTimeout) {
        this.transport = transport;
        this.tokens = tokens;
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
        this.connected = connected;
        this.events = events;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Asks {@code threads} for the reader thread, without starting it.
     *
     * @return false when the factory made no thread
     */
    public synchronized boolean prepare(ThreadFactory threads) {
        thread = threads.newThread(this::loop);
        return thread != null;
    }

    /** Starts the reader thread (made by {@link #prepare}) and the idle watch. */
    public synchronized void start() {
        if (!idleTimeout.isZero()) {
            long every = Math.max(10, idleTimeout.toMillis() / 4);
            idleWatch = scheduler.scheduleWithFixedDelay(this::dropIfSilent, every, every, TimeUnit.MILLISECONDS);
        }
        thread.start();
        decideIn(0);
    }

    /** The server became reachable: a reopening that waited for the network is decided now. */
    public void networkUp() {
        synchronized (this) {
            if (!waitingForNetwork) {
                return;
            }
            waitingForNetwork = false;
        }
        decideIn(0);
    }

    /**
     * The server refused the token: close the stream so that nothing is sent with that token
     * again; the reader then waits for another token.
     */
    public void stopForToken() {
        LiveStream s = open;
        if (s != null) {
            stoppedForToken = true;
            open = null;
            s.close();
        }
    }

    /** The reader thread: opens the stream each time the scheduler permits it. */
    private void loop() {
        while (awaitPermit()) {
            stoppedForToken = false;
            String token = tokens.current();
            long next;
            try {
                transport.stream(token, new StreamListener() {
                    @Override
                    public void opened(LiveStream s) {
                        heardAt = nanoTime.getAsLong();
                        open = s;
                        events.opened();
                    }

                    @Override
                    public void line() {
                        heardAt = nanoTime.getAsLong();
                    }

                    @Override
                    public void poke(Poke poke) {
                        events.poked(poke);
                    }
                });
                backoffMillis = BACKOFF_MIN_MILLIS;
                next = 0;
            } catch (TransportException e) {
                next = failed(e, token);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.warn("stream: {}", e.toString());
                next = backoff();
            } finally {
                open = null;
            }
            if (closed) {
                return;
            }
            decideIn(next);
        }
    }

    /** @return when to decide on reopening after {@code e} */
    private long failed(TransportException e, String token) {
        if (closed) {
            return 0;
        }
        if (stoppedForToken) {
            stoppedForToken = false; // we closed it: not the network's fault
            return 0;
        }
        events.failed(e);
        if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
            tokens.refuse(token);
            log.warn("sync stopped: the server refused the token on the live stream ({}); waiting for a new one",
                    e.getMessage());
            events.refused(e.getMessage());
            return 0;
        }
        log.debug("stream ended: {}", e.getMessage());
        return backoff();
    }

    private long backoff() {
        long b = backoffMillis;
        backoffMillis = Math.min(BACKOFF_MAX_MILLIS, backoffMillis * 2);
        return b;
    }

    /** Blocks the reader thread until a permit comes; false once closed. */
    private synchronized boolean awaitPermit() {
        while (!permitted && !closed) {
            try {
                wait(); // notified by decide() and close()
            } catch (InterruptedException e) {
                if (closed) {
                    return false;
                }
            }
        }
        permitted = false;
        return !closed;
    }

    private synchronized void decideIn(long millis) {
        if (closed) {
            return;
        }
        if (decision != null) {
            decision.cancel(false);
        }
        try {
            decision = scheduler.schedule(this::decide, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("stream not reopened: scheduler stopped");
        }
    }

    /** On the scheduler: may the reader open the stream now? */
    private synchronized void decide() {
        decision = null;
        if (closed) {
            return;
        }
        if (tokens.refused()) {
            waitingForToken = true;
            decideIn(TOKEN_CHECK_MILLIS);
            return;
        }
        if (waitingForToken) {
            waitingForToken = false;
            log.info("the token provider has a new token; background sync resumes");
            events.tokenBack();
        }
        if (!connected.getAsBoolean()) {
            waitingForNetwork = true; // networkUp() decides again
            return;
        }
        permitted = true;
        notifyAll();
    }

    /**
     * Drops the stream when nothing, not even a heartbeat, came for the idle timeout: the link
     * died without closing the connection, and a read would wait forever. The reader then sees a
     * network failure: the server counts as unreachable until the health probe answers, and the
     * reconnect sync catches up on the pokes that were lost.
     */
    private void dropIfSilent() {
        LiveStream s = open;
        long silentNanos = nanoTime.getAsLong() - heardAt;
        if (s == null || closed || silentNanos <= idleTimeout.toNanos()) {
            return;
        }
        log.info("live stream silent for {} ms (more than {} ms): dropping it", silentNanos / 1_000_000,
                idleTimeout.toMillis());
        open = null;
        s.close();
    }

    /** Closes the stream and ends the reader thread (it may still be leaving a blocking call). */
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            if (decision != null) {
                decision.cancel(false);
            }
            if (idleWatch != null) {
                idleWatch.cancel(false);
            }
            t = thread;
            notifyAll();
        }
        LiveStream s = open;
        if (s != null) {
            s.close();
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
