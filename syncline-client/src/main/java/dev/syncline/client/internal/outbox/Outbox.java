package dev.syncline.client.internal.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.OperationState;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.RetryPolicy;
import dev.syncline.client.SyncHealth;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.DocumentsTable;
import dev.syncline.client.internal.store.OutboxChanged;
import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.SyncStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox behind {@code PendingOperationsManager}: adds operations inside the caller's
 * write transaction (coalescing them), and moves them through the {@link OperationState} machine
 * for the push side (claim, ack, fail) and for the app (retry, cleanup).
 *
 * <p>Design: every state change goes through {@link #move}, a conditional
 * {@code UPDATE ... WHERE op_id = ? AND state = ?}, so a move made from a stale view changes
 * nothing and is reported. Order: an operation may be claimed only when no earlier operation on
 * its document is still outstanding (pending, in flight or failed), so a later change never
 * overtakes an earlier one and a failed operation holds back its own document only. Among
 * claimable operations, priority first, then queue order.
 *
 * <p>Coalescing merges a new operation only into its document's newest operation, and only when
 * that one is PENDING and was never sent (never claimed for a push, {@code sent = 0}): an
 * operation the server may already have applied must keep its opId and data, or idempotency would
 * lose the new data. The claim that marks it sent is durable before the request leaves.
 *
 * <p>Echoes: a sent operation whose acknowledgement was lost can be recognised in the server's
 * copy of its document (the change names the opId that produced it); {@link #ackEcho} then
 * records it as applied, PENDING to DONE, exactly as an acknowledgement would.
 *
 * <p>Concurrency: thread-safe; all writes go through {@link Database#write}.
 */
public final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    // State conditions, built once from the state machine (see OutboxStates).
    private static final String OUTSTANDING = OutboxStates.outstanding("state");
    private static final String IS_PENDING = OutboxStates.in("state", OperationState.PENDING);
    private static final String IS_IN_FLIGHT = OutboxStates.in("state", OperationState.IN_FLIGHT);
    private static final String IS_FAILED = OutboxStates.in("state", OperationState.FAILED);
    private static final String WAITING = OutboxStates.in("state", OperationState.PENDING, OperationState.IN_FLIGHT);
    private static final String OP_COLUMNS =
            "op_id, scope, type, id, op_type, priority, state, base_version, data, hlc, attempts, next_attempt_at, error, created_at, seq,"
            + " sent";

    /**
     * The oldest outstanding operation of a document: the only one that can have reached the
     * server (a later one is claimed only once it is done).
     *
     * @param opId its opId
     * @param state its state (never DONE)
     * @param sent true once it was claimed for a push: the server may have applied it
     * @param hlc its stamp, as sent
     */
    public record Outstanding(String opId, OperationState state, boolean sent, String hlc) {
        /**
         * @return true when {@code changeOpId} (or, when the server did not say, {@code changeHlc})
         *     shows the change was made by this operation
         */
        public boolean producedBy(String changeOpId, String changeHlc) {
            if (!sent) {
                return false;
            }
            return changeOpId != null ? changeOpId.equals(opId) : hlc.equals(changeHlc);
        }

        /** @return true while the server may have applied it without this replica knowing */
        public boolean fateUnknown() {
            return sent && (state == OperationState.PENDING || state == OperationState.IN_FLIGHT);
        }
    }

    /**
     * An operation claimed for a push, with its data as the stored JSON text (sent as it is).
     *
     * @param dataJson the document's data as JSON object text; null for a delete
     * @param sentBefore true when an earlier push may already have delivered it
     */
    public record Claimed(String opId, String scope, String type, String id, OperationType operationType,
            SyncPriority priority, long baseVersion, String dataJson, String hlc, int attempts, Instant nextAttemptAt,
            String error, Instant createdAt, boolean sentBefore) {
        /** @return this operation as the public view, in {@code state} */
        public PendingOperation toPending(OperationState state) {
            return new PendingOperation(opId, scope, type, id, operationType, priority, state, baseVersion,
                    dataJson == null ? null : (ObjectNode) Json.parse(dataJson), hlc, attempts, nextAttemptAt, error,
                    createdAt);
        }
    }

    /** What {@link #addOperation} did. */
    public enum AddResult {
        /** A new operation was queued. */
        ADDED,
        /** The change was merged into the document's queued operation. */
        MERGED,
        /** A queued create and this delete cancelled each other; nothing remains queued. */
        CANCELLED
    }

    private final Database db;
    private final Clock clock;
    private final RetryPolicy retryPolicy;
    private final DoubleSupplier random;

    /**
     * @param db the local store's database
     * @param clock time for timestamps and backoff (persisted, so wall time)
     * @param retryPolicy backoff for transient failures
     * @param random jitter source
     */
    public Outbox(Database db, Clock clock, RetryPolicy retryPolicy, DoubleSupplier random) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Queues a change inside the caller's transaction, coalescing it with the document's newest
     * queued operation when that one was never sent.
     *
     * @param tx the caller's write transaction
     * @param baseVersion the server version the change was made on (0: never on the server)
     * @param dataJson the document's new data as JSON object text; null for a delete
     * @param hlc the write's HLC stamp
     * @return what was done
     * @throws InvalidInputException when an argument breaks a rule (nothing is written)
     */
    public AddResult addOperation(Database.Tx tx, String scope, String type, String id, OperationType operationType,
            SyncPriority priority, long baseVersion, String dataJson, String hlc) {
        Names.requireScope(scope);
        Names.requireType(type);
        Names.requireId(id);
        if (operationType == null) {
            throw new InvalidInputException("invalid_operation", "operationType is missing");
        }
        if (priority == null) {
            throw new InvalidInputException("invalid_operation", "priority is missing");
        }
        if (baseVersion < 0) {
            throw new InvalidInputException("invalid_operation", "baseVersion must not be negative: " + baseVersion);
        }
        if ((operationType == OperationType.DELETE) != (dataJson == null)) {
            throw new InvalidInputException("invalid_operation",
                    operationType == OperationType.DELETE ? "a delete carries no data" : operationType.wire() + " needs data");
        }
        if (hlc == null || hlc.isEmpty()) {
            throw new InvalidInputException("invalid_operation", "hlc is missing");
        }
        long now = clock.millis();
        StorageStatement last = tx.prepare("SELECT seq, op_id, op_type, state, sent, priority FROM outbox"
                + " WHERE scope = ? AND type = ? AND id = ? AND " + OUTSTANDING + " ORDER BY seq DESC LIMIT 1");
        last.setString(1, scope);
        last.setString(2, type);
        last.setString(3, id);
        long seq = -1;
        String opId = null;
        OperationType lastType = null;
        boolean mergeable = false;
        int lastPriority = 0;
        try (StorageRows rs = last.executeQuery()) {
            if (rs.next()) {
                seq = rs.getLong(1);
                opId = rs.getString(2);
                lastType = OperationType.fromWire(rs.getString(3));
                mergeable = OperationState.fromWire(rs.getString(4)) == OperationState.PENDING && rs.getInt(5) == 0;
                lastPriority = rs.getInt(6);
            }
        }
        tx.emit(OutboxChanged.INSTANCE);
        if (mergeable) {
            int prio = Math.min(lastPriority, priority.rank());
            if (lastType == OperationType.CREATE && operationType == OperationType.DELETE) {
                StorageStatement del = tx.prepare("DELETE FROM outbox WHERE seq = ?");
                del.setLong(1, seq);
                del.executeUpdate();
                log.debug("outbox: delete cancelled queued create {} of {}/{}/{}", opId, scope, type, id);
                return AddResult.CANCELLED;
            }
            OperationType merged;
            if (operationType == OperationType.DELETE) {
                merged = OperationType.DELETE; // update+delete, delete+delete
            } else if (lastType == OperationType.CREATE) {
                merged = OperationType.CREATE; // create+update stays a create
            } else {
                merged = OperationType.UPDATE; // update+update, delete+update (resurrect)
            }
            StorageStatement upd = tx.prepare("UPDATE outbox SET op_type = ?, data = ?, hlc = ?, priority = ?,"
                    + " updated_at = ? WHERE seq = ? AND " + IS_PENDING + " AND sent = 0");
            upd.setString(1, merged.wire());
            upd.setString(2, dataJson);
            upd.setString(3, hlc);
            upd.setInt(4, prio);
            upd.setLong(5, now);
            upd.setLong(6, seq);
            if (upd.executeUpdate() != 1) {
                throw new IllegalStateException("outbox operation " + opId + " changed under the write lock");
            }
            return AddResult.MERGED;
        }
        StorageStatement ins = tx.prepare("INSERT INTO outbox (op_id, scope, type, id, op_type, priority, base_version,"
                + " data, hlc, state, attempts, next_attempt_at, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, " + OutboxStates.sql(OperationState.PENDING) + ", 0, 0, ?, ?)");
        ins.setString(1, UUID.randomUUID().toString());
        ins.setString(2, scope);
        ins.setString(3, type);
        ins.setString(4, id);
        ins.setString(5, operationType.wire());
        ins.setInt(6, priority.rank());
        ins.setLong(7, baseVersion);
        ins.setString(8, dataJson);
        ins.setString(9, hlc);
        ins.setLong(10, now);
        ins.setLong(11, now);
        ins.executeUpdate();
        return AddResult.ADDED;
    }

    /**
     * Claims up to {@code max} operations for a push: each the oldest outstanding operation of its
     * document, due now, ordered by priority then queue order; moves them PENDING to IN_FLIGHT and
     * marks their documents {@code syncing}.
     *
     * @return the claimed operations, in push order (at most one per document)
     * @throws InvalidInputException when {@code max} is not 1 to 500
     */
    public List<PendingOperation> claim(int max) {
        return claimBatch(max, Long.MAX_VALUE).stream().map(c -> c.toPending(OperationState.IN_FLIGHT)).toList();
    }

    /**
     * As {@link #claim}, for the push itself: stops before the operation that would take the
     * batch's data over {@code maxBytes} (the first operation is always taken), and keeps each
     * operation's data as the stored JSON text, ready to send.
     *
     * @param maxBytes rough budget for the request body
     * @return the claimed operations, in push order (at most one per document)
     * @throws InvalidInputException when {@code max} is not 1 to 500 or {@code maxBytes} is not positive
     */
    public List<Claimed> claimBatch(int max, long maxBytes) {
        if (max < 1 || max > 500) {
            throw new InvalidInputException("invalid_batch", "claim size must be 1 to 500: " + max);
        }
        if (maxBytes < 1) {
            throw new InvalidInputException("invalid_batch", "claim byte budget must be positive: " + maxBytes);
        }
        // Durable (one disk sync per batch): once the request may have left, the operations must be
        // known as sent after any crash, or a later write could merge into an applied operation.
        return db.write(tx -> {
            long now = clock.millis();
            StorageStatement ps = tx.prepare("SELECT " + OP_COLUMNS + " FROM outbox o"
                    + " WHERE " + OutboxStates.in("o.state", OperationState.PENDING) + " AND o.next_attempt_at <= ?"
                    + " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.scope = o.scope AND p.type = o.type"
                    + " AND p.id = o.id AND p.seq < o.seq AND " + OutboxStates.outstanding("p.state") + ")"
                    + " ORDER BY o.priority, o.seq LIMIT ?");
            ps.setLong(1, now);
            ps.setInt(2, max);
            List<Claimed> claimed = new ArrayList<>();
            long bytes = 0;
            try (StorageRows rs = ps.executeQuery()) {
                while (rs.next()) {
                    Claimed c = claimedRow(rs);
                    long size = (c.dataJson() == null ? 0 : c.dataJson().length()) + 200L;
                    if (!claimed.isEmpty() && bytes + size > maxBytes) {
                        break;
                    }
                    claimed.add(c);
                    bytes += size;
                }
            }
            if (claimed.isEmpty()) {
                return claimed;
            }
            // Set-based moves: one statement for the operations and one for their documents,
            // whatever the batch size. The rows were read in this transaction, so all still pend.
            List<Object> ids = new ArrayList<>(claimed.size());
            List<Object> docs = new ArrayList<>(claimed.size());
            for (Claimed c : claimed) {
                ids.add(c.opId());
                docs.add(List.of(c.scope(), c.type(), c.id(), c.attempts()));
            }
            // (+state: the op_id index finds the rows; the state is only checked.)
            StorageStatement move = tx.prepare("UPDATE outbox SET state = " + OutboxStates.sql(OperationState.IN_FLIGHT)
                    + ", sent = 1, error = NULL, next_attempt_at = 0, updated_at = ? WHERE "
                    + OutboxStates.movable("+state", OperationState.IN_FLIGHT, OperationState.PENDING)
                    + " AND op_id IN (SELECT value FROM json_each(?))");
            move.setLong(1, now);
            move.setString(2, Json.write(ids));
            int moved = move.executeUpdate();
            if (moved != claimed.size()) {
                throw new IllegalStateException("outbox claim moved " + moved + " of " + claimed.size()
                        + " operations read in the same transaction");
            }
            DocumentsTable.markSyncing(tx, Json.write(docs));
            tx.emit(OutboxChanged.INSTANCE);
            return claimed;
        });
    }

    /**
     * Records that the server applied {@code opId} as {@code serverVersion}: the operation is DONE,
     * its document learns the version, and later operations on the document are rebased on it.
     *
     * @return false when the operation is not IN_FLIGHT (nothing changes)
     * @throws InvalidInputException when {@code opId} is missing or {@code serverVersion} is not positive
     */
    public boolean ack(String opId, long serverVersion) {
        return ackAll(java.util.Map.of(opId == null ? "" : opId, serverVersion)) == 1;
    }

    /**
     * {@link #ack} of many operations in one transaction (one disk sync for a whole push), with a
     * fixed number of statements whatever their count.
     *
     * @param versions server version by opId
     * @return how many were acknowledged (operations not IN_FLIGHT are left as they are)
     * @throws InvalidInputException when an opId is missing or a version is not positive (nothing changes)
     */
    public int ackAll(java.util.Map<String, Long> versions) {
        for (java.util.Map.Entry<String, Long> e : versions.entrySet()) {
            requireOpId(e.getKey());
            if (e.getValue() == null || e.getValue() < 1) {
                throw new InvalidInputException("invalid_version", "server version must be positive: " + e.getValue());
            }
        }
        if (versions.isEmpty()) {
            return 0;
        }
        // Committed without waiting for the disk: if a machine crash loses this, the operations
        // are sent again and the server answers them from its opId memory, as applied.
        return db.writeRecoverable(tx -> acknowledge(tx, versions, OperationState.IN_FLIGHT));
    }

    /**
     * Inside {@code tx}: records that the server applied the sent operation {@code opId} as
     * {@code serverVersion}, learnt from its echo (the server's copy of the document names it)
     * rather than from the push's answer, which was lost. Same effect as {@link #ack}.
     *
     * @return false when {@code opId} is not a sent, outstanding operation (nothing changes)
     */
    public boolean ackEcho(Database.Tx tx, String opId, long serverVersion) {
        requireOpId(opId);
        if (serverVersion < 1) {
            throw new InvalidInputException("invalid_version", "server version must be positive: " + serverVersion);
        }
        // PENDING -> DONE is the echo's own move: a sent operation put back after a lost answer.
        boolean acked = acknowledge(tx, java.util.Map.of(opId, serverVersion), OperationState.PENDING,
                OperationState.IN_FLIGHT) == 1;
        if (acked) {
            log.info("outbox: {} was applied as version {} (its acknowledgement was lost; recognised in the server's copy)",
                    opId, serverVersion);
        }
        return acked;
    }

    /** Inside {@code tx}: the oldest outstanding operation of one document, or null when none is. */
    public static Outstanding firstOutstanding(Database.Tx tx, String scope, String type, String id) {
        return readOutstanding(tx.prepare(FIRST_OUTSTANDING), scope, type, id);
    }

    /** @return the oldest outstanding operation of one document, or null when none is */
    public Outstanding firstOutstanding(String scope, String type, String id) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare(FIRST_OUTSTANDING)) {
                return readOutstanding(ps, scope, type, id);
            }
        });
    }

    private static final String FIRST_OUTSTANDING = "SELECT op_id, state, sent, hlc FROM outbox"
            + " WHERE scope = ? AND type = ? AND id = ? AND " + OUTSTANDING + " ORDER BY seq LIMIT 1";

    private static Outstanding readOutstanding(StorageStatement ps, String scope, String type, String id) {
        ps.setString(1, scope);
        ps.setString(2, type);
        ps.setString(3, id);
        try (StorageRows rs = ps.executeQuery()) {
            return rs.next() ? new Outstanding(rs.getString(1), OperationState.fromWire(rs.getString(2)), rs.getInt(3) != 0,
                    rs.getString(4)) : null;
        }
    }

    /**
     * Moves the operations of {@code versions} that are in one of {@code from} (and, when that
     * includes PENDING, were sent) to DONE, rebases the later operations of their documents and
     * updates the documents, with a fixed number of statements whatever their count.
     */
    private int acknowledge(Database.Tx tx, java.util.Map<String, Long> versions, OperationState... from) {
        {
            long now = clock.millis();
            boolean echo = java.util.Arrays.asList(from).contains(OperationState.PENDING);
            StorageStatement done = tx.prepare("UPDATE outbox SET state = " + OutboxStates.sql(OperationState.DONE)
                    + ", error = NULL, next_attempt_at = 0, updated_at = ? WHERE "
                    + OutboxStates.movable("state", OperationState.DONE, from) + (echo ? " AND sent = 1" : "")
                    + " AND op_id IN (SELECT value FROM json_each(?)) RETURNING op_id, scope, type, id, seq");
            done.setLong(1, now);
            done.setString(2, Json.write(versions.keySet()));
            List<Object> acked = new ArrayList<>();
            try (StorageRows rs = done.executeQuery()) {
                while (rs.next()) {
                    acked.add(List.of(rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            versions.get(rs.getString(1)), rs.getString(1)));
                }
            }
            if (acked.isEmpty()) {
                return 0;
            }
            String ackedJson = Json.write(acked);
            // Later operations of the same documents are rebased on the version the server gave.
            // (A document has at most one operation in flight, so each row matches one acked op.)
            StorageStatement rebase = tx.prepare("UPDATE outbox SET base_version = a.v FROM " + DocumentsTable.ACKED_ROWS
                    + " AS a WHERE outbox.scope = a.s AND outbox.type = a.t AND outbox.id = a.i AND outbox.seq > a.q"
                    + " AND " + OutboxStates.outstanding("outbox.state"));
            rebase.setString(1, ackedJson);
            rebase.executeUpdate();
            // A document with nothing more queued is synced at the new version. One with a later
            // change still queued keeps it: the acknowledged data is that change's new base.
            DocumentsTable.acknowledged(tx, ackedJson, OutboxStates.outstanding("l.state"), now);
            tx.emit(OutboxChanged.INSTANCE);
            if (log.isDebugEnabled()) {
                for (Object row : acked) {
                    List<?> r = (List<?>) row;
                    log.debug("outbox: {} applied as version {} of {}/{}/{}", r.get(5), r.get(4), r.get(0), r.get(1), r.get(2));
                }
            }
            return acked.size();
        }
    }

    /**
     * Records that pushing {@code opId} failed. A transient failure puts it back to PENDING, due
     * after a capped, jittered exponential backoff; a permanent one moves it to FAILED (a dead
     * letter that keeps its data) and marks its document {@code error}.
     *
     * @return false when the operation is not IN_FLIGHT (nothing changes)
     * @throws InvalidInputException when {@code opId} or {@code error} is missing
     */
    public boolean fail(String opId, String error, boolean permanent) {
        requireOpId(opId);
        if (error == null || error.isBlank()) {
            throw new InvalidInputException("invalid_error", "a failure needs an error message");
        }
        return recordFailure(opId, error, permanent, 0);
    }

    /**
     * Records that the server asked to slow down (429/503 with Retry-After): {@code opId} goes
     * back to PENDING, due after {@code delay} (or its backoff, whichever is longer).
     *
     * @return false when the operation is not IN_FLIGHT
     * @throws InvalidInputException when an argument is missing or {@code delay} is negative
     */
    public boolean failAfter(String opId, String error, Duration delay) {
        requireOpId(opId);
        if (error == null || error.isBlank() || delay == null || delay.isNegative()) {
            throw new InvalidInputException("invalid_error", "a slow-down needs an error message and a non-negative delay");
        }
        return recordFailure(opId, error, false, delay.toMillis());
    }

    /** The one path out of IN_FLIGHT on a failure: FAILED, or PENDING after max(backoff, minDelay). */
    private boolean recordFailure(String opId, String error, boolean permanent, long minDelayMillis) {
        return db.write(tx -> {
            PendingOperation op = find(tx, opId);
            if (op == null) {
                return false;
            }
            int attempts = op.attempts() + 1;
            long delay = permanent ? 0 : Math.max(minDelayMillis, retryPolicy.delayAfter(attempts, random).toMillis());
            long due = permanent ? 0 : clock.millis() + delay;
            OperationState to = permanent ? OperationState.FAILED : OperationState.PENDING;
            if (!move(tx, opId, OperationState.IN_FLIGHT, to, error, attempts, due)) {
                return false;
            }
            setDocumentStatus(tx, op, permanent ? SyncStatus.ERROR : SyncStatus.PENDING,
                    EnumSet.of(SyncStatus.SYNCING, SyncStatus.PENDING), error, attempts);
            if (permanent) {
                log.warn("outbox: {} on {}/{}/{} failed permanently: {}", opId, op.scope(), op.type(), op.id(), error);
            } else {
                log.info("outbox: {} on {}/{}/{} failed (attempt {}), retry in {} ms: {}", opId, op.scope(), op.type(),
                        op.id(), attempts, delay, error);
            }
            return true;
        });
    }

    /**
     * Puts in-flight operations back to PENDING, due at once, without counting an attempt (the
     * push never reached a decision, such as on a 401).
     *
     * @return how many moved
     */
    public int release(List<String> opIds) {
        return db.write(tx -> {
            int n = 0;
            for (String opId : opIds) {
                PendingOperation op = find(tx, opId);
                if (op != null && move(tx, opId, OperationState.IN_FLIGHT, OperationState.PENDING, op.error(), op.attempts(), 0)) {
                    setDocumentStatus(tx, op, SyncStatus.PENDING, EnumSet.of(SyncStatus.SYNCING), op.error(), op.attempts());
                    n++;
                }
            }
            return n;
        });
    }

    /**
     * Marks pending operations as never sent again, after a push that certainly did not reach the
     * server (the connection was never made, or the server refused it before reading it: 401, 429).
     * Only for operations no earlier push may have delivered ({@link Claimed#sentBefore} false).
     *
     * @return how many were marked
     */
    public int unsent(java.util.Collection<String> opIds) {
        if (opIds.isEmpty()) {
            return 0;
        }
        return db.write(tx -> {
            StorageStatement ps = tx.prepare("UPDATE outbox SET sent = 0 WHERE " + IS_PENDING + " AND sent = 1"
                    + " AND op_id IN (SELECT value FROM json_each(?))");
            ps.setString(1, Json.write(opIds));
            return ps.executeUpdate();
        });
    }

    /**
     * Makes pending operations due at once, skipping what is left of their backoff (the server
     * was just reached, and a pulled change waits for their answer).
     *
     * @return how many were brought forward
     */
    public int dueNow(java.util.Collection<String> opIds) {
        if (opIds.isEmpty()) {
            return 0;
        }
        return db.write(tx -> {
            StorageStatement ps = tx.prepare("UPDATE outbox SET next_attempt_at = 0 WHERE " + IS_PENDING
                    + " AND next_attempt_at > 0 AND op_id IN (SELECT value FROM json_each(?))");
            ps.setString(1, Json.write(opIds));
            int n = ps.executeUpdate();
            if (n > 0) {
                tx.emit(OutboxChanged.INSTANCE);
            }
            return n;
        });
    }

    /** @return when the earliest pending operation is due (epoch millis), or -1 when none is pending */
    public long nextDueAt() {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT min(next_attempt_at) FROM outbox WHERE " + IS_PENDING);
                    StorageRows rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return -1L;
                }
                return rs.isNull(1) ? -1L : rs.getLong(1);
            }
        });
    }

    /**
     * Inside {@code tx}: removes every outstanding operation (pending, in flight, failed) of one
     * document, because a conflict resolution replaces them with its own result.
     *
     * @return the opIds removed
     */
    public List<String> discardOutstanding(Database.Tx tx, String scope, String type, String id) {
        List<String> ids = outstandingIds(tx, scope, type, id);
        if (!ids.isEmpty()) {
            StorageStatement del = tx.prepare("DELETE FROM outbox WHERE scope = ? AND type = ? AND id = ? AND " + OUTSTANDING);
            del.setString(1, scope);
            del.setString(2, type);
            del.setString(3, id);
            del.executeUpdate();
            tx.emit(OutboxChanged.INSTANCE);
        }
        return ids;
    }

    /** Inside {@code tx}: the opIds of one document's outstanding operations, oldest first. */
    public static List<String> outstandingIds(Database.Tx tx, String scope, String type, String id) {
        StorageStatement sel = tx.prepare("SELECT op_id FROM outbox WHERE scope = ? AND type = ? AND id = ? AND " + OUTSTANDING
                + " ORDER BY seq");
        sel.setString(1, scope);
        sel.setString(2, type);
        sel.setString(3, id);
        List<String> ids = new ArrayList<>();
        try (StorageRows rs = sel.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /**
     * Puts failed operations back in the queue, due at once: the one named, or all when
     * {@code opId} is null.
     *
     * @return how many were put back
     * @throws InvalidInputException when {@code opId} is given but is not a failed operation
     */
    public int retry(String opId) {
        return db.write(tx -> {
            List<PendingOperation> failed;
            if (opId == null) {
                StorageStatement ps = tx.prepare("SELECT " + OP_COLUMNS + " FROM outbox WHERE " + IS_FAILED + " ORDER BY seq");
                failed = readOps(ps);
            } else {
                PendingOperation op = find(tx, opId);
                if (op == null) {
                    throw new InvalidInputException("not_found", "no outbox operation with opId " + opId);
                }
                if (op.state() != OperationState.FAILED) {
                    throw new InvalidInputException("not_failed", "outbox operation " + opId + " is " + op.state().wire()
                            + ", not failed; only failed operations can be retried");
                }
                failed = List.of(op);
            }
            int n = 0;
            for (PendingOperation op : failed) {
                if (move(tx, op.opId(), OperationState.FAILED, OperationState.PENDING, null, op.attempts(), 0)) {
                    setDocumentStatus(tx, op, SyncStatus.PENDING, EnumSet.of(SyncStatus.ERROR), null, op.attempts());
                    n++;
                }
            }
            if (n > 0) {
                log.info("outbox: {} failed operation(s) put back in the queue", n);
            }
            return n;
        });
    }

    /** Inside {@code tx}: the failed operations (dead letters), in queue order. */
    public List<PendingOperation> failedOperations(Database.Tx tx) {
        return readOps(tx.prepare("SELECT " + OP_COLUMNS + " FROM outbox WHERE " + IS_FAILED + " ORDER BY seq"));
    }

    /**
     * Inside {@code tx}: removes the failed operation {@code opId} and every later outstanding
     * operation of its document (their data was written on top of it). Nothing earlier can be
     * outstanding: an operation is claimed only when nothing earlier on its document is.
     *
     * @return the removed operations as they were, {@code opId}'s first, then in queue order
     * @throws InvalidInputException {@code not_found} when there is no such operation,
     *     {@code not_failed} when it is not FAILED; nothing is removed
     */
    public List<PendingOperation> discardFailed(Database.Tx tx, String opId) {
        requireOpId(opId);
        PendingOperation op = find(tx, opId);
        if (op == null) {
            throw new InvalidInputException("not_found", "no outbox operation with opId " + opId);
        }
        if (op.state() != OperationState.FAILED) {
            throw new InvalidInputException("not_failed", "outbox operation " + opId + " is " + op.state().wire()
                    + ", not failed; only failed operations can be discarded");
        }
        StorageStatement sel = tx.prepare("SELECT " + OP_COLUMNS + " FROM outbox WHERE scope = ? AND type = ? AND id = ?"
                + " AND " + OUTSTANDING + " AND seq >= (SELECT seq FROM outbox WHERE op_id = ?) ORDER BY seq");
        sel.setString(1, op.scope());
        sel.setString(2, op.type());
        sel.setString(3, op.id());
        sel.setString(4, opId);
        List<PendingOperation> removed = readOps(sel);
        for (PendingOperation later : removed) {
            if (later.state() == OperationState.IN_FLIGHT) {
                // Cannot happen while the failed one holds its document back; never drop a sent operation.
                throw new IllegalStateException("outbox operation " + later.opId() + " after failed " + opId + " is in flight");
            }
        }
        StorageStatement del = tx.prepare("DELETE FROM outbox WHERE op_id = ?");
        for (PendingOperation r : removed) {
            del.setString(1, r.opId());
            del.executeUpdate();
        }
        tx.emit(OutboxChanged.INSTANCE);
        return removed;
    }

    /**
     * After a crash or restart: operations left IN_FLIGHT go back to PENDING (the server's opId
     * idempotency makes resending them safe) and their documents back to {@code pending}.
     *
     * @return how many were recovered
     */
    public int recoverInFlight() {
        return db.write(tx -> {
            // Whatever left them in flight, the request may have reached the server.
            tx.prepare("UPDATE outbox SET sent = 1 WHERE " + IS_IN_FLIGHT + " AND sent = 0").executeUpdate();
            StorageStatement ps = tx.prepare("SELECT " + OP_COLUMNS + " FROM outbox WHERE " + IS_IN_FLIGHT);
            int n = 0;
            for (PendingOperation op : readOps(ps)) {
                if (move(tx, op.opId(), OperationState.IN_FLIGHT, OperationState.PENDING, op.error(), op.attempts(), 0)) {
                    setDocumentStatus(tx, op, SyncStatus.PENDING, EnumSet.of(SyncStatus.SYNCING), op.error(), op.attempts());
                    n++;
                }
            }
            if (n > 0) {
                log.info("outbox: {} operation(s) in flight at the last shutdown are pending again", n);
            }
            return n;
        });
    }

    /**
     * Deletes DONE operations last changed (acknowledged) more than {@code olderThan} ago; never
     * an operation in any other state. Deletes in chunks of {@value #CLEANUP_CHUNK}, each its own
     * transaction, so a large backlog does not hold up local writes.
     *
     * @return how many were deleted
     * @throws InvalidInputException when {@code olderThan} is null or negative
     */
    public int cleanup(Duration olderThan) {
        if (olderThan == null || olderThan.isNegative()) {
            throw new InvalidInputException("invalid_setting", "cleanup age must be zero or positive: " + olderThan);
        }
        long cutoff = clock.millis() - olderThan.toMillis();
        int total = 0;
        int n;
        do {
            n = db.write(tx -> {
                StorageStatement ps = tx.prepare("DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox"
                        + " WHERE " + OutboxStates.in("state", OperationState.DONE) + " AND updated_at <= ? LIMIT "
                        + CLEANUP_CHUNK + ")");
                ps.setLong(1, cutoff);
                int deleted = ps.executeUpdate();
                if (deleted > 0) {
                    tx.emit(OutboxChanged.INSTANCE);
                }
                return deleted;
            });
            total += n;
        } while (n == CLEANUP_CHUNK);
        if (total > 0) {
            log.debug("outbox: {} completed operation(s) acknowledged before {} removed", total, Instant.ofEpochMilli(cutoff));
        }
        return total;
    }

    private static final int CLEANUP_CHUNK = 5000;

    /** @return every outstanding operation (pending, in flight, failed), in push order */
    public List<PendingOperation> list() {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT " + OP_COLUMNS
                    + " FROM outbox WHERE " + OUTSTANDING + " ORDER BY priority, seq")) {
                return readOps(ps);
            }
        });
    }

    /** @return the outstanding operations of one document, oldest first */
    public List<PendingOperation> listFor(String scope, String type, String id) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT " + OP_COLUMNS
                    + " FROM outbox WHERE scope = ? AND type = ? AND id = ? AND " + OUTSTANDING + " ORDER BY seq")) {
                ps.setString(1, scope);
                ps.setString(2, type);
                ps.setString(3, id);
                return readOps(ps);
            }
        });
    }

    /** @return the operation with {@code opId}, in any state */
    public Optional<PendingOperation> get(String opId) {
        requireOpId(opId);
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT " + OP_COLUMNS + " FROM outbox WHERE op_id = ?")) {
                ps.setString(1, opId);
                List<PendingOperation> ops = readOps(ps);
                return ops.isEmpty() ? Optional.empty() : Optional.of(ops.get(0));
            }
        });
    }

    /** @return operations waiting or in flight (failed ones are not counted) */
    public long pendingCount() {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare(
                    "SELECT count(*) FROM outbox WHERE " + WAITING);
                    StorageRows rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /**
     * @param maxPending more pending operations than this is degraded
     * @param maxAge an oldest pending operation older than this is degraded
     * @return the health snapshot
     */
    public SyncHealth health(long maxPending, Duration maxAge) {
        return db.read(c -> {
            long pending;
            long oldest;
            long failed;
            try (StorageStatement ps = c.prepare("SELECT"
                    + " (SELECT count(*) FROM outbox WHERE " + WAITING + "),"
                    + " (SELECT min(created_at) FROM outbox WHERE " + WAITING + "),"
                    + " (SELECT count(*) FROM outbox WHERE " + IS_FAILED + ")");
                    StorageRows rs = ps.executeQuery()) {
                rs.next();
                pending = rs.getLong(1);
                oldest = rs.isNull(2) ? -1 : rs.getLong(2);
                failed = rs.getLong(3);
            }
            Duration age = oldest < 0 ? Duration.ZERO : Duration.ofMillis(Math.max(0, clock.millis() - oldest));
            List<String> reasons = new ArrayList<>();
            if (pending > maxPending) {
                reasons.add(pending + " operations pending (more than " + maxPending + ")");
            }
            if (age.compareTo(maxAge) > 0) {
                reasons.add("oldest pending operation is " + age.toMinutes() + " minutes old (more than "
                        + maxAge.toMinutes() + ")");
            }
            if (failed > 0) {
                reasons.add(failed + " operations failed and wait for a retry");
            }
            return new SyncHealth(!reasons.isEmpty(), reasons, pending, age, failed);
        });
    }

    /**
     * The one place an operation changes state: a conditional update that only happens when the
     * row is still in {@code from}.
     *
     * @return true when the row moved; false when it was not in {@code from}
     * @throws IllegalStateException when {@code from → to} is not a legal move (a bug; nothing
     *     is written, and the caller's transaction rolls back)
     */
    boolean move(Database.Tx tx, String opId, OperationState from, OperationState to, String error,
            int attempts, long nextAttemptAt) {
        OutboxStates.requireMove(to, from);
        StorageStatement ps = tx.prepare("UPDATE outbox SET state = ?, error = ?, attempts = ?, next_attempt_at = ?,"
                + " updated_at = ? WHERE op_id = ? AND state = ?");
        ps.setString(1, to.wire());
        ps.setString(2, error);
        ps.setInt(3, attempts);
        ps.setLong(4, nextAttemptAt);
        ps.setLong(5, clock.millis());
        ps.setString(6, opId);
        ps.setString(7, from.wire());
        boolean moved = ps.executeUpdate() == 1;
        if (moved) {
            tx.emit(OutboxChanged.INSTANCE);
        }
        return moved;
    }

    private static void setDocumentStatus(Database.Tx tx, PendingOperation op, SyncStatus status,
            java.util.Set<SyncStatus> onlyWhen, String error, int retryCount) {
        DocumentsTable.setStatus(tx, op.scope(), op.type(), op.id(), status, onlyWhen, error, retryCount);
    }

    private static PendingOperation find(Database.Tx tx, String opId) {
        StorageStatement ps = tx.prepare("SELECT " + OP_COLUMNS + " FROM outbox WHERE op_id = ?");
        ps.setString(1, opId);
        List<PendingOperation> ops = readOps(ps);
        return ops.isEmpty() ? null : ops.get(0);
    }

    private static Claimed claimedRow(StorageRows rs) {
        return new Claimed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                OperationType.fromWire(rs.getString(5)), SyncPriority.fromRank(rs.getInt(6)), rs.getLong(8),
                rs.getString(9), rs.getString(10), rs.getInt(11), Instant.ofEpochMilli(rs.getLong(12)), rs.getString(13),
                Instant.ofEpochMilli(rs.getLong(14)), rs.getInt(16) != 0);
    }

    private static List<PendingOperation> readOps(StorageStatement ps) {
        List<PendingOperation> out = new ArrayList<>();
        try (StorageRows rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(claimedRow(rs).toPending(OperationState.fromWire(rs.getString(7))));
            }
        }
        return out;
    }

    private static void requireOpId(String opId) {
        if (opId == null || opId.isBlank()) {
            throw new InvalidInputException("invalid_op_id", "opId is missing");
        }
    }
}
