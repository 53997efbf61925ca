package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random queries over seeded random documents, each compared with the same query evaluated
 * in Java over the same documents: the specification of {@link Query}'s semantics, written a
 * second time. Fields are missing, null or of any JSON type, so type strictness, ranges' edges and
 * mixed-type ordering are all exercised. The seed is printed on failure; set
 * {@code -Dsyncline.seed=N} to replay one.
 */
class QueryPropertiesTest {
    static final String[] FIELDS = {"kind", "name", "size", "score", "flag"};
    static final String[] STRINGS = {"", "a", "A", "b", "ab", "loop", "Loop", "\u00e9", "\uff21", "\ud83d\ude00", "z"};

    @TempDir
    Path dir;

    @Test
    void randomQueries_returnExactlyWhatFilteringInJavaReturns() {
        long base = Long.getLong("syncline.seed", System.nanoTime());
        int rounds = Long.getLong("syncline.seed") != null ? 1 : 3;
        for (int round = 0; round < rounds; round++) {
            long seed = base + round;
            try {
                run(seed, dir.resolve("p" + round + ".db"));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("query property failed; replay with -Dsyncline.seed=" + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private void run(long seed, Path file) {
        Random random = new Random(seed);
        try (SyncClient client = SyncClient.builder().database(file).durability(Durability.NORMAL).register(QueryTest.ITEMS).build()) {
            Repository<ObjectNode> items = client.repository(ObjectNode.class);
            Map<String, ObjectNode> live = new LinkedHashMap<>();
            for (int i = 0; i < 120; i++) {
                ObjectNode o = Json.mapper().createObjectNode().put("id", "i" + random.nextInt(100))
                        .put("team", "team-" + random.nextInt(3));
                for (String f : FIELDS) {
                    JsonNode v = randomValue(random, f);
                    if (v != null) {
                        o.set(f, v);
                    }
                }
                items.save(o);
                live.put(o.get("team").asText() + "/" + o.get("id").asText(), o);
            }
            for (int i = 0; i < 10; i++) {
                String key = new ArrayList<>(live.keySet()).get(random.nextInt(live.size()));
                String[] parts = key.split("/");
                items.delete(parts[0], parts[1]);
                live.remove(key);
            }
            for (int n = 0; n < 300; n++) {
                Query q = randomQuery(random);
                List<String> expected = live.values().stream().filter(o -> matches(q, o)).sorted(order(q))
                        .limit(q.limit()).map(QueryPropertiesTest::key).toList();
                List<String> actual = items.query(q).stream().map(QueryPropertiesTest::key).toList();
                assertThat(actual).as("seed %d, query %d: %s", seed, n, q).containsExactlyElementsOf(expected);
            }
        }
    }

    static String key(ObjectNode o) {
        return o.get("team").asText() + "/" + o.get("id").asText();
    }

    /** @return a value for field {@code f}: usually its own type, sometimes missing, null or another type */
    static JsonNode randomValue(Random r, String f) {
        int roll = r.nextInt(100);
        if (roll < 8) {
            return null; // missing
        }
        if (roll < 13) {
            return Json.mapper().nullNode();
        }
        String kind = roll < 25 ? List.of("string", "int", "real", "boolean").get(r.nextInt(4)) : switch (f) {
            case "kind", "name" -> "string";
            case "size" -> "int";
            case "score" -> r.nextBoolean() ? "real" : "int";
            default -> "boolean";
        };
        return Json.mapper().valueToTree(scalar(r, kind));
    }

    static Object scalar(Random r, String kind) {
        return switch (kind) {
            case "string" -> STRINGS[r.nextInt(STRINGS.length)];
            case "int" -> (long) (r.nextInt(21) - 10);
            case "real" -> (r.nextInt(41) - 20) / 4.0;
            default -> r.nextBoolean();
        };
    }

    static Query randomQuery(Random r) {
        Query q = Query.all();
        if (r.nextInt(3) == 0) {
            q = q.inScope("team-" + r.nextInt(4));
        }
        int conditions = r.nextInt(4);
        for (int i = 0; i < conditions; i++) {
            String f = FIELDS[r.nextInt(FIELDS.length)];
            String kind = List.of("string", "int", "real", "boolean").get(r.nextInt(4));
            Object v = scalar(r, kind);
            int op = kind.equals("boolean") ? r.nextInt(2) : r.nextInt(7);
            q = switch (op) {
                case 0 -> q.and(f, v);
                case 1 -> {
                    List<Object> values = new ArrayList<>();
                    int count = r.nextInt(5);
                    for (int j = 0; j < count; j++) {
                        values.add(scalar(r, kind.equals("boolean") ? "boolean"
                                : kind.equals("string") ? "string" : r.nextBoolean() ? "int" : "real"));
                    }
                    yield q.whereIn(f, values);
                }
                case 2 -> v instanceof String s ? q.greaterThan(f, s) : q.greaterThan(f, (Number) v);
                case 3 -> v instanceof String s ? q.atLeast(f, s) : q.atLeast(f, (Number) v);
                case 4 -> v instanceof String s ? q.lessThan(f, s) : q.lessThan(f, (Number) v);
                case 5 -> v instanceof String s ? q.atMost(f, s) : q.atMost(f, (Number) v);
                default -> {
                    Object w = scalar(r, kind);
                    yield v instanceof String s ? q.between(f, s, (String) w) : q.between(f, (Number) v, (Number) w);
                }
            };
        }
        int keys = r.nextInt(4);
        List<String> pool = new ArrayList<>(Arrays.asList(FIELDS));
        pool.add("id");
        for (int i = 0; i < keys; i++) {
            String f = pool.remove(r.nextInt(pool.size()));
            boolean desc = r.nextBoolean();
            q = i == 0 ? (desc ? q.orderByDescending(f) : q.orderBy(f)) : (desc ? q.thenByDescending(f) : q.thenBy(f));
        }
        if (r.nextInt(3) == 0) {
            q = q.limit(1 + r.nextInt(20));
        }
        return q;
    }

    // ---- the semantics, in Java ----

    static boolean matches(Query q, ObjectNode o) {
        if (q.scope() != null && !q.scope().equals(o.get("team").asText())) {
            return false;
        }
        return q.conditions().stream().allMatch(c -> matches(c, o.get(c.field())));
    }

    static boolean matches(Query.Condition c, JsonNode v) {
        if (v == null || v.isNull()) {
            return false;
        }
        String kind = c.jsonType();
        boolean sameType = kind == null || switch (kind) {
            case "string" -> v.isTextual();
            case "number" -> v.isNumber();
            default -> v.isBoolean();
        };
        if (!sameType) {
            return false;
        }
        List<Object> vs = c.values();
        return switch (c.operator()) {
            case EQUAL -> compare(v, vs.get(0)) == 0;
            case IN -> vs.stream().anyMatch(x -> compare(v, x) == 0);
            case GREATER_THAN -> compare(v, vs.get(0)) > 0;
            case AT_LEAST -> compare(v, vs.get(0)) >= 0;
            case LESS_THAN -> compare(v, vs.get(0)) < 0;
            case AT_MOST -> compare(v, vs.get(0)) <= 0;
            case BETWEEN -> compare(v, vs.get(0)) >= 0 && compare(v, vs.get(1)) <= 0;
        };
    }

    /** Compares a stored value with a condition's value of the same JSON type. */
    static int compare(JsonNode v, Object x) {
        if (x instanceof String s) {
            return utf8(v.textValue(), s);
        }
        if (x instanceof Boolean b) {
            return Boolean.compare(v.booleanValue(), b);
        }
        return Double.compare(v.doubleValue(), ((Number) x).doubleValue());
    }

    static int utf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static Comparator<ObjectNode> order(Query q) {
        Comparator<ObjectNode> c = (a, b) -> 0;
        String scopeDirection = "asc";
        boolean byId = false;
        for (Query.SortKey k : q.sortKeys()) {
            Comparator<ObjectNode> one = k.field().equals("id") ? Comparator.comparing(o -> o.get("id").asText())
                    : (a, b) -> sortCompare(a.get(k.field()), b.get(k.field()));
            if (k.field().equals("id")) {
                byId = true;
                scopeDirection = k.descending() ? "desc" : "asc";
            }
            c = c.thenComparing(k.descending() ? one.reversed() : one);
        }
        if (!byId) {
            c = c.thenComparing(o -> o.get("id").asText());
        }
        Comparator<ObjectNode> scope = Comparator.comparing(o -> o.get("team").asText());
        return c.thenComparing(scopeDirection.equals("desc") ? scope.reversed() : scope);
    }

    /** Missing and null, then numbers and booleans (as 0 and 1), then strings. */
    static int sortCompare(JsonNode a, JsonNode b) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        return switch (ra) {
            case 0 -> 0;
            case 1 -> Double.compare(numeric(a), numeric(b));
            default -> utf8(a.textValue(), b.textValue());
        };
    }

    static int rank(JsonNode v) {
        if (v == null || v.isNull()) {
            return 0;
        }
        return v.isNumber() || v.isBoolean() ? 1 : 2;
    }

    static double numeric(JsonNode v) {
        return v.isBoolean() ? (v.booleanValue() ? 1 : 0) : v.doubleValue();
    }
}
