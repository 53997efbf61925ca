package dev.syncline.server.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushResult;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} must have. Each implementation's test extends this class and
 * says how to open a fresh store and how to reopen the same one.
 */
public abstract class StoreContract {
    protected static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    protected Store store;

    /** @return a new, empty store */
    protected abstract Store openFresh() throws Exception;

    /** @return the store opened before, closed and opened again over the same data */
    protected abstract Store reopen(Store old) throws Exception;

    /** Runs SQL on a database connection. */
    @FunctionalInterface
    protected interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    /**
     * Makes a second, empty database at schema version 1 (as servers before the admin overview
     * left it), runs {@code fill} on it, then opens a store over it, which migrates it to the
     * newest schema. The subclass closes it after the test.
     */
    protected abstract Store openAfterFillingSchemaV1(SqlWork fill) throws Exception;

    /** Migrates the database at {@code jdbcUrl} to schema version 1 only and runs {@code fill} on it. */
    protected static void fillAtSchemaV1(String jdbcUrl, String migrations, SqlWork fill) throws SQLException {
        Flyway.configure().dataSource(jdbcUrl, null, null).locations(migrations).target("1").loggers("slf4j")
                .load().migrate();
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            fill.run(c);
        }
    }

    @BeforeEach
    void openStore() throws Exception {
        store = openFresh();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    protected static ObjectNode data(String json) {
        return (ObjectNode) Json.parse(json);
    }

    protected static PushOp upsert(String scope, String id, long base, String json) {
        return new PushOp(UUID.randomUUID().toString(), scope, "note", id, OpKind.UPSERT, base, data(json),
                "0001764072000000-0000-test");
    }

    protected static PushOp delete(String scope, String id, long base) {
        return new PushOp(UUID.randomUUID().toString(), scope, "note", id, OpKind.DELETE, base, null,
                "0001764072000000-0000-test");
    }

    private List<PushResult> apply(PushOp... ops) {
        return store.apply("alice", List.of(ops), NOW);
    }

    private Store.FeedPage readAll(String scope) {
        return store.read(new LinkedHashMap<>(Map.of(scope, 0L)), 1000);
    }

    @Test
    void apply_createOnAbsentDocument_writesVersionOneAtSeqOne() {
        PushOp op = upsert("s1", "a", 0, "{\"x\":1}");
        List<PushResult> r = apply(op);
        assertThat(r).containsExactly(new PushResult.Applied(op.opId(), 1, 1));
        Change c = store.get("s1", "note", "a").orElseThrow();
        assertThat(c.version()).isEqualTo(1);
        assertThat(c.deleted()).isFalse();
        assertThat(c.data()).isEqualTo(data("{\"x\":1}"));
        assertThat(c.updatedBy()).isEqualTo("alice");
        assertThat(c.hlc()).isEqualTo(op.hlc());
        assertThat(c.seq()).isEqualTo(1);
    }

    @Test
    void apply_updateOnCurrentVersion_incrementsVersion() {
        apply(upsert("s1", "a", 0, "{\"x\":1}"));
        PushOp op = upsert("s1", "a", 1, "{\"x\":2}");
        assertThat(apply(op)).containsExactly(new PushResult.Applied(op.opId(), 2, 2));
        assertThat(store.get("s1", "note", "a").orElseThrow().data()).isEqualTo(data("{\"x\":2}"));
    }

    @Test
    void apply_withStaleBaseVersion_returnsConflictAndWritesNothing() {
        apply(upsert("s1", "a", 0, "{\"x\":1}"));
        apply(upsert("s1", "a", 1, "{\"x\":2}"));
        PushOp stale = upsert("s1", "a", 1, "{\"x\":3}");
        List<PushResult> r = apply(stale);
        assertThat(r).hasSize(1).first().isInstanceOf(PushResult.Conflict.class);
        Change current = ((PushResult.Conflict) r.get(0)).current();
        assertThat(current.version()).isEqualTo(2);
        assertThat(current.data()).isEqualTo(data("{\"x\":2}"));
        assertThat(store.get("s1", "note", "a").orElseThrow().version()).isEqualTo(2);
        // The conflict did not advance the feed.
        assertThat(readAll("s1").positions()).containsEntry("s1", 2L);
    }

    @Test
    void apply_createOverExistingDocument_conflicts() {
        apply(upsert("s1", "a", 0, "{\"x\":1}"));
        List<PushResult> r = apply(upsert("s1", "a", 0, "{\"x\":9}"));
        assertThat(r.get(0)).isInstanceOf(PushResult.Conflict.class);
        assertThat(store.get("s1", "note", "a").orElseThrow().data()).isEqualTo(data("{\"x\":1}"));
    }

    @Test
    void apply_updateOfAbsentDocument_conflictsWithNoCurrent() {
        List<PushResult> r = apply(upsert("s1", "ghost", 3, "{}"));
        assertThat(r.get(0)).isInstanceOf(PushResult.Conflict.class);
        assertThat(((PushResult.Conflict) r.get(0)).current()).isNull();
        assertThat(store.get("s1", "note", "ghost")).isEmpty();
    }

    @Test
    void apply_delete_leavesTombstoneThatCountsAsAVersion() {
        apply(upsert("s1", "a", 0, "{\"x\":1}"));
        PushOp del = delete("s1", "a", 1);
        assertThat(apply(del)).containsExactly(new PushResult.Applied(del.opId(), 2, 2));
        Change tomb = store.get("s1", "note", "a").orElseThrow();
        assertThat(tomb.deleted()).isTrue();
        assertThat(tomb.data()).isNull();
        assertThat(tomb.version()).isEqualTo(2);
        // Re-creating needs the tombstone's version as base.
        assertThat(apply(upsert("s1", "a", 0, "{\"x\":5}")).get(0)).isInstanceOf(PushResult.Conflict.class);
        PushOp again = upsert("s1", "a", 2, "{\"x\":5}");
        assertThat(apply(again)).containsExactly(new PushResult.Applied(again.opId(), 3, 3));
    }

    @Test
    void apply_sameOpIdTwice_returnsOriginalResultAndWritesOnce() {
        PushOp op = upsert("s1", "a", 0, "{\"x\":1}");
        List<PushResult> first = apply(op);
        List<PushResult> second = apply(op);
        assertThat(second).isEqualTo(first);
        assertThat(readAll("s1").positions()).containsEntry("s1", 1L);
        assertThat(store.get("s1", "note", "a").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void apply_sameOpIdTwiceInOneBatch_appliesOnce() {
        PushOp op = upsert("s1", "a", 0, "{\"x\":1}");
        List<PushResult> r = store.apply("alice", List.of(op, op), NOW);
        assertThat(r.get(1)).isEqualTo(r.get(0));
        assertThat(store.get("s1", "note", "a").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void apply_sameOpIdOnTwoDocumentsInOneBatch_rejectsTheSecondAndWritesOnlyTheFirst() {
        PushOp first = upsert("s1", "a", 0, "{\"x\":1}");
        PushOp second = new PushOp(first.opId(), "s1", "note", "b", OpKind.UPSERT, 0, data("{\"x\":2}"), first.hlc());
        List<PushResult> r = store.apply("alice", List.of(first, second), NOW);
        assertThat(r.get(0)).isEqualTo(new PushResult.Applied(first.opId(), 1, 1));
        assertThat(r.get(1)).isInstanceOf(PushResult.Rejected.class);
        assertThat(((PushResult.Rejected) r.get(1)).error().code()).isEqualTo("op_id_reused");
        assertThat(store.get("s1", "note", "b")).isEmpty();
        assertThat(readAll("s1").changes()).extracting(FeedEntry::id).containsExactly("a");
    }

    /**
     * Data is kept as the text sent, on every store: spacing, key order and numbers exactly (a
     * store that expanded 1e300 to 301 digits, or rounded a 40-digit fraction, would hand clients
     * other documents than the other store does).
     */
    @Test
    void apply_keepsDataAsTheTextSent_numbersSpacingAndKeyOrderIncluded() {
        List<String> texts = List.of(
                "{\"b\":1,\"a\":2}",
                "{ \"spaced\" : [ 1 , 2 ] }",
                "{\"big\":1e300,\"max\":1.7976931348623157e308,\"tiny\":-4.9e-324,\"e\":1E+2}",
                "{\"fraction\":12345678901234567890.123456789012345678901234567890,\"scaled\":0.10}",
                "{\"int\":123456789012345678901234567890123456789012345678901234567890}",
                "{\"pair\":\"\\ud83d\\ude00\",\"raw\":\"\ud83d\ude00 caf\u00e9\",\"esc\":\"a\\\"b\\\\c\\n\"}");
        List<PushOp> ops = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            ops.add(new PushOp(UUID.randomUUID().toString(), "s1", "note", "d" + i, OpKind.UPSERT, 0,
                    (ObjectNode) Json.parse(texts.get(i)), "0001764072000000-0000-test"));
        }
        List<PushResult> r = store.apply("alice", ops, texts, NOW);
        assertThat(r).allMatch(x -> x instanceof PushResult.Applied);
        assertThat(readAll("s1").changes()).extracting(FeedEntry::data).containsExactlyElementsOf(texts);
        for (int i = 0; i < texts.size(); i++) {
            // get() holds exact decimals; written out and read the usual way, it is the value sent.
            assertThat(Json.parse(Json.write(store.get("s1", "note", "d" + i).orElseThrow().data())))
                    .isEqualTo(Json.parse(texts.get(i)));
        }
        // A conflict's current document carries the same values, not rounded or expanded.
        PushResult c = store.apply("bob", List.of(upsert("s1", "d2", 0, "{}")), NOW).get(0);
        String current = Json.write(((PushResult.Conflict) c).current().data());
        assertThat(current).contains("1E+300", "1.7976931348623157E+308", "-4.9E-324").hasSizeLessThan(200);
        PushResult c3 = store.apply("bob", List.of(upsert("s1", "d3", 0, "{}")), NOW).get(0);
        assertThat(Json.write(((PushResult.Conflict) c3).current().data()))
                .contains("12345678901234567890.123456789012345678901234567890", "0.10");
    }

    @Test
    void apply_remembersWhichOpProducedEachVersion_inTheFeedGetAndConflicts() {
        PushOp create = upsert("s1", "a", 0, "{\"x\":1}");
        PushOp update = upsert("s1", "a", 1, "{\"x\":2}");
        PushOp other = upsert("s1", "b", 0, "{}");
        PushOp del = delete("s1", "b", 1);
        apply(create, other);
        assertThat(readAll("s1").changes()).extracting(FeedEntry::opId).containsExactly(create.opId(), other.opId());
        apply(update, del);
        assertThat(readAll("s1").changes()).extracting(FeedEntry::id, FeedEntry::opId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", update.opId()),
                        org.assertj.core.groups.Tuple.tuple("b", del.opId()));
        assertThat(store.get("s1", "note", "a").orElseThrow().opId()).isEqualTo(update.opId());
        assertThat(store.get("s1", "note", "b").orElseThrow().opId()).isEqualTo(del.opId());
        PushResult stale = apply(upsert("s1", "a", 1, "{\"x\":3}")).get(0);
        assertThat(((PushResult.Conflict) stale).current().opId()).isEqualTo(update.opId());
        // Within one batch, a conflict with a document written earlier in it names that op.
        PushOp c1 = upsert("s1", "n", 0, "{}");
        List<PushResult> batch = apply(c1, upsert("s1", "n", 0, "{}"), upsert("s1", "m", 0, "{}"));
        assertThat(((PushResult.Conflict) batch.get(1)).current().opId()).isEqualTo(c1.opId());
    }

    @Test
    void apply_opIdReusedForAnotherDocument_isRejected() {
        PushOp op = upsert("s1", "a", 0, "{}");
        apply(op);
        PushOp other = new PushOp(op.opId(), "s1", "note", "b", OpKind.UPSERT, 0, data("{}"), op.hlc());
        PushResult r = apply(other).get(0);
        assertThat(r).isInstanceOf(PushResult.Rejected.class);
        assertThat(((PushResult.Rejected) r).error().code()).isEqualTo("op_id_reused");
        assertThat(store.get("s1", "note", "b")).isEmpty();
    }

    @Test
    void apply_opIdsAreRememberedAcrossReopen() throws Exception {
        PushOp op = upsert("s1", "a", 0, "{\"x\":1}");
        List<PushResult> first = apply(op);
        store = reopen(store);
        assertThat(apply(op)).isEqualTo(first);
        assertThat(store.get("s1", "note", "a").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void forgetOpsAppliedBefore_forgetsOnlyOldOnes() {
        PushOp old = upsert("s1", "a", 0, "{}");
        store.apply("alice", List.of(old), NOW.minus(Duration.ofDays(8)));
        PushOp recent = upsert("s1", "b", 0, "{}");
        store.apply("alice", List.of(recent), NOW);
        assertThat(store.forgetOpsAppliedBefore(NOW.minus(Duration.ofDays(7)))).isEqualTo(1);
        // The recent one still replays; the old one is now a plain (conflicting) create.
        assertThat(apply(recent).get(0)).isInstanceOf(PushResult.Applied.class);
        assertThat(apply(old).get(0)).isInstanceOf(PushResult.Conflict.class);
    }

    @Test
    void apply_batchWithSeveralOpsOnOneDocument_seesEarlierOpsOfTheBatch() {
        PushOp c = upsert("s1", "a", 0, "{\"x\":1}");
        PushOp u = upsert("s1", "a", 1, "{\"x\":2}");
        PushOp stale = upsert("s1", "a", 1, "{\"x\":3}");
        List<PushResult> r = apply(c, u, stale);
        assertThat(r.get(0)).isEqualTo(new PushResult.Applied(c.opId(), 1, 1));
        assertThat(r.get(1)).isEqualTo(new PushResult.Applied(u.opId(), 2, 2));
        assertThat(r.get(2)).isInstanceOf(PushResult.Conflict.class);
        assertThat(((PushResult.Conflict) r.get(2)).current().version()).isEqualTo(2);
    }

    @Test
    void apply_batchMixingReplaysReusedOpIdsExistingAndNewDocuments_answersEachLikeASingleOp() {
        PushOp a = upsert("s1", "a", 0, "{\"x\":1}");
        PushOp b = upsert("s2", "b", 0, "{\"x\":1}");
        List<PushResult> first = apply(a, b);
        PushOp reused = new PushOp(a.opId(), "s1", "note", "c", OpKind.UPSERT, 0, data("{}"), a.hlc());
        PushOp updateB = upsert("s2", "b", 1, "{\"x\":2}");
        PushOp staleA = upsert("s1", "a", 0, "{\"x\":9}");
        PushOp newD = upsert("s1", "d", 0, "{\"x\":1}");
        List<PushResult> r = apply(b, reused, updateB, staleA, newD, a);
        assertThat(r.get(0)).isEqualTo(first.get(1));
        assertThat(((PushResult.Rejected) r.get(1)).error().code()).isEqualTo("op_id_reused");
        assertThat(r.get(2)).isEqualTo(new PushResult.Applied(updateB.opId(), 2, 2));
        assertThat(((PushResult.Conflict) r.get(3)).current().data()).isEqualTo(data("{\"x\":1}"));
        assertThat(r.get(4)).isEqualTo(new PushResult.Applied(newD.opId(), 1, 2));
        assertThat(r.get(5)).isEqualTo(first.get(0));
        assertThat(store.get("s1", "note", "c")).isEmpty();
        assertThat(store.get("s2", "note", "b").orElseThrow().data()).isEqualTo(data("{\"x\":2}"));
    }

    @Test
    void read_returnsLatestStateOncePerDocumentInCommitOrder() {
        apply(upsert("s1", "a", 0, "{\"v\":1}"));
        apply(upsert("s1", "b", 0, "{\"v\":1}"));
        apply(upsert("s1", "a", 1, "{\"v\":2}"));
        Store.FeedPage page = readAll("s1");
        assertThat(page.changes()).extracting(FeedEntry::id).containsExactly("b", "a");
        assertThat(page.changes().get(1).toChange().data()).isEqualTo(data("{\"v\":2}"));
        assertThat(page.changes()).extracting(FeedEntry::seq).containsExactly(2L, 3L);
        assertThat(page.hasMore()).isFalse();
        assertThat(page.positions()).containsEntry("s1", 3L);
    }

    @Test
    void read_pagesThroughTheFeedWithoutLossOrRepeats() {
        for (int i = 0; i < 25; i++) {
            apply(upsert("s1", "d" + i, 0, "{}"));
        }
        Map<String, Long> pos = new LinkedHashMap<>(Map.of("s1", 0L));
        List<String> seen = new ArrayList<>();
        int pages = 0;
        boolean more = true;
        while (more) {
            Store.FeedPage p = store.read(pos, 10);
            p.changes().forEach(c -> seen.add(c.id()));
            pos = new LinkedHashMap<>(p.positions());
            more = p.hasMore();
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(25).doesNotHaveDuplicates();
    }

    @Test
    void read_onlyReturnsTheScopesAskedFor() {
        apply(upsert("s1", "a", 0, "{}"));
        apply(upsert("s2", "b", 0, "{}"));
        Store.FeedPage p = readAll("s2");
        assertThat(p.changes()).extracting(FeedEntry::scope).containsOnly("s2");
        assertThat(p.positions()).containsOnlyKeys("s2");
    }

    @Test
    void read_acrossScopes_keepsEachScopesPosition() {
        apply(upsert("s1", "a", 0, "{}"));
        apply(upsert("s2", "b", 0, "{}"));
        apply(upsert("s2", "c", 0, "{}"));
        Map<String, Long> pos = new LinkedHashMap<>();
        pos.put("s1", 0L);
        pos.put("s2", 0L);
        pos.put("empty", 0L);
        Store.FeedPage p = store.read(pos, 2);
        assertThat(p.changes()).hasSize(2);
        assertThat(p.hasMore()).isTrue();
        Store.FeedPage rest = store.read(new LinkedHashMap<>(p.positions()), 10);
        assertThat(rest.changes()).extracting(FeedEntry::id).containsExactly("c");
        assertThat(rest.hasMore()).isFalse();
        assertThat(rest.positions()).containsEntry("s1", 1L).containsEntry("s2", 2L).containsEntry("empty", 0L);
    }

    @Test
    void read_withHundredsOfScopes_returnsEveryScopesChanges() {
        List<PushOp> ops = new ArrayList<>();
        Map<String, Long> pos = new LinkedHashMap<>();
        for (int i = 0; i < 450; i++) {
            pos.put("s" + i, 0L);
            if (i % 3 == 0) {
                ops.add(upsert("s" + i, "d", 0, "{}"));
            }
        }
        store.apply("alice", ops, NOW);
        Store.FeedPage p = store.read(pos, 1000);
        assertThat(p.changes()).hasSize(150);
        assertThat(p.hasMore()).isFalse();
        assertThat(p.positions()).hasSize(450).containsEntry("s0", 1L).containsEntry("s1", 0L)
                .containsEntry("s447", 1L);
    }

    @Test
    void read_tombstonesComeWithNullData() {
        apply(upsert("s1", "a", 0, "{}"));
        apply(delete("s1", "a", 1));
        FeedEntry c = readAll("s1").changes().get(0);
        assertThat(c.deleted()).isTrue();
        assertThat(c.data()).isNull();
    }

    @Test
    void storeIdAndCursorKey_surviveReopen() throws Exception {
        String id = store.storeId();
        byte[] key = store.cursorKey();
        assertThat(key).hasSizeGreaterThanOrEqualTo(32);
        store = reopen(store);
        assertThat(store.storeId()).isEqualTo(id);
        assertThat(store.cursorKey()).isEqualTo(key);
        assertThat(store.isHealthy()).isTrue();
    }

    // --- summarize: what the admin overview reads ---

    private static Store.ScopeSummary scope(Store.Summary s, String name) {
        return s.scopes().stream().filter(x -> x.scope().equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no scope " + name + " in " + s.scopes()));
    }

    @Test
    void summarize_onEmptyStore_isAllZero() {
        Store.Summary s = store.summarize(10, 10);
        assertThat(s.scopeCount()).isZero();
        assertThat(s.documents()).isZero();
        assertThat(s.tombstones()).isZero();
        assertThat(s.scopes()).isEmpty();
        assertThat(s.recent()).isEmpty();
    }

    @Test
    void summarize_countsLiveDocumentsAndTombstonesPerScope() {
        apply(upsert("s1", "a", 0, "{}"));
        apply(upsert("s1", "a", 1, "{}"));
        apply(upsert("s1", "b", 0, "{}"));
        apply(delete("s1", "b", 1));
        apply(upsert("s1", "c", 0, "{}"));
        apply(delete("s1", "c", 1));
        apply(upsert("s1", "c", 2, "{}"));
        apply(delete("s1", "d", 0)); // a delete of an absent document leaves a tombstone
        PushOp replayed = upsert("s1", "e", 0, "{}");
        apply(replayed);
        apply(replayed);
        apply(upsert("s1", "a", 0, "{}")); // conflict: nothing changes
        // One batch creating, updating and deleting one document leaves one tombstone.
        store.apply("alice", List.of(upsert("s2", "x", 0, "{}"), upsert("s2", "x", 1, "{}"), delete("s2", "x", 2)),
                NOW);
        apply(upsert("s3", "never", 7, "{}")); // conflict on an absent document in a new scope

        Store.Summary s = store.summarize(10, 0);
        assertThat(scope(s, "s1")).isEqualTo(new Store.ScopeSummary("s1", 9, 3, 2, NOW));
        assertThat(scope(s, "s2")).isEqualTo(new Store.ScopeSummary("s2", 3, 0, 1, NOW));
        assertThat(scope(s, "s3")).isEqualTo(new Store.ScopeSummary("s3", 0, 0, 0, null));
        assertThat(s.scopeCount()).isEqualTo(3);
        assertThat(s.documents()).isEqualTo(3);
        assertThat(s.tombstones()).isEqualTo(3);
        assertThat(s.recent()).isEmpty();
    }

    @Test
    void summarize_listsMostRecentlyWrittenScopesFirstUpToTheLimit() {
        store.apply("alice", List.of(upsert("s1", "a", 0, "{}")), NOW);
        store.apply("alice", List.of(upsert("s2", "a", 0, "{}")), NOW.plusSeconds(2));
        store.apply("alice", List.of(upsert("s3", "a", 0, "{}")), NOW.plusSeconds(1));
        Store.Summary s = store.summarize(2, 0);
        assertThat(s.scopes()).extracting(Store.ScopeSummary::scope).containsExactly("s2", "s3");
        assertThat(s.scopes().get(0).lastWriteAt()).isEqualTo(NOW.plusSeconds(2));
        // Totals cover every scope, not only those listed.
        assertThat(s.scopeCount()).isEqualTo(3);
        assertThat(s.documents()).isEqualTo(3);
    }

    @Test
    void summarize_recentWrites_areTheLatestFeedEntriesNewestFirstWithoutData() {
        store.apply("alice", List.of(upsert("s1", "a", 0, "{}")), NOW);
        store.apply("bob", List.of(upsert("s2", "b", 0, "{}")), NOW.plusSeconds(1));
        store.apply("alice", List.of(upsert("s1", "c", 0, "{}")), NOW.plusSeconds(2));
        store.apply("bob", List.of(delete("s2", "b", 1)), NOW.plusSeconds(3));
        store.apply("carol", List.of(upsert("s1", "a", 1, "{}")), NOW.plusSeconds(4));
        Store.Summary s = store.summarize(10, 10);
        assertThat(s.recent()).containsExactly(
                new Store.RecentWrite("s1", "note", "a", 2, false, "carol", 3, NOW.plusSeconds(4)),
                new Store.RecentWrite("s2", "note", "b", 2, true, "bob", 2, NOW.plusSeconds(3)),
                new Store.RecentWrite("s1", "note", "c", 1, false, "alice", 2, NOW.plusSeconds(2)));
        assertThat(store.summarize(10, 2).recent()).extracting(Store.RecentWrite::id).containsExactly("a", "b");
    }

    @Test
    void summarize_recentWrites_matchAModelAcrossManyScopes() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        // Latest write per document: key -> {version, time offset}.
        Map<String, long[]> model = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String scope = "s" + rnd.nextInt(12);
            String id = "d" + rnd.nextInt(15);
            String key = scope + "/" + id;
            long[] cur = model.get(key);
            long base = cur == null ? 0 : cur[0];
            List<PushResult> r = store.apply("u", List.of(upsert(scope, id, base, "{}")), NOW.plusSeconds(i));
            assertThat(r.get(0)).as("seed %d", seed).isInstanceOf(PushResult.Applied.class);
            model.put(key, new long[] {base + 1, i});
        }
        for (int n : new int[] {1, 7, 40, 500}) {
            List<String> expected = model.entrySet().stream()
                    .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
                    .limit(n).map(e -> e.getKey() + "@" + e.getValue()[0]).toList();
            List<String> got = store.summarize(0, n).recent().stream()
                    .map(w -> w.scope() + "/" + w.id() + "@" + w.version()).toList();
            assertThat(got).as("seed %d, limit %d", seed, n).isEqualTo(expected);
        }
    }

    @Test
    void summarize_writeTimesNeverGoBackwardsWhenTheClockStepsBack() {
        store.apply("alice", List.of(upsert("s1", "a", 0, "{}")), NOW);
        store.apply("alice", List.of(upsert("s1", "b", 0, "{}")), NOW.minusSeconds(60));
        Store.Summary s = store.summarize(10, 10);
        assertThat(scope(s, "s1").lastWriteAt()).isEqualTo(NOW);
        assertThat(s.recent()).extracting(Store.RecentWrite::id).containsExactly("b", "a");
        assertThat(s.recent()).extracting(Store.RecentWrite::writtenAt).containsOnly(NOW);
    }

    @Test
    void migrationFromSchemaV1_countsExistingDocumentsAndTakesLastWriteTimesFromRememberedOps() throws Exception {
        Instant applied = NOW.minus(Duration.ofHours(3));
        Store migrated = openAfterFillingSchemaV1(c -> {
            exec(c, "INSERT INTO scopes (scope, head) VALUES ('s1', 3), ('s2', 1)");
            exec(c, "INSERT INTO documents (scope, type, id, version, deleted, data, hlc, updated_by, seq) VALUES"
                    + " ('s1', 'note', 'a', 1, false, '{\"x\":1}', '0001764072000000-0000-test', 'alice', 1),"
                    + " ('s1', 'note', 'b', 2, true, NULL, '0001764072000000-0000-test', 'alice', 3),"
                    + " ('s1', 'note', 'c', 1, false, '{}', '0001764072000000-0000-test', 'bob', 2),"
                    + " ('s2', 'note', 'x', 1, false, '{}', '0001764072000000-0000-test', 'bob', 1)");
            exec(c, "INSERT INTO applied_ops (op_id, scope, type, id, version, seq, applied_at) VALUES"
                    + " ('op-1', 's1', 'note', 'b', 2, 3, " + applied.toEpochMilli() + ")");
            c.commit();
        });
        Store.Summary s = migrated.summarize(10, 10);
        // Rows from before the opId column have none; their data survives the column's new type.
        Change old = migrated.get("s1", "note", "a").orElseThrow();
        assertThat(old.opId()).isNull();
        assertThat(old.data()).isEqualTo(data("{\"x\":1}"));
        assertThat(scope(s, "s1")).isEqualTo(new Store.ScopeSummary("s1", 3, 2, 1, applied));
        assertThat(scope(s, "s2")).isEqualTo(new Store.ScopeSummary("s2", 1, 1, 0, null));
        assertThat(s.recent()).hasSize(4).allMatch(w -> w.writtenAt() == null);
        // Writes after the migration keep the counts and carry their time.
        PushOp y = upsert("s2", "y", 0, "{}");
        migrated.apply("carol", List.of(y, delete("s1", "a", 1)), NOW);
        assertThat(migrated.get("s2", "note", "y").orElseThrow().opId()).isEqualTo(y.opId());
        Store.Summary after = migrated.summarize(10, 2);
        assertThat(scope(after, "s1")).isEqualTo(new Store.ScopeSummary("s1", 4, 1, 2, NOW));
        assertThat(scope(after, "s2")).isEqualTo(new Store.ScopeSummary("s2", 2, 2, 0, NOW));
        assertThat(after.recent()).extracting(Store.RecentWrite::id).containsExactlyInAnyOrder("y", "a");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        if (c.getAutoCommit()) {
            c.setAutoCommit(false);
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
        }
    }

    @Test
    void concurrentWritersOnOneDocumentWithSameBase_exactlyOneApplies() throws Exception {
        apply(upsert("s1", "hot", 0, "{}"));
        int writers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<PushResult>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                return store.apply("w" + n, List.of(upsert("s1", "hot", 1, "{\"w\":" + n + "}")), NOW).get(0);
            }));
        }
        go.countDown();
        int applied = 0;
        for (Future<PushResult> f : results) {
            if (f.get(30, TimeUnit.SECONDS) instanceof PushResult.Applied) {
                applied++;
            }
        }
        pool.shutdown();
        assertThat(applied).isEqualTo(1);
        assertThat(store.get("s1", "note", "hot").orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void concurrentWritersAndAPuller_pullerSeesEveryCommittedWrite() throws Exception {
        int writers = 8;
        int writesEach = 60;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        Map<String, Long> committed = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int n = w;
            fs.add(pool.submit(() -> {
                Map<String, Long> versions = new HashMap<>();
                for (int i = 0; i < writesEach; i++) {
                    String id = "w" + n + "-" + (i % 7);
                    long base = versions.getOrDefault(id, 0L);
                    PushResult r = store.apply("w" + n, List.of(upsert("s1", id, base, "{\"i\":" + i + "}")), NOW)
                            .get(0);
                    long v = ((PushResult.Applied) r).version();
                    versions.put(id, v);
                    committed.put(id, v);
                }
                return null;
            }));
        }
        Map<String, Long> seen = new ConcurrentHashMap<>();
        Future<?> puller = pool.submit(() -> {
            Map<String, Long> pos = new LinkedHashMap<>(Map.of("s1", 0L));
            while (true) {
                boolean finished = done.get();
                Store.FeedPage p = store.read(pos, 17);
                for (FeedEntry c : p.changes()) {
                    seen.merge(c.id(), c.version(), Math::max);
                }
                pos = new LinkedHashMap<>(p.positions());
                if (finished && !p.hasMore()) {
                    return null;
                }
            }
        });
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        done.set(true);
        puller.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(seen).isEqualTo(committed);
        assertThat(committed).hasSize(writers * 7);
        assertThat(Set.copyOf(committed.values())).allMatch(v -> v > 1);
    }
}
