package dev.syncline.client.internal.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.outbox.Outbox;
import dev.syncline.client.internal.outbox.OutboxStates;
import dev.syncline.client.spi.storage.StorageConnection;
import dev.syncline.client.spi.storage.StorageRows;
import dev.syncline.client.spi.storage.StorageStatement;
import dev.syncline.core.Hlc;
import dev.syncline.core.HlcClock;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.OperationType;
import dev.syncline.core.SyncPriority;
import dev.syncline.core.SyncStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The app's side of the local store: each local write changes the document and its sync
 * metadata (through {@link DocumentsTable}, the table's one writer) and the outbox in one
 * transaction, stamped by the replica's HLC, whose state is saved in the same transaction; reads
 * of documents; and the writer of the store's own small tables ({@code meta},
 * {@code type_policies}, {@code field_indexes}).
 *
 * <p>The clock's state: every transaction that issues or observes a stamp also writes the clock's
 * newest stamp (meta {@code hlc_last}) just before it commits, so after a restart the clock
 * resumes exactly there ({@link #restoreClock}): above every stamp it issued, and not ahead of
 * the wall clock (an earlier version kept a lease a second ahead instead, which dated the first
 * second of stamps after a restart in the future).
 *
 * <p>Concurrency: thread-safe; writes serialise on {@link Database#write}, reads use reader
 * connections and never wait for writers.
 */
public final class LocalStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LocalStore.class);
    /** Largest document data, as UTF-8 JSON (the protocol's default limit). */
    public static final int MAX_DATA_BYTES = 256 * 1024;

    /** A local change to one document. */
    public sealed interface Mutation {
    }

    /**
     * Replace (or create) the whole document.
     *
     * @param json the new data, as the text of a JSON object
     */
    public record Put(String json) implements Mutation {
    }

    /**
     * Set some top-level fields of an existing document.
     *
     * @param fields the fields to set
     */
    public record Patch(ObjectNode fields) implements Mutation {
    }

    /** Replace the document with a tombstone. */
    public record Delete() implements Mutation {
    }

    /**
     * Result of a write.
     *
     * @param after the row once committed (null when the row was removed)
     * @param changed false when nothing was written (deleting a missing document)
     */
    public record WriteOutcome(StoredDocument after, boolean changed) {
    }

    /** Meta key of the clock's newest stamp, written in each transaction that moves the clock. */
    static final String HLC_KEY = "hlc_last";
    /** Meta key of the lease (a stamp a second ahead) that versions before {@link #HLC_KEY} kept. */
    private static final String LEGACY_LEASE_KEY = "hlc";
    private static final long LEGACY_LEASE_MILLIS = 1000;
    private static final int MAX_WARNED_NODES = 64;

    private final Database db;
    private final Outbox outbox;
    private final HlcClock hlc;
    private final Database.TxWork<Void> persistClock = this::persistClock;
    private final Set<String> warnedNodes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.time.Clock clock;

    /**
     * @param db the database
     * @param outbox the outbox, written in the same transactions
     * @param hlc the replica's hybrid logical clock
     * @param clock wall time
     */
    public LocalStore(Database db, Outbox outbox, HlcClock hlc, java.time.Clock clock) {
        this.db = db;
        this.outbox = outbox;
        this.hlc = hlc;
        this.clock = clock;
    }

    /** @return the database */
    public Database database() {
        return db;
    }

    /**
     * Applies {@code mutation} to the document {@code (scope, type, id)} and queues it in the
     * outbox, in one transaction. Names must already be checked by the caller.
     *
     * @param check called with the document's new data inside the transaction (before anything is
     *     written); it may throw {@link InvalidInputException} to refuse the write
     * @throws InvalidInputException when the data is too large, a patch or delete targets a missing
     *     document, or {@code check} refuses; nothing is written
     */
    public WriteOutcome write(String scope, String type, String id, Mutation mutation, SyncPriority priority,
            UnaryOperator<ObjectNode> check) {
        String putJson = mutation instanceof Put p ? checkedSize(p.json(), scope, type, id) : null;
        return db.write(tx -> {
            StorageStatement sel = tx.prepare("SELECT data, deleted, version, base_version, base_data, needs_sync"
                    + " FROM documents WHERE scope = ? AND type = ? AND id = ?");
            sel.setString(1, scope);
            sel.setString(2, type);
            sel.setString(3, id);
            boolean exists;
            String oldData = null;
            boolean oldDeleted = false;
            long version = 0;
            long baseVersion = 0;
            String baseData = null;
            boolean needsSync = false;
            try (StorageRows rs = sel.executeQuery()) {
                exists = rs.next();
                if (exists) {
                    oldData = rs.getString(1);
                    oldDeleted = rs.getInt(2) != 0;
                    version = rs.getLong(3);
                    baseVersion = rs.getLong(4);
                    baseData = rs.getString(5);
                    needsSync = rs.getInt(6) != 0;
                }
            }
            boolean live = exists && !oldDeleted;
            String newJson;
            OperationType opType;
            if (mutation instanceof Put) {
                newJson = putJson;
                opType = exists ? OperationType.UPDATE : OperationType.CREATE;
            } else if (mutation instanceof Patch patch) {
                if (!live) {
                    throw new InvalidInputException("not_found", "cannot patch " + describe(scope, type, id)
                            + ": no such document" + (exists ? " (it is deleted)" : ""));
                }
                ObjectNode merged = (ObjectNode) Json.parse(oldData);
                merged.setAll(patch.fields());
                newJson = checkedJson(merged, scope, type, id);
                opType = OperationType.UPDATE;
            } else {
                if (!live) {
                    return new WriteOutcome(null, false);
                }
                newJson = null;
                opType = OperationType.DELETE;
            }
            if (check != null && newJson != null) {
                check.apply((ObjectNode) Json.parse(newJson));
            }
            if (!needsSync) {
                // The edit is made on the server state this replica last saw: remember it for a
                // three-way merge later.
                baseVersion = version;
                baseData = oldDeleted ? null : oldData;
            }
            Hlc stampHlc = hlc.now();
            String stamp = stampHlc.toString();
            StoredDocument after = DocumentsTable.writeLocal(tx, scope, type, id, newJson, baseVersion, baseData, stamp);
            Outbox.AddResult added = outbox.addOperation(tx, scope, type, id, opType, priority, version, newJson, stamp);
            if (added == Outbox.AddResult.CANCELLED && version == 0 && !hasOutstanding(tx, scope, type, id)) {
                // Created and deleted locally before the server ever saw it: nothing to keep.
                DocumentsTable.delete(tx, scope, type, id);
                after = null;
            }
            tx.beforeCommit(HLC_KEY, persistClock);
            tx.emit(new DocumentChanged(scope, type, id, after));
            return new WriteOutcome(after, true);
        });
    }


    /**
     * Gives up on failed operations, in one transaction: each one named (or, with {@code opId}
     * null, every failed one) is removed with the later outstanding operations of its document,
     * whose data builds on it; the document goes back to the server state it was made on (its
     * base data at its base version, a tombstone when that was a delete; a document the server
     * never had is removed), synced and without error; each removed operation is written to the
     * discard log. Watchers of the documents and of the outbox see the change.
     *
     * @param opId the failed operation, or null for all of them
     * @return the removed operations as they were: per failed operation, it first, then the later
     *     ones of its document
     * @throws InvalidInputException {@code not_found} or {@code not_failed} for an operation that
     *     does not exist or is not failed; {@code open_conflict} when its document has an open
     *     conflict (resolve that instead); nothing is changed
     */
    public List<dev.syncline.client.PendingOperation> discardFailed(String opId) {
        return db.write(tx -> {
            List<String> targets = new ArrayList<>();
            if (opId != null) {
                targets.add(opId);
            } else {
                outbox.failedOperations(tx).forEach(op -> targets.add(op.opId()));
            }
            List<dev.syncline.client.PendingOperation> all = new ArrayList<>();
            long now = clock.millis();
            Set<String> gone = new java.util.HashSet<>();
            for (String target : targets) {
                if (!gone.add(target)) {
                    continue; // went with an earlier failed operation of its document
                }
                List<dev.syncline.client.PendingOperation> removed = outbox.discardFailed(tx, target);
                removed.forEach(op -> gone.add(op.opId()));
                dev.syncline.client.PendingOperation failed = removed.get(0);
                String scope = failed.scope();
                String type = failed.type();
                String id = failed.id();
                SyncTables.Local local = SyncTables.local(tx, scope, type, id);
                if (local.openConflict() != null) {
                    throw new InvalidInputException("open_conflict", describe(scope, type, id) + " has open conflict "
                            + local.openConflict() + "; resolve it instead (choosing the remote side drops the local changes)");
                }
                Long restoredVersion = null;
                if (local.exists()) {
                    if (local.baseVersion() == 0) {
                        DocumentsTable.remove(tx, scope, type, id); // never on the server
                    } else {
                        DocumentsTable.restore(tx, scope, type, id, local.baseData(), local.baseVersion(), stamp(tx).toString());
                        restoredVersion = local.baseVersion();
                    }
                }
                for (dev.syncline.client.PendingOperation op : removed) {
                    LogTables.logDiscarded(tx, op, failed.opId(), restoredVersion, now);
                }
                all.addAll(removed);
                Long v = restoredVersion;
                tx.afterCommit(() -> log.info("discarded failed operation {} ({}) and {} later operation(s) of {}; {}",
                        failed.opId(), failed.error(), removed.size() - 1, describe(scope, type, id),
                        v == null ? "removed locally (never on the server)" : "back to server version " + v));
            }
            return all;
        });
    }

    /**
     * Issues a new HLC stamp inside {@code tx}; the clock's state is saved in the same transaction.
     *
     * @return the stamp
     */
    public Hlc stamp(Database.Tx tx) {
        Hlc h = hlc.now();
        tx.beforeCommit(HLC_KEY, persistClock);
        return h;
    }

    /**
     * Lets the replica's clock see a stamp from another node (a pulled write), so later local
     * stamps order after it; the clock's state is saved in the same transaction. Ignores text
     * that is not a stamp. A stamp dated further ahead of this replica's wall clock than the
     * client's {@code maxClockDrift} is not adopted (see {@link HlcClock}); the first such stamp
     * of each node is logged.
     */
    public void observe(Database.Tx tx, String remoteHlc) {
        if (remoteHlc != null && Hlc.isValid(remoteHlc)) {
            Hlc remote = Hlc.parse(remoteHlc);
            if (hlc.isTooFarAhead(remote) && warnedNodes.size() < MAX_WARNED_NODES && warnedNodes.add(remote.node())) {
                log.warn("clock of node {} is ahead of this replica's by {} ms (more than maxClockDrift): its stamps"
                        + " are not adopted, so this replica's clock is not dragged ahead; check the clocks of both",
                        remote.node(), remote.wallMillis() - clock.millis());
            }
            hlc.observe(remote);
            tx.beforeCommit(HLC_KEY, persistClock);
        }
    }

    private Void persistClock(Database.Tx tx) {
        Hlc last = hlc.last();
        if (last != null) {
            StorageStatement meta = tx.prepare("INSERT INTO meta (key, value) VALUES ('" + HLC_KEY + "', ?)"
                    + " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
            meta.setString(1, last.toString());
            meta.executeUpdate();
        }
        return null;
    }

    /**
     * Makes the replica's clock, resuming at the newest stamp it issued or adopted before (meta
     * {@code hlc_last}). A file written by a version that kept a lease a second ahead instead is
     * converted once: the clock resumes at the newest stamp the file holds (documents and outbox),
     * and at least at the stamp the lease was taken for, never at the lease itself; the lease goes.
     *
     * @param maxDrift how far ahead of the wall clock an observed stamp may be and still be adopted
     */
    public static HlcClock restoreClock(Database db, java.time.Clock wall, String node, java.time.Duration maxDrift) {
        Hlc last = db.write(tx -> {
            Hlc saved = parsed(metaIn(tx, HLC_KEY));
            Hlc lease = parsed(metaIn(tx, LEGACY_LEASE_KEY));
            if (saved != null || lease == null) {
                return saved;
            }
            Hlc restored = new Hlc(Math.max(0, lease.wallMillis() - LEGACY_LEASE_MILLIS), 0, node);
            for (String sql : List.of("SELECT max(last_modified) FROM documents", "SELECT max(hlc) FROM outbox")) {
                try (StorageStatement st = tx.connection().prepare(sql); StorageRows rs = st.executeQuery()) {
                    Hlc held = rs.next() ? parsed(rs.getString(1)) : null;
                    if (held == null && rs.getString(1) != null) {
                        return lease; // text that is not a stamp sorts above them: stay safe
                    }
                    if (held != null && held.compareTo(restored) > 0) {
                        restored = held;
                    }
                }
            }
            Hlc mine = new Hlc(restored.wallMillis(), restored.counter(), node);
            StorageStatement put = tx.prepare("INSERT INTO meta (key, value) VALUES ('" + HLC_KEY + "', ?)"
                    + " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
            put.setString(1, mine.toString());
            put.executeUpdate();
            StorageStatement drop = tx.prepare("DELETE FROM meta WHERE key = '" + LEGACY_LEASE_KEY + "'");
            drop.executeUpdate();
            log.info("local store {}: clock lease {} replaced by the newest stamp held, {}", db.file(), lease, mine);
            return mine;
        });
        return new HlcClock(wall, node, last, maxDrift);
    }

    private static String metaIn(Database.Tx tx, String key) {
        StorageStatement ps = tx.prepare("SELECT value FROM meta WHERE key = ?");
        ps.setString(1, key);
        try (StorageRows rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static Hlc parsed(String text) {
        return text != null && Hlc.isValid(text) ? Hlc.parse(text) : null;
    }

    private static boolean hasOutstanding(Database.Tx tx, String scope, String type, String id) {
        StorageStatement ps = tx.prepare("SELECT 1 FROM outbox WHERE scope = ? AND type = ? AND id = ? AND "
                + OutboxStates.outstanding("state") + " LIMIT 1");
        ps.setString(1, scope);
        ps.setString(2, type);
        ps.setString(3, id);
        try (StorageRows rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private static String checkedJson(ObjectNode data, String scope, String type, String id) {
        if (data == null) {
            throw new InvalidInputException("invalid_data", "data of " + describe(scope, type, id) + " is missing");
        }
        return checkedSize(Json.write(data), scope, type, id);
    }

    private static String checkedSize(String json, String scope, String type, String id) {
        if (json == null) {
            throw new InvalidInputException("invalid_data", "data of " + describe(scope, type, id) + " is missing");
        }
        int bytes = json.length() <= MAX_DATA_BYTES / 4 ? json.length() : json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DATA_BYTES) {
            throw new InvalidInputException("too_large", "data of " + describe(scope, type, id) + " is " + bytes
                    + " bytes; the limit is " + MAX_DATA_BYTES);
        }
        return json;
    }

    static String describe(String scope, String type, String id) {
        return type + " '" + id + "' in scope '" + scope + "'";
    }

    /** @return the row of {@code (scope, type, id)}, tombstones included */
    public Optional<StoredDocument> get(String scope, String type, String id) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT " + Rows.DOCUMENT_COLUMNS
                    + " FROM documents WHERE scope = ? AND type = ? AND id = ?")) {
                ps.setString(1, scope);
                ps.setString(2, type);
                ps.setString(3, id);
                try (StorageRows rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(Rows.document(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Same as {@link #get} but on the given connection (used under the write lock). */
    public static Optional<StoredDocument> get(StorageConnection c, String scope, String type, String id) {
        try (StorageStatement ps = c.prepare("SELECT " + Rows.DOCUMENT_COLUMNS
                + " FROM documents WHERE scope = ? AND type = ? AND id = ?")) {
            ps.setString(1, scope);
            ps.setString(2, type);
            ps.setString(3, id);
            try (StorageRows rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Rows.document(rs)) : Optional.empty();
            }
        }
    }

    /**
     * Runs {@code query} over one type; its fields must be declared indexes (checked by the caller).
     * The SQL is {@link QuerySql}'s.
     *
     * @param includeDeleted true to return tombstones too (then no field index is named: they hold live documents only)
     */
    public List<StoredDocument> query(String type, dev.syncline.client.Query query, boolean includeDeleted) {
        QuerySql q = QuerySql.select(type, query, includeDeleted);
        return db.read(c -> {
            try (StorageStatement ps = c.prepare(q.sql())) {
                q.bind(ps);
                List<StoredDocument> out = new ArrayList<>();
                try (StorageRows rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(Rows.document(rs));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Declares an index on {@code field} of {@code type} (idempotent): a partial expression index
     * over that type's live documents, so equality queries stay fast at millions of documents.
     */
    public void declareIndex(String type, String field) {
        String create = QuerySql.createIndex(type, field);
        db.write(tx -> {
            // An earlier name could be shared by two (type, field) pairs; every declared
            // index is recreated under its new name when its type is registered.
            tx.connection().execute("DROP INDEX IF EXISTS " + QuerySql.legacyIndexName(type, field));
            tx.connection().execute(create);
            StorageStatement ps = tx.prepare("INSERT OR IGNORE INTO field_indexes (type, field) VALUES (?, ?)");
            ps.setString(1, type);
            ps.setString(2, field);
            ps.executeUpdate();
            return null;
        });
    }

    /** @return the declared index fields of {@code type} */
    public Set<String> indexes(String type) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT field FROM field_indexes WHERE type = ?")) {
                ps.setString(1, type);
                Set<String> out = new java.util.TreeSet<>();
                try (StorageRows rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    /** @return documents (tombstones included) whose status is one of {@code statuses}; all types when type is null */
    public List<StoredDocument> withStatus(String type, Collection<SyncStatus> statuses) {
        StringBuilder sql = new StringBuilder("SELECT ").append(Rows.DOCUMENT_COLUMNS)
                .append(" FROM documents WHERE sync_status IN (");
        List<String> names = statuses.stream().map(SyncStatus::wire).toList();
        for (int i = 0; i < names.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        sql.append(')');
        if (type != null) {
            sql.append(" AND type = ?");
        }
        sql.append(" ORDER BY type, scope, id");
        return db.read(c -> {
            try (StorageStatement ps = c.prepare(sql.toString())) {
                int i = 1;
                for (String n : names) {
                    ps.setString(i++, n);
                }
                if (type != null) {
                    ps.setString(i, type);
                }
                List<StoredDocument> out = new ArrayList<>();
                try (StorageRows rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(Rows.document(rs));
                    }
                }
                return out;
            }
        });
    }

    /** @return the value of meta {@code key} */
    public Optional<String> meta(String key) {
        return meta(db, key);
    }

    /** @return the value of meta {@code key} in {@code db} */
    public static Optional<String> meta(Database db, String key) {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT value FROM meta WHERE key = ?")) {
                ps.setString(1, key);
                try (StorageRows rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /** Sets meta {@code key} to {@code value}. */
    public void putMeta(String key, String value) {
        db.write(tx -> {
            StorageStatement ps = tx.prepare("INSERT INTO meta (key, value) VALUES (?, ?)"
                    + " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
            return null;
        });
    }

    /** Reads meta {@code key}, setting it to {@code value} first when absent; atomic. */
    public static String metaOrInit(Database db, String key, String value) {
        return db.write(tx -> {
            StorageStatement ins = tx.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)");
            ins.setString(1, key);
            ins.setString(2, value);
            ins.executeUpdate();
            StorageStatement sel = tx.prepare("SELECT value FROM meta WHERE key = ?");
            sel.setString(1, key);
            try (StorageRows rs = sel.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    /** Remembers the conflict strategy of {@code type} (by its short name). */
    public void putPolicy(String type, String strategy) {
        db.write(tx -> {
            StorageStatement ps = tx.prepare("INSERT INTO type_policies (type, strategy) VALUES (?, ?)"
                    + " ON CONFLICT (type) DO UPDATE SET strategy = excluded.strategy");
            ps.setString(1, type);
            ps.setString(2, strategy);
            ps.executeUpdate();
            return null;
        });
    }

    /** @return remembered conflict strategies by type */
    public Map<String, String> policies() {
        return readPairs("SELECT type, strategy FROM type_policies ORDER BY type");
    }

    /** @return the two text columns of {@code sql}'s rows as an ordered map */
    private Map<String, String> readPairs(String sql) {
        return db.read(c -> {
            Map<String, String> out = new LinkedHashMap<>();
            try (StorageStatement ps = c.prepare(sql); StorageRows rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
            return out;
        });
    }

    /** @return how many conflicts are open */
    public long openConflicts() {
        return db.read(c -> {
            try (StorageStatement ps = c.prepare("SELECT count(*) FROM conflicts");
                    StorageRows rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }
}
