package dev.syncline.server.internal.store;

import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's authoritative storage: documents, the per-scope change feed and remembered opIds.
 * One interface, several implementations (embedded SQLite, PostgreSQL); all pass the same contract
 * suite.
 *
 * <p>Feed ordering: each scope has a head sequence number. A write takes the next number of its
 * scope while holding that scope's write lock until commit, so within a scope commit order equals
 * sequence order, and a reader that has seen sequence {@code n} never later finds a commit below
 * {@code n}. A document row carries the sequence of its latest write, so reading {@code seq > n}
 * yields each changed document once, in its latest state.
 *
 * <p>Implementations are thread-safe.
 */
public interface Store extends AutoCloseable {

    /**
     * Applies {@code ops} in order, in one transaction, each iff the stored version equals its base
     * version (absent counts as 0, a tombstone as its version). An opId applied before returns its
     * original {@code Applied} result and writes nothing. Each written version remembers the opId
     * that produced it (returned as {@code opId} by {@link #read}, {@link #get} and a conflict's
     * current document). Ops must already be validated (names, scopes the caller may write, data
     * shape and values) and carry an HLC.
     *
     * @param userId the writer, recorded as {@code updatedBy}
     * @param ops validated operations
     * @param now the time recorded with remembered opIds
     * @return one result per op, same order: {@code Applied} or {@code Conflict} (or
     *     {@code Rejected} with {@code op_id_reused} when an opId was applied to another document,
     *     )
     * @throws StoreUnavailableException when the database cannot be reached; nothing was applied
     */
    default List<PushResult> apply(String userId, List<PushOp> ops, Instant now) {
        List<String> dataJson = new java.util.ArrayList<>(ops.size());
        for (PushOp op : ops) {
            dataJson.add(op.data() == null ? null : dev.syncline.core.Json.write(op.data()));
        }
        return apply(userId, ops, dataJson, now);
    }

    /**
     * As {@link #apply(String, List, Instant)}, with each operation's data already written as JSON
     * text, stored as it is.
     *
     * @param dataJson per op, the JSON text of its data (null for a delete); must be the text of
     *     {@code data}; it is stored, and read back, exactly as given
     */
    List<PushResult> apply(String userId, List<PushOp> ops, List<String> dataJson, Instant now);

    /**
     * Reads the feed after the given positions.
     *
     * @param positions scope to last seen sequence (0 = from the beginning); iteration order is the
     *     order scopes are read in
     * @param limit at most this many changes
     * @return changes, the new positions of every scope in {@code positions}, and whether more wait
     * @throws StoreUnavailableException when the database cannot be reached
     */
    FeedPage read(Map<String, Long> positions, int limit);

    /** @return the stored state of one document (tombstones included), if any */
    Optional<Change> get(String scope, String type, String id);

    /**
     * Forgets opIds applied before {@code cutoff}.
     *
     * @return how many were forgotten
     */
    int forgetOpsAppliedBefore(Instant cutoff);

    /** @return true when a trivial query succeeds now */
    boolean isHealthy();

    /**
     * Reads what an operator's overview shows, from one snapshot and without scanning documents:
     * totals over all scopes, the most recently written scopes, and the newest feed entries across
     * them (metadata only, never document data).
     *
     * @param maxScopes at most this many scopes, most recently written first (then by name)
     * @param maxRecent at most this many feed entries, newest write first; 0 to 500
     * @return the summary
     * @throws IllegalArgumentException when a limit is out of range
     * @throws StoreUnavailableException when the database cannot be reached
     */
    Summary summarize(int maxScopes, int maxRecent);

    /** @return {@code "sqlite"} or {@code "postgresql"} */
    String kind();

    /** @return where the data lives: the database file, or the JDBC URL with its password masked */
    String location();

    /** @return a random id made when this database was created; cursors carry it */
    String storeId();

    /** @return a random secret made when this database was created; cursors are signed with it */
    byte[] cursorKey();

    /** Releases connections. Idempotent. */
    @Override
    void close();

    /**
     * One page of the feed.
     *
     * @param changes latest state per changed document, in sequence order within each scope
     * @param positions the new position of every scope asked about
     * @param hasMore true when some scope has changes past its new position
     */
    record FeedPage(List<FeedEntry> changes, Map<String, Long> positions, boolean hasMore) {
    }

    /**
     * One scope as the overview shows it.
     *
     * @param scope the scope
     * @param head its feed head (the seq of its newest write; 0 when nothing was written)
     * @param documents documents that are not deleted
     * @param tombstones deleted documents (kept so offline clients learn of the delete)
     * @param lastWriteAt when its newest write committed (server time), null when unknown
     */
    record ScopeSummary(String scope, long head, long documents, long tombstones, Instant lastWriteAt) {
    }

    /**
     * A feed entry without its data: which document moved, to what version, by whom, when.
     *
     * @param scope scope
     * @param type type
     * @param id id
     * @param version the version written
     * @param deleted true for a tombstone
     * @param updatedBy the writer
     * @param seq its feed position in the scope
     * @param writtenAt when the write committed (server time), null when unknown
     */
    record RecentWrite(String scope, String type, String id, long version, boolean deleted, String updatedBy,
            long seq, Instant writtenAt) {
    }

    /**
     * What {@link #summarize} read.
     *
     * @param scopeCount how many scopes exist
     * @param documents documents that are not deleted, over all scopes
     * @param tombstones tombstones over all scopes
     * @param scopes the most recently written scopes
     * @param recent the newest feed entries, newest first
     */
    record Summary(long scopeCount, long documents, long tombstones, List<ScopeSummary> scopes,
            List<RecentWrite> recent) {
        /** Copies the lists. */
        public Summary {
            scopes = List.copyOf(scopes);
            recent = List.copyOf(recent);
        }
    }
}
