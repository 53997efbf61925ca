package dev.syncline.client.internal.coordinator;

import dev.syncline.client.BackgroundSyncCoordinator.State;
import dev.syncline.client.BackgroundSyncCoordinator.Status;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.ReplicaStatus;
import dev.syncline.core.InvalidInputException;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's status: an immutable {@link Status} snapshot, replaced on each change and
 * handed to every listener on the thread that made the change.
 *
 * <p>Thread-safe.
 */
public final class StatusBoard {
    private static final Logger log = LoggerFactory.getLogger(StatusBoard.class);

    private final Supplier<ReplicaStatus> replica;
    private final Supplier<Set<String>> runningKeys;
    private final Clock clock;
    private final List<Consumer<Status>> listeners = new CopyOnWriteArrayList<>();
    private volatile Status status = new Status(State.IDLE, 0, 0, Set.of(), null, null);

    /**
     * @param replica the replica's counts (pending operations, open conflicts)
     * @param runningKeys the sync keys running now
     * @param clock wall time of {@link Status#lastSyncAt()}
     */
    public StatusBoard(Supplier<ReplicaStatus> replica, Supplier<Set<String>> runningKeys, Clock clock) {
        this.replica = replica;
        this.runningKeys = runningKeys;
        this.clock = clock;
    }

    /** @return the current snapshot */
    public Status current() {
        return status;
    }

    /**
     * Adds a listener.
     *
     * @return closing it removes the listener
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken addListener(Consumer<Status> listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "listener is null");
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Publishes a new snapshot.
     *
     * @param state what the coordinator does now
     * @param error the failure to show, or null to keep the last one (cleared by {@link State#IDLE})
     * @param synced true when a run just finished cleanly
     */
    public void publish(State state, String error, boolean synced) {
        Status old = status;
        long pending;
        long conflicts;
        try {
            ReplicaStatus rs = replica.get();
            pending = rs.pendingCount();
            conflicts = rs.openConflicts();
        } catch (RuntimeException e) {
            pending = old.pendingCount();
            conflicts = old.openConflicts();
        }
        Status s = new Status(state, pending, conflicts, runningKeys.get(), error != null ? error
                : (state == State.IDLE ? null : old.lastError()), synced ? clock.instant() : old.lastSyncAt());
        status = s;
        for (Consumer<Status> l : listeners) {
            try {
                l.accept(s);
            } catch (RuntimeException e) {
                log.warn("status listener failed: {}", e.toString());
            }
        }
    }

    /** Publishes the current state again (the set of running keys changed). */
    public void republish() {
        Status s = status;
        publish(s.state(), s.lastError(), false);
    }
}
