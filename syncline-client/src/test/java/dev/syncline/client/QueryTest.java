package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.internal.store.QuerySql;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries over real SQLite files: each operator, conjunctions, sort keys, limits and scopes, how
 * JSON types compare, hostile input, the plan of each query shape, and a seeded comparison with
 * the same filtering done in Java ({@link QueryPropertiesTest}).
 */
class QueryTest {
    /** Items are untyped JSON objects, so a field may be missing, null, or of any JSON type. */
    static final EntityType<ObjectNode> ITEMS = EntityType.builder("item", ObjectNode.class)
            .scope(o -> o.path("team").asText(null)).id(o -> o.path("id").asText(null))
            .index("kind").index("name").index("size").index("score").index("flag").build();

    @TempDir
    Path dir;
    SyncClient client;
    Repository<ObjectNode> items;

    @BeforeEach
    void open() {
        client = SyncClient.builder().database(dir.resolve("q.db")).durability(Durability.NORMAL)
                .register(ITEMS).register(TrackFlow.TRACKS).build();
        items = client.repository(ObjectNode.class);
    }

    @AfterEach
    void close() {
        client.close();
    }

    /** Saves an item of team-1 with the given fields (pairs of name, value; a value may be null). */
    static ObjectNode item(String id, Object... fields) {
        ObjectNode o = Json.mapper().createObjectNode().put("id", id).put("team", "team-1");
        for (int i = 0; i < fields.length; i += 2) {
            o.set((String) fields[i], Json.mapper().valueToTree(fields[i + 1]));
        }
        return o;
    }

    void save(ObjectNode... all) {
        for (ObjectNode o : all) {
            items.save(o);
        }
    }

    List<String> ids(Query q) {
        return items.query(q).stream().map(o -> o.get("id").asText()).toList();
    }

    @Test
    void equality_matchesOnlyValuesOfTheSameJsonType() {
        save(item("int", "size", 1), item("real", "size", 1.0), item("text", "size", "1"), item("true", "size", true),
                item("null", "size", null), item("missing"), item("other", "size", 2));

        assertThat(ids(Query.where("size", 1))).containsExactly("int", "real");
        assertThat(ids(Query.where("size", 1.0))).containsExactly("int", "real");
        assertThat(ids(Query.where("size", new BigDecimal("1.0")))).containsExactly("int", "real");
        assertThat(ids(Query.where("size", "1"))).containsExactly("text");
        assertThat(ids(Query.where("size", true))).containsExactly("true");
        assertThat(ids(Query.where("size", false))).isEmpty();
    }

    @Test
    void conjunction_matchesOnlyDocumentsMeetingEveryCondition() {
        save(item("a", "kind", "loop", "size", 10, "flag", true), item("b", "kind", "loop", "size", 20, "flag", true),
                item("c", "kind", "loop", "size", 10, "flag", false), item("d", "kind", "stem", "size", 10, "flag", true));

        assertThat(ids(Query.where("kind", "loop").and("size", 10))).containsExactly("a", "c");
        assertThat(ids(Query.where("kind", "loop").and("size", 10).and("flag", true))).containsExactly("a");
        assertThat(ids(Query.where("kind", "loop").atLeast("size", 15))).containsExactly("b");
        assertThat(ids(Query.where("kind", "loop").and("kind", "stem"))).isEmpty();
    }

    @Test
    void whereIn_matchesAnyOfItsValues_andAnEmptyListMatchesNothing() {
        save(item("a", "kind", "loop"), item("b", "kind", "stem"), item("c", "kind", "mix"), item("d", "kind", 1),
                item("e", "flag", true), item("f", "flag", false), item("g"));

        assertThat(ids(Query.all().whereIn("kind", "loop", "mix", "absent"))).containsExactly("a", "c");
        assertThat(ids(Query.all().whereIn("kind", List.of("stem", "stem")))).containsExactly("b");
        assertThat(ids(Query.all().whereIn("kind", 1L, 2.5))).containsExactly("d");
        assertThat(ids(Query.all().whereIn("flag", true, false))).containsExactly("e", "f");
        assertThat(ids(Query.all().whereIn("kind", List.of()))).isEmpty();
        assertThat(ids(Query.all().whereIn("kind"))).isEmpty();
    }

    @Test
    void whereIn_withThousandsOfValues_findsEachMatch() {
        for (int i = 0; i < 300; i++) {
            items.save(item("i" + i, "size", i));
        }
        List<Object> wanted = new ArrayList<>();
        IntStream.range(0, 5000).forEach(i -> wanted.add((long) (i * 3)));

        List<String> expected = IntStream.range(0, 100).mapToObj(i -> "i" + (i * 3)).sorted().toList();
        assertThat(ids(Query.all().whereIn("size", wanted))).containsExactlyElementsOf(expected);
    }

    @Test
    void numberRanges_compareNumerically_andSkipOtherTypes() {
        save(item("n-5", "size", -5), item("n0", "size", 0), item("n2", "size", 2), item("n2.5", "size", 2.5),
                item("n10", "size", 10), item("s", "size", "3"), item("empty", "size", ""), item("t", "size", true),
                item("f", "size", false), item("null", "size", null), item("missing"), item("obj", "size", Map.of("a", 1)));

        assertThat(ids(Query.all().greaterThan("size", 2).orderBy("size"))).containsExactly("n2.5", "n10");
        assertThat(ids(Query.all().atLeast("size", 2).orderBy("size"))).containsExactly("n2", "n2.5", "n10");
        assertThat(ids(Query.all().lessThan("size", 2).orderBy("size"))).containsExactly("n-5", "n0");
        assertThat(ids(Query.all().atMost("size", 2.0).orderBy("size"))).containsExactly("n-5", "n0", "n2");
        assertThat(ids(Query.all().between("size", 0, 2.5).orderBy("size"))).containsExactly("n0", "n2", "n2.5");
        assertThat(ids(Query.all().between("size", 3, 1))).isEmpty();
        assertThat(ids(Query.all().atLeast("size", 0).atMost("size", 2).orderBy("size"))).containsExactly("n0", "n2");
    }

    @Test
    void stringRanges_compareByUtf8Bytes_andSkipOtherTypes() {
        save(item("empty", "name", ""), item("A", "name", "Apple"), item("a", "name", "apple"), item("b", "name", "banana"),
                item("e", "name", "\u00e9clair"), item("emoji", "name", "\ud83d\ude00"), item("cjk", "name", "\uff21"),
                item("num", "name", 5), item("t", "name", true), item("null", "name", null), item("arr", "name", List.of("x")));

        assertThat(ids(Query.all().lessThan("name", "apple").orderBy("name"))).containsExactly("empty", "A");
        assertThat(ids(Query.all().atMost("name", "apple").orderBy("name"))).containsExactly("empty", "A", "a");
        assertThat(ids(Query.all().greaterThan("name", "banana").orderBy("name"))).containsExactly("e", "cjk", "emoji");
        assertThat(ids(Query.all().atLeast("name", "b").orderBy("name"))).containsExactly("b", "e", "cjk", "emoji");
        assertThat(ids(Query.all().between("name", "B", "b").orderBy("name"))).containsExactly("a");
    }

    @Test
    void severalSortKeys_applyInOrder_andIdThenScopeBreakTies() {
        save(item("d", "kind", "loop", "size", 1), item("c", "kind", "loop", "size", 2), item("b", "kind", "stem", "size", 2),
                item("a", "kind", "loop", "size", 2));
        ObjectNode otherTeam = item("a", "kind", "loop", "size", 2).put("team", "team-0");
        items.save(otherTeam);

        assertThat(items.query(Query.all().orderBy("kind").thenByDescending("size")))
                .extracting(o -> o.get("id").asText() + "@" + o.get("team").asText())
                .containsExactly("a@team-0", "a@team-1", "c@team-1", "d@team-1", "b@team-1");
        assertThat(ids(Query.all().orderByDescending("size").thenBy("kind"))).containsExactly("a", "a", "c", "b", "d");
        assertThat(ids(Query.all().orderBy("size").thenByDescending("id"))).containsExactly("d", "c", "b", "a", "a");
        assertThat(items.query(Query.all().orderByDescending("id")))
                .extracting(o -> o.get("id").asText() + "@" + o.get("team").asText())
                .containsExactly("d@team-1", "c@team-1", "b@team-1", "a@team-1", "a@team-0");
    }

    @Test
    void sorting_putsMissingAndNullFirst_thenNumbersAndBooleans_thenStrings() {
        save(item("s", "size", "a"), item("n3", "size", 3), item("t", "size", true), item("f", "size", false),
                item("null", "size", null), item("missing"), item("n0.5", "size", 0.5));

        assertThat(ids(Query.all().orderBy("size"))).containsExactly("missing", "null", "f", "n0.5", "t", "n3", "s");
        assertThat(ids(Query.all().orderByDescending("size"))).containsExactly("s", "n3", "t", "n0.5", "f", "missing", "null");
    }

    @Test
    void limit_returnsTheFirstDocumentsOfTheOrder() {
        for (int i = 0; i < 30; i++) {
            items.save(item(String.format("i%02d", i), "kind", i % 2 == 0 ? "even" : "odd", "size", 100 - i));
        }
        assertThat(ids(Query.where("kind", "even").orderBy("size").limit(3))).containsExactly("i28", "i26", "i24");
        assertThat(ids(Query.all().limit(2))).containsExactly("i00", "i01");
        assertThat(ids(Query.all().atLeast("size", 95).limit(100))).hasSize(6);
    }

    @Test
    void scope_combinesWithConditionsAndSortKeys() {
        save(item("a", "kind", "loop", "size", 1), item("b", "kind", "loop", "size", 2));
        items.save(item("c", "kind", "loop", "size", 3).put("team", "team-2"));
        items.save(item("d", "kind", "stem", "size", 4).put("team", "team-2"));

        assertThat(ids(Query.where("kind", "loop").inScope("team-2"))).containsExactly("c");
        assertThat(ids(Query.all().inScope("team-1").orderByDescending("size"))).containsExactly("b", "a");
        assertThat(ids(Query.all().atLeast("size", 2).inScope("team-2").orderByDescending("size"))).containsExactly("d", "c");
        assertThat(ids(Query.all().inScope("team-3"))).isEmpty();
    }

    @Test
    void deletedDocuments_areNeverReturned() {
        save(item("a", "kind", "loop"), item("b", "kind", "loop"));
        items.delete("team-1", "a");
        assertThat(ids(Query.where("kind", "loop"))).containsExactly("b");
        assertThat(ids(Query.all().orderBy("kind"))).containsExactly("b");
    }

    @Test
    void undeclaredFields_areRefusedInConditionsAndSortKeys_butIdMayAlwaysBeASortKey() {
        save(item("a", "kind", "loop", "colour", "red"));
        for (Query q : List.of(Query.where("colour", "red"), Query.all().whereIn("colour", "red"),
                Query.all().greaterThan("colour", "a"), Query.all().between("colour", 1, 2),
                Query.where("kind", "loop").and("colour", "red"))) {
            assertThatThrownBy(() -> items.query(q)).as("%s", q).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("item: field 'colour' is not a declared index")
                    .hasMessageContaining("declare it with EntityType.Builder.index(\"colour\")");
            assertThatThrownBy(() -> items.watchQuery(q, r -> { })).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> items.query(Query.all().orderBy("colour")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("item: order field 'colour' is not a declared index");
        assertThatThrownBy(() -> items.query(Query.all().orderBy("kind").thenByDescending("colour")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'colour' is not a declared index");
        assertThat(ids(Query.all().orderByDescending("id").thenBy("kind"))).containsExactly("a");
    }

    @Test
    void hostileValues_areRefusedNamingTheProblem() {
        refused(() -> Query.where("size", null), "query value for field 'size' is null");
        refused(() -> Query.where("size", Double.NaN), "field 'size' is not a finite number: NaN");
        refused(() -> Query.all().atLeast("size", Double.POSITIVE_INFINITY), "not a finite number");
        refused(() -> Query.all().between("size", 1, Float.NaN), "not a finite number");
        refused(() -> Query.all().whereIn("size", 1, null), "query value for field 'size' is null");
        refused(() -> Query.all().whereIn("size", (Object[]) null), "query values for field 'size' are null");
        refused(() -> Query.all().whereIn("size", (List<?>) null), "query values for field 'size' are null");
        refused(() -> Query.all().whereIn("size", 1, "1"), "mix a number and a string");
        refused(() -> Query.all().whereIn("flag", true, 1), "mix a boolean and a number");
        refused(() -> Query.all().atLeast("name", (String) null), "is null");
        refused(() -> Query.all().whereIn("kind", List.of(List.of("a"))), "must be a string, number or boolean");
        refused(() -> Query.where("kind", Json.mapper().createObjectNode()), "must be a string, number or boolean");
        refused(() -> Query.where("kind", new Object()), "must be a string, number or boolean");
        refused(() -> new Query.Condition("kind", Query.Operator.IN, java.util.Arrays.asList("a", null)), "not a string, number or boolean");
        refused(() -> new Query.Condition(null, Query.Operator.EQUAL, List.of("a")), "null part");
        refused(() -> new Query.SortKey(null, false), "no field");
    }

    @Test
    void hostileFieldNames_areRefused_andSqlInValuesIsOnlyData() {
        for (String bad : List.of("kind') OR 1=1 --", "kind'", "a.b", "$.kind", "", "kind; DROP TABLE documents", "1abc")) {
            refused(() -> Query.where(bad, "x"), "query field '" + bad + "'");
            refused(() -> Query.all().whereIn(bad, "x"), "query field");
            refused(() -> Query.all().lessThan(bad, 1), "query field");
            refused(() -> Query.all().orderBy(bad), "order field '" + bad + "'");
            refused(() -> Query.all().orderBy("kind").thenBy(bad), "order field");
        }
        refused(() -> Query.where(null, "x"), "query field 'null'");
        refused(() -> Query.all().orderBy(null), "order field 'null'");
        save(item("a", "kind", "loop"), item("q", "kind", "' OR '1'='1"));
        assertThat(ids(Query.where("kind", "' OR '1'='1"))).containsExactly("q");
        assertThat(ids(Query.all().whereIn("kind", "x') OR 1=1 --", "\"]"))).isEmpty();
        assertThat(ids(Query.all())).containsExactly("a", "q");
    }

    @Test
    void sortKeys_refuseBeingSetTwiceOrOutOfOrder() {
        refused(() -> Query.all().orderBy("kind").orderBy("size"), "ordered already", "thenBy");
        refused(() -> Query.all().orderBy("kind").orderByDescending("size"), "ordered already");
        refused(() -> Query.all().thenBy("kind"), "needs orderBy first");
        refused(() -> Query.all().orderBy("kind").thenByDescending("kind"), "'kind' is a sort key already");
        refused(() -> Query.all().limit(-1), "limit must be positive");
    }

    @Test
    void queries_areImmutable_eachMethodReturnsANewQuery() {
        Query base = Query.where("kind", "loop");
        Query narrower = base.atLeast("size", 2).orderBy("size").limit(1);
        assertThat(base.conditions()).hasSize(1);
        assertThat(base.sortKeys()).isEmpty();
        assertThat(base.limit()).isEqualTo(Integer.MAX_VALUE);
        assertThat(narrower.conditions()).extracting(Query.Condition::operator)
                .containsExactly(Query.Operator.EQUAL, Query.Operator.AT_LEAST);
        assertThat(narrower).isEqualTo(Query.where("kind", "loop").atLeast("size", 2L).orderBy("size").limit(1));
        assertThatThrownBy(() -> narrower.conditions().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    /** Every query shape runs on an index of the type (or its primary key by scope), never a scan of all documents. */
    @Test
    void everyQueryShape_runsOnAnIndex() throws Exception {
        for (int i = 0; i < 50; i++) {
            items.save(item("i" + i, "kind", "k" + i % 5, "name", "n" + i, "size", i, "score", i * 0.5, "flag", i % 2 == 0));
        }
        List<Query> shapes = List.of(
                Query.where("kind", "k1"),
                Query.where("kind", "k1").and("flag", true).and("size", 3),
                Query.all().whereIn("kind", "k1", "k2"),
                Query.all().whereIn("kind", List.of()),
                Query.all().greaterThan("size", 10),
                Query.all().atLeast("size", 10),
                Query.all().lessThan("size", 10),
                Query.all().atMost("name", "n3"),
                Query.all().greaterThan("name", "n3"),
                Query.all().between("score", 1.5, 7.5),
                Query.all().between("name", "n1", "n2"),
                Query.all().atLeast("size", 10).and("kind", "k2").lessThan("score", 9),
                Query.all().orderBy("name"),
                Query.all().orderByDescending("size").limit(5),
                Query.all().orderBy("kind").thenByDescending("size").thenBy("name"),
                Query.where("kind", "k1").orderBy("name").thenByDescending("score").limit(3),
                Query.all().whereIn("kind", "k1", "k2").orderByDescending("size"),
                Query.all().greaterThan("size", 10).orderBy("name").limit(2),
                Query.where("kind", "k1").inScope("team-1"),
                Query.all().inScope("team-1").orderBy("size"),
                Query.all().inScope("team-1"),
                Query.all().inScope("team-1").orderByDescending("id").limit(3));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + client.databaseFile())) {
            for (Query q : shapes) {
                QuerySql sql = QuerySql.select("item", q, false);
                List<String> plan = plan(c, sql);
                assertThat(plan).as("%s\n%s", q, sql.sql()).isNotEmpty().noneMatch(line -> line.equals("SCAN documents"))
                        .noneMatch(line -> line.contains("PRIMARY KEY (type=?)"))
                        .anyMatch(line -> line.startsWith("SEARCH documents USING INDEX \"ix_item_")
                                || line.startsWith("SEARCH documents USING INDEX ix_item_")
                                || line.startsWith("SCAN documents USING INDEX ix_item_")
                                || line.equals("SEARCH documents USING PRIMARY KEY (type=? AND scope=?)"));
                // and it runs: the plan belongs to a query that answers
                assertThat(items.query(q)).isNotNull();
            }
            // Listing a whole type by id reads the type's primary-key range: that is its answer.
            for (Query q : List.of(Query.all(), Query.all().orderByDescending("id").limit(3))) {
                assertThat(plan(c, QuerySql.select("item", q, false))).as("%s", q)
                        .contains("SEARCH documents USING PRIMARY KEY (type=?)");
            }
        }
    }

    @Test
    void indexesOfDifferentTypesAndFields_neverShareAName() throws Exception {
        record Row(String id, String team, String c, String b_c, String projectid, String projectId) {
        }
        EntityType<Row> ab = EntityType.builder("a_b", Row.class).scope(Row::team).id(Row::id).index("c").build();
        EntityType<Row> a = EntityType.builder("a", Row.class).scope(Row::team).id(Row::id)
                .index("b_c").index("projectid").index("projectId").build();
        client.close();
        // A file from an earlier version, with the old (colliding) name for a_b.c.
        Path file = dir.resolve("names.db");
        client = SyncClient.builder().database(file).register(ab).build();
        client.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("DROP INDEX " + QuerySql.indexName("a_b", "c"));
            st.execute("CREATE INDEX \"ix_a_b_c\" ON documents (json_extract(data, '$.c'), id) WHERE type = 'a_b' AND deleted = 0");
        }
        client = SyncClient.builder().database(file).register(ab).register(a).build();
        Repository<Row> abs = client.repository("a_b", Row.class);
        Repository<Row> as = client.repository("a", Row.class);
        abs.save(new Row("r1", "team-1", "x", "y", "p", "P"));
        as.save(new Row("r2", "team-1", "x", "y", "p", "P"));

        assertThat(abs.query(Query.where("c", "x"))).extracting(Row::id).containsExactly("r1");
        assertThat(as.query(Query.where("b_c", "y"))).extracting(Row::id).containsExactly("r2");
        assertThat(as.query(Query.where("projectId", "P"))).extracting(Row::id).containsExactly("r2");
        assertThat(as.query(Query.where("projectid", "p"))).extracting(Row::id).containsExactly("r2");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%' ORDER BY name")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            assertThat(names).hasSize(4).doesNotContain("ix_a_b_c");
        }
    }

    @Test
    void watchQuery_withConditionsAndSortKeys_emitsTheNewResultAfterARelevantChange() {
        save(item("a", "kind", "loop", "size", 5), item("b", "kind", "stem", "size", 50));
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        items.watchQuery(Query.all().whereIn("kind", "loop", "mix").atLeast("size", 2).orderByDescending("size"),
                result -> seen.add(result.stream().map(o -> o.get("id").asText()).toList()));
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());
        assertThat(seen.get(0)).containsExactly("a");

        items.save(item("c", "kind", "mix", "size", 9));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.get(seen.size() - 1).equals(List.of("c", "a")));
        items.save(item("a", "kind", "loop", "size", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.get(seen.size() - 1).equals(List.of("c")));
        assertThat(seen).noneMatch(r -> r.size() == 1 && r.get(0).startsWith("error"));
    }

    static List<String> plan(Connection c, QuerySql sql) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + sql.sql())) {
            for (int i = 0; i < sql.parameters().size(); i++) {
                Object v = sql.parameters().get(i);
                ps.setObject(i + 1, v instanceof Boolean b ? (b ? 1 : 0) : v);
            }
            List<String> lines = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(4));
                }
            }
            return lines;
        }
    }

    static void refused(Runnable r, String... fragments) {
        assertThatThrownBy(r::run).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> {
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                });
    }

    static JsonNode node(Object v) {
        return Json.mapper().valueToTree(v);
    }
}
