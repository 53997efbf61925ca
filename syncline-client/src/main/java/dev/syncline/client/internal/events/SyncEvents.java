package dev.syncline.client.internal.events;

import dev.syncline.client.ListenerToken;
import dev.syncline.client.SyncEvent;
import dev.syncline.client.SyncListener;
import dev.syncline.client.internal.sync.Conflicts;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushResponse;
import dev.syncline.core.protocol.PushResult;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's internal event hook: the sync engine and the conflict engine report here, in one
 * line per call site, and {@link SyncListener}s registered through the client hear it.
 *
 * <p>One hook per client, made by the client's assembly and handed to both engines. With no
 * listener every report is one read of an empty list.
 *
 * <p>Concurrency: listeners sit in a copy-on-write list; reports come from the sync thread and are
 * delivered on it, in order.
 */
public final class SyncEvents {
    private static final Logger log = LoggerFactory.getLogger(SyncEvents.class);

    private final CopyOnWriteArrayList<SyncListener> listeners = new CopyOnWriteArrayList<>();

    /** A hook with no listener. */
    public SyncEvents() {
    }

    /**
     * Adds a listener.
     *
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken add(SyncListener listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "listener must not be null");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** A push batch of {@code operations} got {@code answer} after {@code nanos}. */
    public void pushAnswered(int operations, PushResponse answer, long nanos) {
        if (listeners.isEmpty()) {
            return;
        }
        int applied = 0;
        int conflicts = 0;
        int rejected = 0;
        for (PushResult r : answer.results()) {
            if (r instanceof PushResult.Applied) {
                applied++;
            } else if (r instanceof PushResult.Conflict) {
                conflicts++;
            } else if (r instanceof PushResult.Rejected) {
                rejected++;
            }
        }
        emit(new SyncEvent.PushAnswered(operations, applied, conflicts, rejected, Duration.ofNanos(nanos)));
    }

    /** A push batch of {@code operations} failed with {@code e} after {@code nanos}. */
    public void pushFailed(int operations, TransportException e, long nanos) {
        if (!listeners.isEmpty()) {
            emit(new SyncEvent.PushFailed(operations, code(e), Duration.ofNanos(nanos)));
        }
    }

    /** A pull brought {@code page} after {@code nanos}. */
    public void pullAnswered(PullPage page, long nanos) {
        if (!listeners.isEmpty()) {
            emit(new SyncEvent.PullAnswered(page.changes().size(), page.hasMore(), Duration.ofNanos(nanos)));
        }
    }

    /** A pull failed with {@code e} after {@code nanos}. */
    public void pullFailed(TransportException e, long nanos) {
        if (!listeners.isEmpty()) {
            emit(new SyncEvent.PullFailed(code(e), Duration.ofNanos(nanos)));
        }
    }

    /** The conflict engine settled (or parked) a conflict on a document; {@code NONE} is not one. */
    public void conflictDecided(String scope, String type, String id, Conflicts.Outcome outcome, String by) {
        if (!listeners.isEmpty() && outcome != Conflicts.Outcome.NONE) {
            emit(new SyncEvent.ConflictDecided(scope, type, id, by, outcome == Conflicts.Outcome.PARKED));
        }
    }

    /** A person settled an open conflict of {@code scope/type/id} ({@code by}: {@code manual:local}, ...). */
    public void personDecided(String scope, String type, String id, String by) {
        if (!listeners.isEmpty()) {
            emit(new SyncEvent.ConflictDecided(scope, type, id, by, false));
        }
    }

    private static String code(TransportException e) {
        return e.code() == null ? e.kind().name().toLowerCase(java.util.Locale.ROOT) : e.code();
    }

    private void emit(SyncEvent event) {
        for (SyncListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("sync listener failed on {}: {}", event, e.toString());
            }
        }
    }
}
