package dev.syncline.server.internal.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.Json;
import dev.syncline.core.SynclineException;
import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushResult;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The SQL both stores share: the compare-and-set apply loop, feed reads and opId memory. Subclasses
 * say how to get a connection and begin a transaction, and how the data column is written.
 *
 * <p>Concurrency: {@link #apply} locks the {@code scopes} rows of every scope in its batch, in name
 * order (so two batches never deadlock), before it reads any document. That lock is held until
 * commit, so writers of one scope are serialised and take feed numbers in commit order.
 */
abstract class SqlStore implements Store {
    private static final int HEADS_PER_QUERY = 200;
    private static final int MAX_RECENT = 500;
    static final String DOC_COLUMNS = "scope, type, id, version, deleted, data, hlc, updated_by, seq, op_id";
    /**
     * Reads stored data for a {@link Change} (a conflict's current document): numbers as exact
     * decimals, so writing the tree out again gives the values as sent, neither rounded nor
     * expanded.
     */
    private static final ObjectReader EXACT = Json.reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private volatile String storeId;
    private volatile byte[] cursorKey;

    /** Opens a connection in a write transaction (the subclass's way: a lock, BEGIN IMMEDIATE, ...). */
    protected abstract Connection beginWrite() throws SQLException;

    /** Ends a write transaction begun by {@link #beginWrite}: commit or roll back, then release. */
    protected abstract void endWrite(Connection c, boolean commit) throws SQLException;

    /** Opens a connection in a read-only transaction that sees one snapshot. */
    protected abstract Connection beginRead() throws SQLException;

    /** Ends a read transaction and releases the connection. */
    protected abstract void endRead(Connection c) throws SQLException;

    /** @return the SQL placeholder for the data column, such as {@code ?} */
    protected abstract String dataPlaceholder();

    /** @return true when {@code e} means "try the whole transaction again" (serialization, unique race) */
    protected abstract boolean isRetryable(SQLException e);

    /**
     * A remembered opId: the document it was applied to and its result.
     *
     * @param scope the document's scope
     * @param type the document's type
     * @param id the document's id
     * @param version the version it wrote
     * @param seq the feed position it took
     */
    protected record AppliedOp(String scope, String type, String id, long version, long seq) {
    }

    /**
     * What a batch's operations need to know, read in bulk.
     *
     * @param appliedOps opId to where it was applied, for the batch's opIds that were applied before
     * @param documents {@link #docKey} to stored state, for the batch's documents that exist
     */
    protected record BatchLookup(Map<String, AppliedOp> appliedOps, Map<String, Change> documents) {
    }

    /**
     * Optional hook: reads the applied opIds and stored documents of a whole batch in a few
     * statements. Called inside the write transaction after the scope locks are held, so the
     * documents read are current. The default returns null: look each op up with its own queries
     * (right for an embedded database, where a query costs no round trip).
     */
    protected BatchLookup lookUpBatch(Connection c, List<PushOp> ops) throws SQLException {
        return null;
    }

    /** @return the key of a document in {@link BatchLookup#documents} */
    protected static String docKey(String scope, String type, String id) {
        return scope + '\u0000' + type + '\u0000' + id;
    }

    /** @return a store-specific exception for a failure that is not the caller's fault */
    protected StoreUnavailableException unavailable(String what, SQLException e) {
        return new StoreUnavailableException(what + ": " + e.getMessage(), e);
    }

    /** Reads or creates the store id and cursor key. Call once after migrations. */
    protected final void loadIdentity() {
        try {
            Connection c = beginWrite();
            boolean ok = false;
            try {
                String id = ensureMeta(c, "store_id", UUID.randomUUID().toString());
                byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                String k = ensureMeta(c, "cursor_key", Base64.getEncoder().encodeToString(key));
                storeId = id;
                cursorKey = Base64.getDecoder().decode(k);
                ok = true;
            } finally {
                endWrite(c, ok);
            }
        } catch (SQLException e) {
            throw unavailable("cannot read store identity", e);
        }
    }

    private static String ensureMeta(Connection c, String name, String value) throws SQLException {
        try (PreparedStatement ins = c.prepareStatement(
                "INSERT INTO syncline_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
            ins.setString(1, name);
            ins.setString(2, value);
            ins.executeUpdate();
        }
        try (PreparedStatement sel = c.prepareStatement("SELECT value FROM syncline_meta WHERE name = ?")) {
            sel.setString(1, name);
            try (ResultSet rs = sel.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Override
    public String storeId() {
        return storeId;
    }

    @Override
    public byte[] cursorKey() {
        return cursorKey.clone();
    }

    @Override
    public List<PushResult> apply(String userId, List<PushOp> ops, List<String> dataJson, Instant now) {
        if (dataJson.size() != ops.size()) {
            throw new IllegalArgumentException("dataJson has " + dataJson.size() + " entries for " + ops.size() + " ops");
        }
        if (ops.isEmpty()) {
            return List.of();
        }
        SQLException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return applyOnce(userId, ops, dataJson, now);
            } catch (SQLException e) {
                if (!isRetryable(e)) {
                    throw unavailable("push failed", e);
                }
                last = e;
            }
        }
        throw unavailable("push failed after 5 attempts", last);
    }

    private List<PushResult> applyOnce(String userId, List<PushOp> ops, List<String> dataJson, Instant now)
            throws SQLException {
        Connection c = beginWrite();
        boolean ok = false;
        try {
            Map<String, ScopeTally> tallies = lockScopes(c, ops, now);
            BatchLookup bulk = ops.size() > 1 ? lookUpBatch(c, ops) : null;
            List<PushResult> results = new ArrayList<>(ops.size());
            try (PreparedStatement findOp = c.prepareStatement(
                        "SELECT scope, type, id, version, seq FROM applied_ops WHERE op_id = ?");
                 PreparedStatement findDoc = c.prepareStatement(
                        "SELECT " + DOC_COLUMNS + " FROM documents WHERE scope = ? AND type = ? AND id = ?");
                 PreparedStatement upsert = c.prepareStatement(
                        "INSERT INTO documents (" + DOC_COLUMNS + ", written_at) VALUES (?, ?, ?, ?, ?, "
                        + dataPlaceholder() + ", ?, ?, ?, ?, ?) ON CONFLICT (scope, type, id) DO UPDATE SET"
                        + " version = excluded.version, deleted = excluded.deleted, data = excluded.data,"
                        + " hlc = excluded.hlc, updated_by = excluded.updated_by, seq = excluded.seq,"
                        + " op_id = excluded.op_id, written_at = excluded.written_at");
                 PreparedStatement remember = c.prepareStatement(
                        "INSERT INTO applied_ops (op_id, scope, type, id, version, seq, applied_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                // Documents written earlier in this batch, so a later op on the same document sees them.
                Map<String, Change> written = new HashMap<>();
                // OpIds applied earlier in this batch answer a repeat as a replay from an earlier
                // request would: the original result for the same document, op_id_reused for another.
                Map<String, AppliedOp> appliedHere = new HashMap<>();
                for (int i = 0; i < ops.size(); i++) {
                    PushOp op = ops.get(i);
                    AppliedOp again = appliedHere.get(op.opId());
                    PushResult replay = again != null ? replayOf(again, op)
                            : bulk != null ? replayOf(bulk.appliedOps().get(op.opId()), op) : findApplied(findOp, op);
                    if (replay != null) {
                        results.add(replay);
                        continue;
                    }
                    String key = docKey(op.scope(), op.type(), op.id());
                    Change current = written.containsKey(key) ? written.get(key)
                            : bulk != null ? bulk.documents().get(key) : findDoc(findDoc, op);
                    long stored = current == null ? 0 : current.version();
                    if (stored != op.baseVersion()) {
                        results.add(new PushResult.Conflict(op.opId(), current));
                        continue;
                    }
                    ScopeTally tally = tallies.get(op.scope());
                    long seq = ++tally.head;
                    boolean deleted = op.kind() == OpKind.DELETE;
                    tally.count(current, deleted);
                    Change next = new Change(op.scope(), op.type(), op.id(), stored + 1, deleted,
                            deleted ? null : op.data(), op.hlc(), userId, seq, op.opId());
                    bindDoc(upsert, next, deleted ? null : dataJson.get(i));
                    upsert.setLong(11, tally.writtenAt);
                    upsert.addBatch();
                    remember.setString(1, op.opId());
                    remember.setString(2, op.scope());
                    remember.setString(3, op.type());
                    remember.setString(4, op.id());
                    remember.setLong(5, next.version());
                    remember.setLong(6, seq);
                    remember.setLong(7, now.toEpochMilli());
                    remember.addBatch();
                    written.put(key, next);
                    PushResult.Applied applied = new PushResult.Applied(op.opId(), next.version(), seq);
                    appliedHere.put(op.opId(), new AppliedOp(op.scope(), op.type(), op.id(), next.version(), seq));
                    results.add(applied);
                }
                if (!appliedHere.isEmpty()) {
                    upsert.executeBatch();
                    remember.executeBatch();
                    saveTallies(c, tallies.values());
                }
            }
            ok = true;
            return results;
        } finally {
            endWrite(c, ok);
        }
    }

    /**
     * What a batch does to one scope's row in {@code scopes}: the feed head it reached, the
     * document and tombstone counts it changed, and the time its writes are stamped with.
     */
    private static final class ScopeTally {
        final String scope;
        final long startHead;
        final long writtenAt;
        long head;
        long documents;
        long tombstones;

        ScopeTally(String scope, long head, long writtenAt) {
            this.scope = scope;
            this.startHead = head;
            this.head = head;
            this.writtenAt = writtenAt;
        }

        /** Counts one write that turns {@code before} (null: absent) into a document or a tombstone. */
        void count(Change before, boolean deleted) {
            if (before == null) {
                documents++;
            } else if (before.deleted()) {
                tombstones--;
            }
            if (deleted) {
                tombstones++;
            }
        }
    }

    /**
     * Locks the {@code scopes} row of every scope in {@code ops} (creating missing ones), in name
     * order, and reads each head. Writes are stamped with {@code now}, or with the scope's last
     * write time when that is later (a clock stepped back), so a scope's write times never go
     * backwards along its feed.
     */
    private Map<String, ScopeTally> lockScopes(Connection c, List<PushOp> ops, Instant now) throws SQLException {
        TreeSet<String> scopes = new TreeSet<>();
        for (PushOp op : ops) {
            scopes.add(op.scope());
        }
        Map<String, ScopeTally> tallies = new TreeMap<>();
        long nowMillis = now.toEpochMilli();
        // The no-op update takes the row lock in PostgreSQL; SQLite already holds the database lock.
        try (PreparedStatement lock = c.prepareStatement(
                "INSERT INTO scopes (scope, head) VALUES (?, 0) ON CONFLICT (scope) DO UPDATE SET head = scopes.head"
                + " RETURNING head, last_write_at")) {
            for (String scope : scopes) {
                lock.setString(1, scope);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    long head = rs.getLong(1);
                    long last = rs.getLong(2);
                    tallies.put(scope, new ScopeTally(scope, head, Math.max(nowMillis, rs.wasNull() ? 0 : last)));
                }
            }
        }
        return tallies;
    }

    private static void saveTallies(Connection c, Collection<ScopeTally> tallies) throws SQLException {
        try (PreparedStatement upd = c.prepareStatement("UPDATE scopes SET head = ?, doc_count = doc_count + ?,"
                + " tombstone_count = tombstone_count + ?, last_write_at = ? WHERE scope = ?")) {
            for (ScopeTally t : tallies) {
                if (t.head != t.startHead) {
                    upd.setLong(1, t.head);
                    upd.setLong(2, t.documents);
                    upd.setLong(3, t.tombstones);
                    upd.setLong(4, t.writtenAt);
                    upd.setString(5, t.scope);
                    upd.addBatch();
                }
            }
            upd.executeBatch();
        }
    }

    private static PushResult findApplied(PreparedStatement findOp, PushOp op) throws SQLException {
        findOp.setString(1, op.opId());
        try (ResultSet rs = findOp.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            return replayOf(new AppliedOp(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                    rs.getLong(5)), op);
        }
    }

    /** @return the original result of {@code op} when it was applied before ({@code a} non-null), else null */
    private static PushResult replayOf(AppliedOp a, PushOp op) {
        if (a == null) {
            return null;
        }
        if (!a.scope().equals(op.scope()) || !a.type().equals(op.type()) || !a.id().equals(op.id())) {
            return PushResult.Rejected.of(op.opId(), "op_id_reused",
                    "opId " + op.opId() + " was already applied to another document");
        }
        return new PushResult.Applied(op.opId(), a.version(), a.seq());
    }

    private Change findDoc(PreparedStatement findDoc, PushOp op) throws SQLException {
        findDoc.setString(1, op.scope());
        findDoc.setString(2, op.type());
        findDoc.setString(3, op.id());
        try (ResultSet rs = findDoc.executeQuery()) {
            return rs.next() ? readChange(rs) : null;
        }
    }

    private static void bindDoc(PreparedStatement ps, Change d, String dataJson) throws SQLException {
        ps.setString(1, d.scope());
        ps.setString(2, d.type());
        ps.setString(3, d.id());
        ps.setLong(4, d.version());
        ps.setBoolean(5, d.deleted());
        ps.setString(6, dataJson);
        ps.setString(7, d.hlc());
        ps.setString(8, d.updatedBy());
        ps.setLong(9, d.seq());
        ps.setString(10, d.opId());
    }

    /** Reads a row of {@link #DOC_COLUMNS}, in that order. */
    static Change readChange(ResultSet rs) throws SQLException {
        String data = rs.getString(6);
        ObjectNode node = null;
        if (data != null) {
            try {
                node = (ObjectNode) EXACT.readTree(data);
            } catch (JsonProcessingException | ClassCastException e) {
                throw new SynclineException("stored data of " + rs.getString(1) + "/" + rs.getString(2) + "/"
                        + rs.getString(3) + " is not a JSON object", e);
            }
        }
        return new Change(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getBoolean(5),
                node, rs.getString(7), rs.getString(8), rs.getLong(9), rs.getString(10));
    }

    @Override
    public FeedPage read(Map<String, Long> positions, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        try {
            Connection c = beginRead();
            try {
                Map<String, Long> heads = readHeads(c, positions.keySet());
                Map<String, Long> next = new LinkedHashMap<>(positions);
                List<FeedEntry> changes = new ArrayList<>(Math.min(limit, 1024));
                boolean hasMore = false;
                try (PreparedStatement feed = c.prepareStatement("SELECT " + DOC_COLUMNS
                        + " FROM documents WHERE scope = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?")) {
                    for (Map.Entry<String, Long> e : positions.entrySet()) {
                        long head = heads.getOrDefault(e.getKey(), 0L);
                        long from = e.getValue();
                        if (head <= from) {
                            continue;
                        }
                        int room = limit - changes.size();
                        if (room == 0) {
                            hasMore = true;
                            break;
                        }
                        feed.setString(1, e.getKey());
                        feed.setLong(2, from);
                        feed.setLong(3, head);
                        feed.setInt(4, room);
                        long reached = from;
                        int got = 0;
                        try (ResultSet rs = feed.executeQuery()) {
                            while (rs.next()) {
                                FeedEntry ch = new FeedEntry(rs.getString(1), rs.getString(2), rs.getString(3),
                                        rs.getLong(4), rs.getBoolean(5), rs.getString(6), rs.getString(7),
                                        rs.getString(8), rs.getLong(9), rs.getString(10));
                                changes.add(ch);
                                reached = ch.seq();
                                got++;
                            }
                        }
                        if (got < room) {
                            // Everything up to the head was read (rows skipped by later writes included).
                            reached = head;
                        } else if (reached < head) {
                            hasMore = true;
                        }
                        next.put(e.getKey(), reached);
                    }
                }
                return new FeedPage(changes, next, hasMore);
            } finally {
                endRead(c);
            }
        } catch (SQLException e) {
            throw unavailable("pull failed", e);
        }
    }

    /** Reads the heads of {@code scopes} in a few queries (a token may hold hundreds of scopes). */
    private static Map<String, Long> readHeads(Connection c, Collection<String> scopes) throws SQLException {
        Map<String, Long> heads = new HashMap<>();
        List<String> all = new ArrayList<>(scopes);
        for (int from = 0; from < all.size(); from += HEADS_PER_QUERY) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + HEADS_PER_QUERY));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            try (PreparedStatement ps = c.prepareStatement("SELECT scope, head FROM scopes WHERE scope IN (" + marks + ")")) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        heads.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
        }
        return heads;
    }

    @Override
    public Optional<Change> get(String scope, String type, String id) {
        try {
            Connection c = beginRead();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + DOC_COLUMNS + " FROM documents WHERE scope = ? AND type = ? AND id = ?")) {
                ps.setString(1, scope);
                ps.setString(2, type);
                ps.setString(3, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readChange(rs)) : Optional.empty();
                }
            } finally {
                endRead(c);
            }
        } catch (SQLException e) {
            throw unavailable("read failed", e);
        }
    }

    @Override
    public int forgetOpsAppliedBefore(Instant cutoff) {
        try {
            Connection c = beginWrite();
            boolean ok = false;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM applied_ops WHERE applied_at < ?")) {
                ps.setLong(1, cutoff.toEpochMilli());
                int n = ps.executeUpdate();
                ok = true;
                return n;
            } finally {
                endWrite(c, ok);
            }
        } catch (SQLException e) {
            throw unavailable("opId cleanup failed", e);
        }
    }

    @Override
    public Summary summarize(int maxScopes, int maxRecent) {
        if (maxScopes < 0) {
            throw new IllegalArgumentException("maxScopes must be at least 0, got " + maxScopes);
        }
        // One UNION ALL term per scope read; SQLite allows 500 terms in a compound SELECT.
        if (maxRecent < 0 || maxRecent > MAX_RECENT) {
            throw new IllegalArgumentException("maxRecent must be 0 to " + MAX_RECENT + ", got " + maxRecent);
        }
        try {
            Connection c = beginRead();
            try {
                long scopeCount;
                long rows;
                long tombstones;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*), COALESCE(SUM(doc_count), 0), COALESCE(SUM(tombstone_count), 0) FROM scopes");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    scopeCount = rs.getLong(1);
                    rows = rs.getLong(2);
                    tombstones = rs.getLong(3);
                }
                List<ScopeSummary> scopes = new ArrayList<>();
                // Most recently written first; scopes from before write times were kept sort last.
                try (PreparedStatement ps = c.prepareStatement("SELECT scope, head, doc_count, tombstone_count,"
                        + " last_write_at FROM scopes ORDER BY COALESCE(last_write_at, 0) DESC, scope LIMIT ?")) {
                    ps.setInt(1, maxScopes);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long docRows = rs.getLong(3);
                            long tombs = rs.getLong(4);
                            scopes.add(new ScopeSummary(rs.getString(1), rs.getLong(2), docRows - tombs, tombs,
                                    instantOrNull(rs, 5)));
                        }
                    }
                }
                List<RecentWrite> recent = maxRecent == 0 ? List.of() : readRecent(c, maxRecent);
                return new Summary(scopeCount, rows - tombstones, tombstones, scopes, recent);
            } finally {
                endRead(c);
            }
        } catch (SQLException e) {
            throw unavailable("summary failed", e);
        }
    }

    /**
     * The newest {@code n} feed entries overall lie in the {@code n} most recently written scopes,
     * each among its scope's last {@code n} feed positions (write times do not go backwards within
     * a scope). So: find those scopes, then read one short index range per scope, all in one
     * statement. A join on {@code seq > head - n} would say the same, but planners answer it with
     * a scan of every document.
     */
    private static List<RecentWrite> readRecent(Connection c, int n) throws SQLException {
        Map<String, Long> heads = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT scope, head FROM scopes ORDER BY COALESCE(last_write_at, 0) DESC, scope LIMIT ?")) {
            ps.setInt(1, n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        if (heads.isEmpty()) {
            return List.of();
        }
        String one = "SELECT scope, type, id, version, deleted, updated_by, seq, written_at FROM documents"
                + " WHERE scope = ? AND seq > ?";
        String sql = "SELECT * FROM (" + String.join(" UNION ALL ", java.util.Collections.nCopies(heads.size(), one))
                + ") AS r ORDER BY COALESCE(written_at, 0) DESC, seq DESC, scope LIMIT ?";
        List<RecentWrite> recent = new ArrayList<>(n);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (Map.Entry<String, Long> e : heads.entrySet()) {
                ps.setString(i++, e.getKey());
                ps.setLong(i++, e.getValue() - n);
            }
            ps.setInt(i, n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recent.add(new RecentWrite(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                            rs.getBoolean(5), rs.getString(6), rs.getLong(7), instantOrNull(rs, 8)));
                }
            }
        }
        return recent;
    }

    private static Instant instantOrNull(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    @Override
    public boolean isHealthy() {
        try {
            Connection c = beginRead();
            try (PreparedStatement ps = c.prepareStatement("SELECT 1")) {
                ps.executeQuery().close();
                return true;
            } finally {
                endRead(c);
            }
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }
}
