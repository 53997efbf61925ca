package dev.syncline.client.internal.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.ConflictResolver;
import dev.syncline.client.Resolution;
import dev.syncline.client.internal.events.SyncEvents;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.store.Database;
import dev.syncline.client.internal.store.DocumentsTable;
import dev.syncline.client.internal.store.LocalStore;
import dev.syncline.client.internal.store.SyncTables;
import dev.syncline.client.internal.store.SyncTables.ConflictRow;
import dev.syncline.client.internal.store.SyncTables.Local;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.ConflictType;
import dev.syncline.core.Hlc;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.merge.ThreeWayMerge;
import dev.syncline.core.protocol.Change;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles conflicts between a document's pending local change and the server's state.
 *
 * <p>Design: a conflict is detected from versions only (the server moved past the version the
 * local change was made on). The decision is computed from a snapshot read outside the write lock
 * (a custom resolver is app code and must never run under it); the decision is then applied in one
 * transaction that first re-reads the document and gives up when it changed meanwhile (the app
 * wrote again), retrying a bounded number of times before parking the conflict for a person.
 * Applying replaces the document's outstanding operations: the resolved value is queued again with
 * the server's version as its base ("rebase"), or the server's state is taken, or the conflict is
 * parked in the inbox with the local value kept visible.
 *
 * <p>Policies: {@code local}, {@code remote}; {@code latest} by HLC (total order, so ties are
 * deterministic); {@code highest}: the server's version wins when it moved more than one version
 * past the base, otherwise latest decides; {@code merge}: three-way field merge against the stored
 * base with the type's field rules, and an edit wins over a delete; {@code manual}. Two deletes,
 * or two equal values, need no decision.
 *
 * <p>Concurrency: thread-safe; callers (the sync engine) serialise settling per replica.
 */
public final class Conflicts {
    private static final Logger log = LoggerFactory.getLogger(Conflicts.class);
    static final int MAX_ATTEMPTS = 3;

    /** What settling did. */
    public enum Outcome {
        /** There was nothing to decide (no pending local change, or both sides agree). */
        NONE,
        /** The server's state was taken. */
        REMOTE_TAKEN,
        /** A resolved value is queued to be pushed on top of the server's version. */
        REQUEUED,
        /** The conflict waits for a person. */
        PARKED
    }

    private final Database db;
    private final SyncEvents events;
    private final LocalStore store;
    private final Outbox outbox;
    private final Clock clock;
    private final Function<String, ConflictResolutionStrategy> strategies;
    private final Map<String, ThreeWayMerge> merges;
    private final Map<String, ConflictResolver> resolvers;
    private final Function<String, SyncPriority> priorities;
    private final EntityValues entityValues;

    /**
     * Turns the app's entity in a {@link Resolution.UseEntity} into the document's JSON, with the
     * client's mapper, after checking it is the conflict's document. App code (the mapper) runs in
     * it, so it is never called under the database lock.
     */
    @FunctionalInterface
    public interface EntityValues {
        /**
         * @return the entity's data
         * @throws InvalidInputException when the entity is not of the conflict's type, scope or id,
         *     or does not map to a JSON object
         */
        ObjectNode toData(SyncConflict conflict, Object entity);
    }

    /**
     * @param strategies strategy per type
     * @param merges field rules per type (types without one merge by latest)
     * @param resolvers custom resolvers per type (they take precedence over the strategy)
     * @param priorities push priority per type
     * @param entityValues converts typed resolutions
     */
    public Conflicts(Database db, LocalStore store, Outbox outbox, Clock clock,
            Function<String, ConflictResolutionStrategy> strategies, Map<String, ThreeWayMerge> merges,
            Map<String, ConflictResolver> resolvers, Function<String, SyncPriority> priorities, EntityValues entityValues,
            SyncEvents events) {
        this.db = db;
        this.events = events;
        this.store = store;
        this.outbox = outbox;
        this.clock = clock;
        this.strategies = strategies;
        this.merges = Map.copyOf(merges);
        this.resolvers = Map.copyOf(resolvers);
        this.priorities = priorities;
        this.entityValues = Objects.requireNonNull(entityValues, "entityValues");
    }

    /**
     * Settles the document against the server's current state.
     *
     * @param remote the server's document, or null when the server has none
     */
    public Outcome settle(String scope, String type, String id, Change remote) {
        for (int attempt = 1; ; attempt++) {
            Local local = db.read(c -> SyncTables.local(c, scope, type, id));
            if (alreadyOnTop(local, remote)) {
                return Outcome.NONE;
            }
            Decision d = decide(scope, type, id, local, remote, attempt > MAX_ATTEMPTS);
            Outcome out = db.write(tx -> {
                Local now = SyncTables.local(tx.connection(), scope, type, id);
                if (!now.equals(local)) {
                    return null; // the app wrote meanwhile: decide again
                }
                if (alreadyOnTop(now, remote)) {
                    return Outcome.NONE;
                }
                return apply(tx, scope, type, id, now, remote, d);
            });
            if (out != null) {
                // A conflict already waiting for a person, parked again against a newer server
                // version, is the same conflict: decided once.
                if (!(out == Outcome.PARKED && local.openConflict() != null)) {
                    events.conflictDecided(scope, type, id, out, d.by());
                }
                return out;
            }
            log.debug("conflict on {}/{}/{}: local state changed while deciding (attempt {})", scope, type, id, attempt);
        }
    }

    /**
     * True when the pending local change was already made on (or after) this server state, such
     * as a resolution queued on it while a pull that carried it was settling, or when the replica
     * already holds this state or a newer one: nothing to decide.
     */
    private static boolean alreadyOnTop(Local local, Change remote) {
        if (remote == null || !local.exists() || local.openConflict() != null) {
            return false;
        }
        // With a pending change: it was made on this state or a later one. Without one: the
        // replica already holds this state or a later one (a deferred change settled twice).
        return remote.version() <= (local.needsSync() ? local.baseVersion() : local.version());
    }

    /** A decision: what to do and who decided. */
    private record Decision(Resolution resolution, ConflictType type, String by) {
    }

    private Decision decide(String scope, String type, String id, Local local, Change remote, boolean giveUp) {
        long rv = remote == null ? 0 : remote.version();
        boolean remoteDeleted = remote == null || remote.deleted();
        if (!local.needsSync() && local.openConflict() == null) {
            return new Decision(Resolution.useRemote(), ConflictType.REMOTE_NEWER, "no-local-change");
        }
        ConflictType ct = ConflictType.classify(local.baseVersion(), true, local.deleted(), rv, remoteDeleted);
        if (local.deleted() && remoteDeleted) {
            return new Decision(Resolution.useRemote(), ct, "both-deleted");
        }
        if (!local.deleted() && !remoteDeleted && Objects.equals(Json.parse(local.data()), remote.data())) {
            return new Decision(Resolution.useRemote(), ct, "same-value");
        }
        if (local.openConflict() != null || giveUp) {
            return new Decision(Resolution.manual(), ct, "manual");
        }
        ConflictResolver resolver = resolvers.get(type);
        SyncConflict conflict = view(null, scope, type, id, ct, local, remote);
        if (resolver != null) {
            try {
                Resolution r = resolver.resolve(conflict);
                if (r instanceof Resolution.UseEntity e) {
                    r = Resolution.useValue(entityValues.toData(conflict, e.entity()));
                }
                return new Decision(r == null ? Resolution.manual() : r, ct, "custom");
            } catch (RuntimeException e) {
                log.warn("conflict resolver of type {} failed on {}/{}: {}; parking the conflict", type, scope, id, e.toString());
                return new Decision(Resolution.manual(), ct, "custom-failed");
            }
        }
        ConflictResolutionStrategy s = strategies.apply(type);
        boolean localIsLatest = localIsLatest(local.lastModified(), remote == null ? null : remote.hlc());
        return new Decision(byStrategy(s, conflict, local.baseVersion(), localIsLatest), ct, s.wire());
    }

    /** What {@code s} decides for {@code conflict}, made on server version {@code baseVersion}. */
    private Resolution byStrategy(ConflictResolutionStrategy s, SyncConflict conflict, long baseVersion, boolean localIsLatest) {
        long rv = conflict.remoteVersion();
        ConflictType ct = conflict.conflictType();
        return switch (s) {
            case USE_LOCAL -> Resolution.useLocal();
            case USE_REMOTE -> Resolution.useRemote();
            case USE_LATEST -> localIsLatest ? Resolution.useLocal() : Resolution.useRemote();
            case USE_HIGHEST_VERSION -> rv > baseVersion + 1 || !localIsLatest ? Resolution.useRemote() : Resolution.useLocal();
            case MANUAL -> Resolution.manual();
            case MERGE -> {
                if (ct == ConflictType.DELETED_REMOTELY) {
                    yield Resolution.useLocal(); // an edit wins over a delete
                }
                if (ct == ConflictType.DELETED_LOCALLY) {
                    yield Resolution.useRemote();
                }
                ThreeWayMerge m = merges.getOrDefault(conflict.type(), ThreeWayMerge.byLatest());
                yield Resolution.useValue(m.merge(conflict.base(), conflict.local(), conflict.remote(), localIsLatest));
            }
        };
    }

    /**
     * What {@code strategy} would decide for the open conflict {@code conflictId} (the seed's
     * {@code resolveConflict(conflict, strategy)}); apply it with {@link #resolve}.
     *
     * @throws InvalidInputException when no such conflict is open
     */
    public Resolution decide(String conflictId, ConflictResolutionStrategy strategy) {
        ConflictRow row = SyncTables.conflict(db, conflictId).orElseThrow(() -> new InvalidInputException("not_found",
                "no open conflict " + conflictId));
        return byStrategy(strategy, view(row), row.baseVersion(), localIsLatest(row.localHlc(), row.remoteHlc()));
    }

    static boolean localIsLatest(String localHlc, String remoteHlc) {
        if (remoteHlc == null || !Hlc.isValid(remoteHlc)) {
            return true;
        }
        if (localHlc == null || !Hlc.isValid(localHlc)) {
            return false;
        }
        return Hlc.parse(localHlc).compareTo(Hlc.parse(remoteHlc)) > 0;
    }

    private Outcome apply(Database.Tx tx, String scope, String type, String id, Local local, Change remote, Decision d) {
        long now = clock.millis();
        long rv = remote == null ? 0 : remote.version();
        String remoteJson = remote == null || remote.deleted() || remote.data() == null ? null : Json.write(remote.data());
        ConflictRow row = new ConflictRow(local.openConflict(), scope, type, id, d.type().wire(),
                local.deleted() ? null : local.data(), remoteJson, local.baseData(), rv, local.baseVersion(),
                local.lastModified(), remote == null ? null : remote.hlc(), now);
        Resolution r = d.resolution();
        if (r instanceof Resolution.Manual) {
            outbox.discardOutstanding(tx, scope, type, id);
            ConflictRow parked = new ConflictRow(row.conflictId() == null ? UUID.randomUUID().toString() : row.conflictId(),
                    row.scope(), row.type(), row.id(), row.conflictType(), row.localData(), row.remoteData(), row.baseData(),
                    row.remoteVersion(), row.baseVersion(), row.localHlc(), row.remoteHlc(), row.createdAt());
            SyncTables.park(tx, parked);
            if (remote != null) {
                store.observe(tx, remote.hlc());
            }
            if (row.conflictId() == null) {
                log.info("conflict {} on {}/{}/{} ({}) waits for a person", parked.conflictId(), scope, type, id,
                        d.type().wire());
            } else {
                // Already open (a push met it, then the same sync's pull brings the server's version):
                // one conflict, so one INFO line; the update is detail.
                log.debug("conflict {} on {}/{}/{} still waits for a person, now against server version {}",
                        parked.conflictId(), scope, type, id, rv);
            }
            return Outcome.PARKED;
        }
        if (r instanceof Resolution.UseRemote) {
            outbox.discardOutstanding(tx, scope, type, id);
            takeRemote(tx, scope, type, id, remote, now);
            if (local.needsSync() || local.openConflict() != null) {
                SyncTables.settle(tx, row, d.by(), remoteJson, remoteJson == null, now);
                log.info("conflict on {}/{}/{} ({}) settled by {}: server's version {} kept", scope, type, id,
                        d.type().wire(), d.by(), rv);
                return Outcome.REMOTE_TAKEN;
            }
            return Outcome.NONE;
        }
        ObjectNode value;
        if (r instanceof Resolution.UseLocal) {
            value = local.deleted() || local.data() == null ? null : (ObjectNode) Json.parse(local.data());
        } else if (r instanceof Resolution.UseValue v) {
            value = v.value();
        } else {
            value = null; // Delete
        }
        String valueJson = value == null ? null : Json.write(value);
        if ((value == null && remoteJson == null) || (value != null && remote != null && !remote.deleted()
                && value.equals(remote.data()))) {
            // The decision equals the server's state: nothing to push.
            outbox.discardOutstanding(tx, scope, type, id);
            takeRemote(tx, scope, type, id, remote, now);
            SyncTables.settle(tx, row, d.by(), remoteJson, remoteJson == null, now);
            return Outcome.REMOTE_TAKEN;
        }
        requeue(tx, scope, type, id, valueJson, remote);
        SyncTables.settle(tx, row, d.by(), valueJson, valueJson == null, now);
        log.info("conflict on {}/{}/{} ({}) settled by {}: resolved value queued on server version {}", scope, type, id,
                d.type().wire(), d.by(), rv);
        return Outcome.REQUEUED;
    }

    private void takeRemote(Database.Tx tx, String scope, String type, String id, Change remote, long now) {
        if (remote == null) {
            DocumentsTable.remove(tx, scope, type, id);
            return;
        }
        store.observe(tx, remote.hlc());
        DocumentsTable.setSynced(tx, scope, type, id, remote.deleted() || remote.data() == null ? null : Json.write(remote.data()),
                remote.version(), remote.hlc(), now);
    }

    private void requeue(Database.Tx tx, String scope, String type, String id, String valueJson, Change remote) {
        long rv = remote == null ? 0 : remote.version();
        String remoteJson = remote == null || remote.deleted() || remote.data() == null ? null : Json.write(remote.data());
        outbox.discardOutstanding(tx, scope, type, id);
        if (remote != null) {
            store.observe(tx, remote.hlc());
        }
        String stamp = store.stamp(tx).toString();
        DocumentsTable.setResolvedPending(tx, scope, type, id, valueJson, rv, remoteJson, stamp);
        OperationType op = valueJson == null ? OperationType.DELETE : rv == 0 ? OperationType.CREATE : OperationType.UPDATE;
        outbox.addOperation(tx, scope, type, id, op, priorities.apply(type), rv, valueJson, stamp);
    }

    /**
     * Settles an open conflict by a person's choice.
     *
     * @return the document's data afterwards (null when deleted)
     * @throws InvalidInputException when there is no such open conflict or the resolution is manual
     */
    public ObjectNode resolve(String conflictId, Resolution resolution) {
        if (conflictId == null || conflictId.isBlank()) {
            throw new InvalidInputException("invalid_conflict", "conflictId is missing");
        }
        if (resolution == null || resolution instanceof Resolution.Manual) {
            throw new InvalidInputException("invalid_resolution", "resolve a conflict with local, remote, a value or delete, not "
                    + (resolution == null ? "null" : "manual"));
        }
        if (resolution instanceof Resolution.UseEntity e) {
            // The app's mapper is app code: convert before the transaction, not under its lock.
            SyncConflict open = SyncTables.conflict(db, conflictId).map(Conflicts::view)
                    .orElseThrow(() -> new InvalidInputException("not_found", "no open conflict " + conflictId));
            return resolve(conflictId, Resolution.useValue(entityValues.toData(open, e.entity())));
        }
        String[] decided = new String[4]; // scope, type, id, by: told to sync listeners once committed
        ObjectNode result = db.write(tx -> {
            ConflictRow row = SyncTables.conflict(tx, conflictId).orElseThrow(() -> new InvalidInputException("not_found",
                    "no open conflict " + conflictId));
            decided[0] = row.scope();
            decided[1] = row.type();
            decided[2] = row.id();
            Local local = SyncTables.local(tx.connection(), row.scope(), row.type(), row.id());
            Change remote = row.remoteVersion() == 0 ? null : new Change(row.scope(), row.type(), row.id(), row.remoteVersion(),
                    row.remoteData() == null, row.remoteData() == null ? null : (ObjectNode) Json.parse(row.remoteData()),
                    row.remoteHlc(), null, 0, null);
            long now = clock.millis();
            String by;
            String valueJson;
            if (resolution instanceof Resolution.UseRemote) {
                outbox.discardOutstanding(tx, row.scope(), row.type(), row.id());
                takeRemote(tx, row.scope(), row.type(), row.id(), remote, now);
                SyncTables.settle(tx, row, "manual:remote", row.remoteData(), row.remoteData() == null, now);
                decided[3] = "manual:remote";
                log.info("conflict {} resolved by a person: server's version kept", conflictId);
                return row.remoteData() == null ? null : (ObjectNode) Json.parse(row.remoteData());
            } else if (resolution instanceof Resolution.UseLocal) {
                by = "manual:local";
                valueJson = local.exists() && !local.deleted() ? local.data() : null;
            } else if (resolution instanceof Resolution.UseValue v) {
                by = "manual:value";
                valueJson = Json.write(v.value());
            } else {
                by = "manual:delete";
                valueJson = null;
            }
            if (valueJson == null && row.remoteData() == null) {
                outbox.discardOutstanding(tx, row.scope(), row.type(), row.id());
                takeRemote(tx, row.scope(), row.type(), row.id(), remote, now);
            } else {
                requeue(tx, row.scope(), row.type(), row.id(), valueJson, remote);
            }
            SyncTables.settle(tx, row, by, valueJson, valueJson == null, now);
            decided[3] = by;
            log.info("conflict {} resolved by a person ({}); the result is queued", conflictId, by);
            return valueJson == null ? null : (ObjectNode) Json.parse(valueJson);
        });
        events.personDecided(decided[0], decided[1], decided[2], decided[3]);
        return result;
    }

    /** @return the public view of a stored conflict */
    public static SyncConflict view(ConflictRow r) {
        return new SyncConflict(r.conflictId(), r.scope(), r.type(), r.id(), fromWire(r.conflictType()), obj(r.localData()),
                obj(r.remoteData()), obj(r.baseData()), r.localHlc(), r.remoteHlc(), r.remoteVersion());
    }

    private static SyncConflict view(String conflictId, String scope, String type, String id, ConflictType ct, Local local,
            Change remote) {
        return new SyncConflict(conflictId, scope, type, id, ct, local.deleted() ? null : obj(local.data()),
                remote == null || remote.deleted() ? null : remote.data().deepCopy(), obj(local.baseData()),
                local.lastModified(), remote == null ? null : remote.hlc(), remote == null ? 0 : remote.version());
    }

    private static ObjectNode obj(String json) {
        return json == null ? null : (ObjectNode) Json.parse(json);
    }

    private static ConflictType fromWire(String wire) {
        for (ConflictType t : ConflictType.values()) {
            if (t.wire().equals(wire)) {
                return t;
            }
        }
        return ConflictType.CONCURRENT_MODIFICATION;
    }
}
