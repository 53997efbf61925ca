package dev.syncline.client;

import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.OutboxChanged;
import dev.syncline.client.internal.watch.WatchHub;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Names;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The outbox as the app sees it: every local change waits here, durably and in push order, until
 * the server applies it. Operations are added by the repositories inside each write's own
 * transaction (and coalesced: update after update keeps one operation with the newest data and
 * the oldest base; create then update stays one create; create then delete removes both; update
 * then delete becomes a delete). They are pushed by priority, but strictly first-in first-out per
 * document; a failed operation holds back later ones on its own document only. Transient failures
 * retry with capped exponential backoff and jitter; permanent ones stay here as FAILED, with their
 * data and error, until the app {@link #retry retries} or {@link #discard discards} them.
 *
 * <p>Thread-safe.
 */
public final class PendingOperationsManager {
    private final Outbox outbox;
    private final LocalStore store;
    private final WatchHub watches;
    private final long maxPending;
    private final Duration maxPendingAge;

    PendingOperationsManager(Outbox outbox, LocalStore store, WatchHub watches, long maxPending, Duration maxPendingAge) {
        this.outbox = outbox;
        this.store = store;
        this.watches = watches;
        this.maxPending = maxPending;
        this.maxPendingAge = maxPendingAge;
    }

    /** @return how many operations wait or are being pushed (failed ones are not counted) */
    public long getPendingOperationsCount() {
        return outbox.pendingCount();
    }

    /** @return every outstanding operation (pending, in flight, failed) in the order they will be pushed */
    public List<PendingOperation> pendingOperations() {
        return outbox.list();
    }

    /** @return the failed operations (dead letters), oldest first */
    public List<PendingOperation> failedOperations() {
        return outbox.list().stream().filter(op -> op.state() == OperationState.FAILED).toList();
    }

    /**
     * @return the outstanding operations of one document, oldest first
     * @throws InvalidInputException when a name is bad
     */
    public List<PendingOperation> operationsFor(String scope, String type, String id) {
        Names.requireScope(scope);
        Names.requireType(type);
        Names.requireId(id);
        return outbox.listFor(scope, type, id);
    }

    /**
     * @return the operation with {@code opId}, in any state (empty once cleaned up)
     * @throws InvalidInputException when {@code opId} is null or blank
     */
    public Optional<PendingOperation> operation(String opId) {
        return outbox.get(opId);
    }

    /**
     * Watches the outbox: calls {@code listener} with the outstanding operations at once and after
     * every change to the outbox (the newest state when changes come faster than it takes them),
     * on the client's executor, one call at a time.
     *
     * @return the handle that ends the watch
     * @throws InvalidInputException when {@code listener} is null
     */
    public ListenerToken watchPendingOperations(Consumer<List<PendingOperation>> listener) {
        if (listener == null) {
            throw new InvalidInputException("invalid_listener", "pending operations listener is null");
        }
        return watches.query(e -> e == OutboxChanged.INSTANCE, outbox::list, listener);
    }

    /** @return ok, or degraded with reasons (too many pending, oldest too old, failed operations) */
    public SyncHealth syncHealth() {
        return outbox.health(maxPending, maxPendingAge);
    }

    /**
     * Puts one failed operation back in the queue, due at once.
     *
     * @return 1
     * @throws InvalidInputException when {@code opId} is blank, unknown, or not failed
     */
    public int retry(String opId) {
        if (opId == null || opId.isBlank()) {
            throw new InvalidInputException("invalid_op_id", "opId is missing; use retryAll() to retry every failed operation");
        }
        return outbox.retry(opId);
    }

    /** @return how many failed operations were put back in the queue */
    public int retryAll() {
        return outbox.retry(null);
    }

    /**
     * Gives up on one failed operation: removes it and every later operation of the same document
     * still waiting (their data was written on top of it), and puts the document back to the
     * server state this replica last knew: the data it had at the version the discarded change was
     * made on (a tombstone if that was a delete), or no document at all when the server never had
     * it. The document is then synced, without error; watchers of the document and of the outbox
     * see the change. Each removed operation is kept on record in the local store's discard log
     * (bounded by {@link SyncClientBuilder#logRetention}), and the discard is logged. All in one
     * transaction.
     *
     * @param opId a FAILED operation
     * @return the removed operations as they were: the failed one first, then the later ones
     * @throws InvalidInputException when {@code opId} is blank ({@code invalid_op_id}), unknown
     *     ({@code not_found}), not failed ({@code not_failed}), or its document has an open
     *     conflict ({@code open_conflict}: resolve the conflict instead); nothing is changed
     */
    public List<PendingOperation> discard(String opId) {
        if (opId == null || opId.isBlank()) {
            throw new InvalidInputException("invalid_op_id", "opId is missing; use discardAll() to discard every failed operation");
        }
        return store.discardFailed(opId);
    }

    /**
     * {@link #discard} of every failed operation, in one transaction.
     *
     * @return the removed operations (per failed one: it, then the later ones of its document)
     * @throws InvalidInputException ({@code open_conflict}) when a failed operation's document has
     *     an open conflict; nothing is changed
     */
    public List<PendingOperation> discardAll() {
        return store.discardFailed(null);
    }

    /**
     * Deletes completed operations acknowledged more than {@code olderThan} ago, now; never an
     * operation that is pending, in flight or failed. (The {@link BackgroundSyncCoordinator} and
     * {@link SyncClient#cleanUp()} do this with {@link SyncClientBuilder#doneOperationRetention}.)
     *
     * @return how many were deleted
     * @throws InvalidInputException when {@code olderThan} is null or negative
     */
    public int cleanup(Duration olderThan) {
        return outbox.cleanup(olderThan);
    }
}
