package dev.syncline.client.internal.sync;

import dev.syncline.client.OperationState;
import dev.syncline.client.SyncReport;
import dev.syncline.client.internal.events.SyncEvents;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.outbox.OutboxStates;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.DocumentsTable;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.transport.TokenGate;
import dev.syncline.client.spi.transport.SyncTransport;
import dev.syncline.client.spi.transport.TransportException;
import dev.syncline.core.Json;
import dev.syncline.core.OperationType;
import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.PullPage;
import dev.syncline.core.protocol.PushResponse;
import dev.syncline.core.protocol.PushResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push and pull for one replica.
 *
 * <p>Push drains the outbox in its order, in batches of up to 500 operations (and about 3 MiB):
 * claim (one short transaction), send (no transaction open), then record every result in one
 * transaction: applied operations are acknowledged (rebasing later ones), rejected ones become
 * dead letters with the server's code and message, conflicts go to {@link Conflicts}. Transport
 * failures follow the protocol's table: transient ones and slow-downs put the batch back with
 * backoff (or Retry-After), a wrong request fails its operations, a 401 puts them back untouched
 * and stops syncing until the token changes.
 *
 * <p>Pull pages from the stored cursor until {@code hasMore} is false; each page is applied with
 * its cursor, and the highest seq it carried per scope, in one transaction. A change to a
 * document with a pending local change is never applied over it: it is kept in the page's
 * transaction as a deferred change and settled by {@link Conflicts} after the commit.
 *
 * <p>Own echoes (ARCHITECTURE.md invariant 7): a pulled change, or a push conflict's current
 * state, made by the document's own sent operation (the change names its opId, or without one
 * carries its HLC) is that operation's acknowledgement, lost on the way: the operation is
 * recorded as applied and what was queued after it is rebased on it. A change made by someone
 * else while the document's own sent operation has no answer yet is not settled either: the
 * server may have applied that operation first, so settling now would take the replica's own
 * write for the other side. It stays deferred (durably, so the cursor may move on) until a push
 * answers for the operation, then it is settled on the right base.
 *
 * <p>Concurrency: thread-safe; runs are serialised by one lock, so push and pull of a replica
 * never overlap. The thread running a sync is marked so commit listeners can tell the engine's
 * own writes from the app's.
 */
public final class SyncEngine {
    private static final Logger log = LoggerFactory.getLogger(SyncEngine.class);
    private static final ThreadLocal<Boolean> SYNCING = ThreadLocal.withInitial(() -> false);
    /** Largest push batch (the protocol's limit). */
    public static final int MAX_BATCH = 500;
    private static final long MAX_BATCH_BYTES = 3L * 1024 * 1024;

    /** Phases a run goes through. */
    public enum Phase {
        /** Not running. */
        IDLE,
        /** Sending the outbox. */
        PUSHING,
        /** Reading the change feed. */
        PULLING
    }

    /** Told about phases and about each exchange with the server. */
    public interface Listener {
        /** The run entered {@code phase}. */
        default void phase(Phase phase) {
        }

        /** A request got an answer in {@code rttNanos}. */
        default void exchanged(long rttNanos) {
        }

        /** A request failed. */
        default void failed(TransportException e) {
        }
    }

    /** Counts of one push or pull. */
    public static final class Counts {
        /** Operations applied by the server. */
        public long pushed;
        /** Changes applied locally. */
        public long pulled;
        /** Conflicts settled by policy. */
        public long settled;
        /** Operations failed permanently. */
        public long failed;
    }

    private final Database db;
    private final SyncEvents events;
    private final LocalStore store;
    private final Outbox outbox;
    private final Conflicts conflicts;
    private final SyncTransport transport;
    private final TokenGate tokens;
    private final String clientId;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final int batchSize;
    private final int pageSize;
    private final ReentrantLock runLock = new ReentrantLock();
    private final Object pause = new Object();
    private volatile Listener listener = new Listener() {
    };

    /**
     * @param transport the server, or null when this replica has none
     * @param tokens the token each request carries (ignored without a transport)
     * @param clock wall time (persisted retry times)
     * @param nanoTime monotonic time: round trips, sync deadlines and the waits between retries
     * @param batchSize push batch, 1 to 500
     * @param pageSize pull page, 1 to 1000
     */
    public SyncEngine(Database db, LocalStore store, Outbox outbox, Conflicts conflicts, SyncTransport transport,
            TokenGate tokens, String clientId, Clock clock, LongSupplier nanoTime, int batchSize, int pageSize,
            SyncEvents events) {
        this.db = db;
        this.events = events;
        this.store = store;
        this.outbox = outbox;
        this.conflicts = conflicts;
        this.transport = transport;
        this.tokens = tokens;
        this.clientId = clientId;
        this.clock = clock;
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.batchSize = batchSize;
        this.pageSize = pageSize;
    }

    /** Sets the listener (one; the coordinator). */
    public void listener(Listener l) {
        this.listener = Objects.requireNonNull(l);
    }

    /** @return the transport, or null when no server is configured */
    public SyncTransport transport() {
        return transport;
    }

    /** @return the token state of the transport's requests, or null when no server is configured */
    public TokenGate tokens() {
        return transport == null ? null : tokens;
    }

    /** @return true on a thread that is running a sync of some replica */
    public static boolean onSyncThread() {
        return SYNCING.get();
    }

    /** @return true while the server refuses the token the next request would carry */
    public boolean authenticationNeeded() {
        return transport != null && tokens.refused();
    }

    /** Forgets that a token was refused (the app says it has a new one). */
    public void tokenRefreshed() {
        if (transport != null) {
            tokens.forget();
        }
    }

    /**
     * Pushes until the outbox has nothing due.
     *
     * @throws TransportException when the server cannot be used now (the batch is back in the queue)
     */
    public Counts push() {
        Counts counts = new Counts();
        run(() -> {
            listener.phase(Phase.PUSHING);
            // Two batches in flight at most: the next batch is claimed and sent while the server
            // works on the previous one, and the previous one's results are recorded while the
            // server works on the next. Safe for order: a claimed batch holds only operations
            // whose document has nothing earlier outstanding, in flight included, so two batches
            // never touch the same document.
            List<Outbox.Claimed> prevBatch = null;
            java.util.concurrent.CompletableFuture<PushResponse> prevAnswer = null;
            String prevToken = null;
            long prevStart = 0;
            while (true) {
                List<Outbox.Claimed> batch = claimBatch();
                long start = nanoTime.getAsLong();
                String token = tokens.current();
                java.util.concurrent.CompletableFuture<PushResponse> answer = batch.isEmpty() ? null
                        : transport.push(token, request(batch));
                if (prevBatch != null) {
                    try {
                        record(prevBatch, prevAnswer, prevToken, prevStart, counts);
                    } catch (TransportException e) {
                        if (answer != null) {
                            try {
                                record(batch, answer, token, start, counts);
                            } catch (TransportException ignored) {
                                // handled for its batch; the first failure is the one reported
                            }
                        }
                        throw e;
                    }
                }
                if (answer == null) {
                    return;
                }
                prevBatch = batch;
                prevAnswer = answer;
                prevToken = token;
                prevStart = start;
            }
        });
        return counts;
    }

    /** Claims up to a batch, keeping a request under the server's 4 MiB. */
    private List<Outbox.Claimed> claimBatch() {
        return outbox.claimBatch(batchSize, MAX_BATCH_BYTES);
    }

    /** The push request's body; each operation's stored JSON text goes out as it is, unparsed. */
    private byte[] request(List<Outbox.Claimed> batch) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(batch.size() * 320);
        try (com.fasterxml.jackson.core.JsonGenerator g = Json.writer().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("clientId", clientId);
            g.writeArrayFieldStart("ops");
            for (Outbox.Claimed op : batch) {
                boolean delete = op.operationType() == OperationType.DELETE;
                g.writeStartObject();
                g.writeStringField("opId", op.opId());
                g.writeStringField("scope", op.scope());
                g.writeStringField("type", op.type());
                g.writeStringField("id", op.id());
                g.writeStringField("kind", (delete ? OpKind.DELETE : OpKind.UPSERT).wire());
                g.writeNumberField("baseVersion", op.baseVersion());
                g.writeFieldName("data");
                if (delete || op.dataJson() == null) {
                    g.writeNull();
                } else {
                    g.writeRawValue(op.dataJson());
                }
                g.writeStringField("hlc", op.hlc());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("writing a push request", e);
        }
        return out.toByteArray();
    }

    private void record(List<Outbox.Claimed> batch, java.util.concurrent.CompletableFuture<PushResponse> answer, String token,
            long t0, Counts counts) {
        PushResponse resp;
        try {
            resp = answer.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException ce) {
            Throwable cause = ce.getCause();
            TransportException e = cause instanceof TransportException te ? te
                    : new TransportException(TransportException.Kind.TRANSIENT, 0, "network", "push: " + cause, null, cause);
            if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                tokens.refuse(token);
            }
            listener.failed(e);
            events.pushFailed(batch.size(), e, nanoTime.getAsLong() - t0);
            handlePushFailure(batch, e, counts);
            if (e.kind() == TransportException.Kind.BAD_REQUEST) {
                return;
            }
            throw e;
        }
        listener.exchanged(nanoTime.getAsLong() - t0);
        events.pushAnswered(batch.size(), resp, nanoTime.getAsLong() - t0);
        Map<String, Outbox.Claimed> byId = new LinkedHashMap<>();
        batch.forEach(op -> byId.put(op.opId(), op));
        Map<String, Long> applied = new LinkedHashMap<>();
        List<PushResult.Conflict> conflicted = new ArrayList<>();
        List<PushResult.Rejected> rejected = new ArrayList<>();
        Map<String, Outbox.Claimed> claimed = new java.util.HashMap<>(byId);
        for (PushResult r : resp.results()) {
            if (byId.remove(r.opId()) == null) {
                continue; // not ours: ignore
            }
            if (r instanceof PushResult.Applied a) {
                applied.put(a.opId(), a.version());
            } else if (r instanceof PushResult.Conflict c) {
                Outbox.Claimed op = claimed.get(c.opId());
                if (c.current() != null && producedBy(op, c.current())) {
                    // The server's state is this very operation (applied before, and its memory of
                    // the opId is gone): an acknowledgement, not a conflict with itself.
                    applied.put(c.opId(), c.current().version());
                } else {
                    conflicted.add(c);
                }
            } else if (r instanceof PushResult.Rejected j) {
                rejected.add(j);
            }
        }
        counts.pushed += outbox.ackAll(applied);
        for (PushResult.Rejected j : rejected) {
            if (outbox.fail(j.opId(), j.error().code() + ": " + j.error().message(), true)) {
                counts.failed++;
            }
        }
        for (PushResult.Conflict c : conflicted) {
            Outbox.Claimed op = claimed.get(c.opId());
            Conflicts.Outcome o = conflicts.settle(op.scope(), op.type(), op.id(), c.current());
            if (o == Conflicts.Outcome.REMOTE_TAKEN || o == Conflicts.Outcome.REQUEUED) {
                counts.settled++;
            } else if (o == Conflicts.Outcome.NONE) {
                // Nothing was decided (the server is behind this change's base, as after a restore):
                // never leave the operation in flight; it is retried after a backoff.
                outbox.fail(op.opId(), "server holds version " + (c.current() == null ? 0 : c.current().version())
                        + ", not the base " + op.baseVersion() + "; retrying", false);
            }
        }
        for (String missing : byId.keySet()) {
            outbox.fail(missing, "the server's answer had no result for this operation", false);
        }
        // Pulled changes that waited for these answers can be settled now.
        if (SyncTables.anyDeferred(db)) {
            settleDeferred(counts, java.util.Set.of());
        }
    }

    private static boolean producedBy(Outbox.Claimed op, Change current) {
        return current.opId() != null ? current.opId().equals(op.opId()) : op.hlc().equals(current.hlc());
    }

    private void handlePushFailure(List<Outbox.Claimed> batch, TransportException e, Counts counts) {
        List<String> ids = batch.stream().map(Outbox.Claimed::opId).toList();
        switch (e.kind()) {
            case TRANSIENT -> ids.forEach(id -> outbox.fail(id, e.getMessage(), false));
            case SLOW_DOWN -> ids.forEach(id -> outbox.failAfter(id, e.getMessage(), e.retryAfter()));
            case BAD_REQUEST -> ids.forEach(id -> {
                if (outbox.fail(id, e.code() + ": " + e.getMessage(), true)) {
                    counts.failed++;
                }
            });
            case UNAUTHORIZED -> {
                outbox.release(ids); // record() marked the token refused
                log.warn("sync stopped: the server refused the token ({}); waiting for a new one", e.getMessage());
            }
        }
        if (e.neverDelivered()) {
            // The server never saw this request: what it alone had sent may merge again.
            outbox.unsent(batch.stream().filter(op -> !op.sentBefore()).map(Outbox.Claimed::opId).toList());
        }
        if (e.kind() != TransportException.Kind.UNAUTHORIZED) {
            log.info("push of {} operation(s) failed: {}", ids.size(), e.getMessage());
        }
    }

    /**
     * Pulls until the server has nothing more.
     *
     * @throws TransportException when the server cannot be used now (what was applied stays)
     */
    public Counts pull() {
        Counts counts = new Counts();
        run(() -> {
            listener.phase(Phase.PULLING);
            if (SyncTables.anyDeferred(db)) {
                settleDeferred(counts, java.util.Set.of()); // left by a run that stopped before settling them
            }
            String cursor = SyncTables.cursor(db);
            // From no cursor the feed starts over, so progress recorded before does not describe it.
            boolean fresh = cursor == null;
            PullPage page;
            do {
                long t0 = nanoTime.getAsLong();
                String token = tokens.current();
                try {
                    page = transport.pull(token, cursor, pageSize);
                } catch (TransportException e) {
                    if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                        tokens.refuse(token);
                    }
                    listener.failed(e);
                    events.pullFailed(e, nanoTime.getAsLong() - t0);
                    if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                        log.warn("sync stopped: the server refused the token ({}); waiting for a new one", e.getMessage());
                    }
                    throw e;
                }
                listener.exchanged(nanoTime.getAsLong() - t0);
                events.pullAnswered(page, nanoTime.getAsLong() - t0);
                PullPage p = page;
                boolean first = fresh;
                java.util.Set<String> deferred = new java.util.HashSet<>();
                long applied = db.writeRecoverable(tx -> {
                    if (first) {
                        SyncTables.clearProgress(tx);
                    }
                    return applyPage(tx, p, deferred);
                });
                fresh = false;
                counts.pulled += applied;
                if (!deferred.isEmpty()) {
                    settleDeferred(counts, deferred);
                }
                cursor = page.cursor();
            } while (page.hasMore());
        });
        return counts;
    }

    /**
     * Settles the deferred pulled changes whose documents' own operations have an answer; those
     * still waiting for one stay deferred.
     *
     * @param justPulled documents (by {@link #key}) whose deferred change this pull brought: the
     *     operation such a change waits for is made due at once, since the server just answered.
     *     Only then, once per new remote state, so lost answers never turn into a retry loop.
     */
    private void settleDeferred(Counts counts, java.util.Set<String> justPulled) {
        List<String> awaited = new ArrayList<>();
        for (Change ch : SyncTables.deferred(db)) {
            Outbox.Outstanding first = outbox.firstOutstanding(ch.scope(), ch.type(), ch.id());
            if (first != null && first.fateUnknown()) {
                log.debug("pull: version {} of {}/{}/{} waits until the push of {} is answered", ch.version(), ch.scope(),
                        ch.type(), ch.id(), first.opId());
                if (justPulled.contains(key(ch))) {
                    awaited.add(first.opId());
                }
                continue;
            }
            Conflicts.Outcome o = conflicts.settle(ch.scope(), ch.type(), ch.id(), ch);
            db.write(tx -> {
                SyncTables.dropDeferred(tx, ch.scope(), ch.type(), ch.id(), ch.version());
                return null;
            });
            log.info("pull: version {} of {}/{}/{} met a pending local change: {}", ch.version(), ch.scope(), ch.type(),
                    ch.id(), o);
            if (o == Conflicts.Outcome.REMOTE_TAKEN || o == Conflicts.Outcome.REQUEUED) {
                counts.settled++;
            }
        }
        // The server answers now: ask it about those operations at the next push, not after their backoff.
        outbox.dueNow(awaited);
    }

    private static String key(Change ch) {
        return ch.scope() + '/' + ch.type() + '/' + ch.id();
    }

    private long applyPage(Database.Tx tx, PullPage page, java.util.Set<String> deferred) {
        long now = clock.millis();
        long n = 0;
        // Every change the cursor moves past counts, applied or not (our own push coming back,
        // an older state, a change deferred to the conflict service): progress describes the cursor.
        Map<String, Long> seqByScope = new LinkedHashMap<>();
        for (Change ch : page.changes()) {
            seqByScope.merge(ch.scope(), ch.seq(), Math::max);
        }
        for (Change ch : page.changes()) {
            // Local stamps issued after this pull order after the writes it brought.
            store.observe(tx, ch.hlc());
            SyncTables.Local local = SyncTables.local(tx, ch.scope(), ch.type(), ch.id());
            if (local.needsSync() || local.openConflict() != null) {
                if (ch.version() > local.version()) {
                    Outbox.Outstanding own = Outbox.firstOutstanding(tx, ch.scope(), ch.type(), ch.id());
                    if (own != null && own.producedBy(ch.opId(), ch.hlc()) && outbox.ackEcho(tx, own.opId(), ch.version())) {
                        continue; // the echo of this replica's own write: its acknowledgement
                    }
                    SyncTables.defer(tx, ch); // never over a pending local change: settle it after the commit
                    deferred.add(key(ch));
                }
                continue;
            }
            if (local.exists() && ch.version() <= local.version()) {
                continue; // already have it (our own push, or an older state)
            }
            DocumentsTable.setSynced(tx, ch.scope(), ch.type(), ch.id(),
                    ch.deleted() || ch.data() == null ? null : Json.write(ch.data()), ch.version(), ch.hlc(), now);
            n++;
        }
        if (page.cursor() != null) {
            SyncTables.saveCursor(tx, page.cursor(), now);
            SyncTables.saveProgress(tx, seqByScope, now);
        }
        return n;
    }

    private void run(Runnable work) {
        if (transport == null) {
            throw new IllegalStateException("this replica has no server; build the client with serverUrl(...)");
        }
        boolean outer = !SYNCING.get();
        runLock.lock();
        SYNCING.set(true);
        try {
            work.run();
        } finally {
            if (outer) {
                SYNCING.set(false);
                listener.phase(Phase.IDLE);
            }
            runLock.unlock();
        }
    }

    /**
     * Pushes then pulls until caught up, retrying failures until {@code timeout} has passed.
     *
     * @return what happened
     */
    public SyncReport sync(Duration timeout) {
        return sync(timeout, true);
    }

    /**
     * As {@link #sync(Duration)}; with {@code pull} false only pushes (until the outbox is empty).
     *
     * @return what happened
     */
    public SyncReport sync(Duration timeout, boolean pull) {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        long pushed = 0;
        long pulled = 0;
        long settled = 0;
        String error = null;
        boolean caughtUp = false;
        boolean outer = !SYNCING.get();
        runLock.lock();
        SYNCING.set(true);
        try {
            for (int round = 0; ; round++) {
                if (authenticationNeeded()) {
                    return report(SyncReport.Outcome.AUTHENTICATION_NEEDED, pushed, pulled, settled,
                            "the server refused the token; supply a new one");
                }
                try {
                    Counts p = push();
                    Counts q = pull ? pull() : new Counts();
                    pushed += p.pushed;
                    pulled += q.pulled;
                    settled += p.settled + q.settled;
                    error = null;
                    long due = outbox.nextDueAt();
                    if (due < 0) {
                        caughtUp = true;
                        break;
                    }
                    if (due <= clock.millis()) {
                        // Resolved values were queued, or a pulled change made an operation due:
                        // push them, but never past the deadline (a server that keeps making
                        // work due would otherwise hold the caller forever).
                        if (nanoTime.getAsLong() - deadline >= 0) {
                            break;
                        }
                        continue;
                    }
                    if (!waitUntil(deadline, due - clock.millis())) {
                        break;
                    }
                } catch (TransportException e) {
                    error = e.getMessage();
                    if (e.kind() == TransportException.Kind.UNAUTHORIZED) {
                        return report(SyncReport.Outcome.AUTHENTICATION_NEEDED, pushed, pulled, settled, error);
                    }
                    long due = outbox.nextDueAt();
                    long wait = e.retryAfter() != null ? e.retryAfter().toMillis()
                            : due > 0 ? Math.max(50, due - clock.millis()) : Math.min(1000, 50L << Math.min(round, 5));
                    if (!waitUntil(deadline, wait)) {
                        break;
                    }
                }
            }
        } finally {
            if (outer) {
                SYNCING.set(false);
            }
            runLock.unlock();
        }
        if (!caughtUp) {
            return report(SyncReport.Outcome.UNREACHABLE, pushed, pulled, settled,
                    error != null ? error : "operations still wait for a retry");
        }
        long open = db.read(c -> {
            try (var ps = c.prepare("SELECT count(*) FROM conflicts"); var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
        return report(open > 0 ? SyncReport.Outcome.OPEN_CONFLICTS : SyncReport.Outcome.CAUGHT_UP, pushed, pulled, settled,
                null);
    }

    private SyncReport report(SyncReport.Outcome outcome, long pushed, long pulled, long settled, String error) {
        long[] c = db.read(conn -> {
            try (var ps = conn.prepare("SELECT (SELECT count(*) FROM conflicts),"
                    + " (SELECT count(*) FROM outbox WHERE " + OutboxStates.in("state", OperationState.FAILED) + "),"
                    + " (SELECT count(*) FROM outbox WHERE "
                    + OutboxStates.in("state", OperationState.PENDING, OperationState.IN_FLIGHT) + ")");
                    var rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        });
        return new SyncReport(outcome, pushed, pulled, settled, c[0], c[1], c[2], error);
    }

    /**
     * Waits {@code millis} between retries, or less when the deadline (by the monotonic time
     * source) comes first; false once the deadline has passed. A timed monitor wait, not a sleep:
     * the wait is the engine's own, on a monitor nothing else holds.
     */
    private boolean waitUntil(long deadlineNanos, long millis) {
        long left = deadlineNanos - nanoTime.getAsLong();
        if (left <= 0) {
            return false;
        }
        long waitMillis = Math.max(1, Math.min(Math.max(1, millis), java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left)));
        synchronized (pause) {
            try {
                pause.wait(waitMillis); // one wait: a spurious wake-up only retries sooner
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return nanoTime.getAsLong() < deadlineNanos;
    }
}
