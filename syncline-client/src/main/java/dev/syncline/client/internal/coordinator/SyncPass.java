package dev.syncline.client.internal.coordinator;

import dev.syncline.client.BackgroundSyncCoordinator.State;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.sync.SyncEngine;
import dev.syncline.client.spi.transport.TransportException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one background run does: nothing while the server cannot be reached (the reconnect
 * trigger runs it) or the token is refused; skips a poke run whose pokes were pulled already;
 * otherwise push, then pull unless the run is push-only, and says when to retry: when the outbox
 * has an operation due later, or after a failure (the server's Retry-After, else the outbox's
 * backoff, else a second; none while the server is unreachable, since the reconnect runs it).
 *
 * <p>Thread-safe; runs one at a time on the coordinator's scheduler.
 */
public final class SyncPass implements SyncRuns.Body {
    private static final Logger log = LoggerFactory.getLogger(SyncPass.class);
    /** The key of runs triggered by pokes. */
    public static final String POKE = "poke";

    private final SyncEngine engine;
    private final Outbox outbox;
    private final BooleanSupplier connected;
    private final PokeFilter pokes;
    private final StatusBoard status;
    private final Consumer<String> tokenRefused;
    private final Clock clock;
    private final Duration debounce;
    private final BooleanSupplier closed;

    /**
     * @param connected whether the server is reachable (and offline mode off)
     * @param tokenRefused stops syncing because the server refused the token (with the reason)
     * @param clock wall time of the outbox's due times
     * @param debounce the shortest wait before a retry
     * @param closed true once the coordinator closed
     */
    public SyncPass(SyncEngine engine, Outbox outbox, BooleanSupplier connected, PokeFilter pokes, StatusBoard status,
            Consumer<String> tokenRefused, Clock clock, Duration debounce, BooleanSupplier closed) {
        this.engine = engine;
        this.outbox = outbox;
        this.connected = connected;
        this.pokes = pokes;
        this.status = status;
        this.tokenRefused = tokenRefused;
        this.clock = clock;
        this.debounce = debounce;
        this.closed = closed;
    }

    @Override
    public Duration run(String key, boolean pushOnly) {
        if (closed.getAsBoolean()) {
            return null;
        }
        if (!connected.getAsBoolean()) {
            status.publish(State.OFFLINE, status.current().lastError(), false);
            return null; // the reconnect trigger runs it
        }
        if (engine.authenticationNeeded()) {
            tokenRefused.accept("the server refused the token; supply a new one");
            return null;
        }
        if (POKE.equals(key) && !pushOnly && !pokes.takeNeedsPull()) {
            return null; // nothing new on the server; local writes have their own trigger
        }
        status.publish(State.CONNECTING, null, false);
        try {
            engine.push();
            if (!pushOnly) {
                engine.pull();
            }
            status.publish(State.IDLE, null, true);
            long due = outbox.nextDueAt();
            return due >= 0 ? Duration.ofMillis(Math.max(debounce.toMillis(), due - clock.millis())) : null;
        } catch (TransportException e) {
            if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                tokenRefused.accept(e.getMessage());
                return null;
            }
            boolean reachable = connected.getAsBoolean();
            status.publish(reachable ? State.ERROR : State.OFFLINE, e.getMessage(), false);
            long due = outbox.nextDueAt();
            long wait = e.retryAfter() != null ? e.retryAfter().toMillis() : due >= 0 ? due - clock.millis() : 1000;
            return reachable || e.status() != 0 ? Duration.ofMillis(Math.max(debounce.toMillis(), wait)) : null;
        } catch (RuntimeException e) {
            log.warn("background sync {} failed: {}", key, e.toString());
            status.publish(State.ERROR, e.toString(), false);
            return null;
        }
    }

    @Override
    public void ended(String key) {
        if (!closed.getAsBoolean()) {
            // The run published its outcome while it still counted as running: say it is over.
            status.republish();
        }
    }
}
