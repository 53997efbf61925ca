package dev.syncline.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A query over one entity type: optionally one scope, a conjunction of conditions on declared
 * index fields, an ordering by one or more declared fields and a limit. Immutable and thread-safe;
 * each method returns a new query.
 *
 * <pre>{@code
 * Query longTracks = Query.where("projectId", "p-42")
 *         .atLeast("durationMs", 60_000)
 *         .orderByDescending("durationMs").thenBy("title")
 *         .limit(20);
 * }</pre>
 *
 * <p><b>Declared fields only.</b> Every field a query filters or sorts on must be declared with
 * {@link EntityType.Builder#index(String)}, so that each query is answered from an index;
 * {@link Repository#query} refuses any other field with an {@link InvalidInputException} that
 * names the field and the type. The one exception is {@code id} (the document id), which every
 * query may sort on.
 *
 * <p><b>How values compare.</b> Values are strings, numbers or booleans, and compare only with
 * values of the same JSON type: numbers as numbers ({@code 3} equals {@code 3.0}; integers are
 * exact up to 64 bits, other numbers are doubles), strings as strings (binary order of their UTF-8
 * bytes: case-sensitive, not locale-aware), booleans only by equality. A condition never matches a
 * document whose field holds another type: {@code where("n", 1)} does not match {@code "n": "1"}
 * or {@code "n": true}. One condition may not mix types ({@code whereIn("n", 1, "1")} is refused);
 * ranges take numbers or strings. NaN, infinities and null are refused.
 *
 * <p><b>Missing fields and null.</b> A document whose field is missing or JSON null matches no
 * condition on that field. When sorting, missing and null come first (last when descending), then
 * numbers (booleans sort among them as 0 and 1), then strings (objects and arrays among them, as
 * their JSON text).
 *
 * <p><b>Order.</b> Sort keys apply in the order given; ties are broken by {@code id} ascending,
 * then by scope (unless {@code id} is itself a sort key, which scope then follows). Without sort
 * keys a query is ordered by {@code id}.
 */
public final class Query {
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Query ALL = new Query(null, List.of(), List.of(), Integer.MAX_VALUE);

    /** What a {@link Condition} asks of its field. */
    public enum Operator {
        /** the field equals the one value */
        EQUAL,
        /** the field equals one of the values (none: matches nothing) */
        IN,
        /** the field is greater than the one value */
        GREATER_THAN,
        /** the field is greater than or equal to the one value */
        AT_LEAST,
        /** the field is less than the one value */
        LESS_THAN,
        /** the field is less than or equal to the one value */
        AT_MOST,
        /** the field lies between the two values, both included */
        BETWEEN
    }

    /**
     * One condition of a query's conjunction.
     *
     * @param field the declared field it tests
     * @param operator what it asks of the field
     * @param values its values, all of one JSON type: {@code String}, {@code Long} or
     *     {@code Double} (numbers), or {@code Boolean}
     */
    public record Condition(String field, Operator operator, List<Object> values) {
        /** @throws InvalidInputException when a part is null, or a value is not a String, Long, Double or Boolean */
        public Condition {
            if (field == null || operator == null || values == null) {
                throw new InvalidInputException("invalid_query", "query condition has a null part: "
                        + field + " " + operator + " " + values);
            }
            for (Object v : values) {
                kind(v);
            }
            values = List.copyOf(values);
        }

        /**
         * @return the JSON type of the values: {@code "string"}, {@code "number"} or
         *     {@code "boolean"}; null for an empty {@code in}
         */
        public String jsonType() {
            return values.isEmpty() ? null : kind(values.get(0));
        }
    }

    /**
     * One sort key of a query.
     *
     * @param field a declared field, or {@code id} for the document id
     * @param descending true for descending order
     */
    public record SortKey(String field, boolean descending) {
        /** @throws InvalidInputException when the field is null */
        public SortKey {
            if (field == null) {
                throw new InvalidInputException("invalid_query", "query sort key has no field");
            }
        }
    }

    private final String scope;
    private final List<Condition> conditions;
    private final List<SortKey> sortKeys;
    private final int limit;

    private Query(String scope, List<Condition> conditions, List<SortKey> sortKeys, int limit) {
        this.scope = scope;
        this.conditions = conditions;
        this.sortKeys = sortKeys;
        this.limit = limit;
    }

    /** @return a query for every live document of the type, ordered by id */
    public static Query all() {
        return ALL;
    }

    /**
     * Starts a query for documents whose declared {@code field} equals {@code value}. This is a
     * static method: to add an equality to an existing query, use {@link #and(String, Object)}.
     *
     * @return the query
     * @throws InvalidInputException when the field name is not a plain field name, or the value is
     *     null, NaN, infinite, or not a string, number or boolean
     */
    public static Query where(String field, Object value) {
        return ALL.and(field, value);
    }

    /**
     * @return this query, further restricted to documents whose {@code field} equals {@code value}
     * @throws InvalidInputException as {@link #where(String, Object)}
     */
    public Query and(String field, Object value) {
        checkField(field, "query field");
        return with(new Condition(field, Operator.EQUAL, List.of(scalar(field, value))));
    }

    /**
     * @return this query, further restricted to documents whose {@code field} equals one of
     *     {@code values} (no values: matches nothing)
     * @throws InvalidInputException when the field name is bad, {@code values} is null, a value is
     *     not a string, number or boolean, or the values mix types
     */
    public Query whereIn(String field, Object... values) {
        checkField(field, "query field");
        if (values == null) {
            throw new InvalidInputException("invalid_query", "query values for field '" + field + "' are null");
        }
        return whereIn(field, Arrays.asList(values));
    }

    /**
     * @return this query, further restricted to documents whose {@code field} equals one of
     *     {@code values} (empty: matches nothing)
     * @throws InvalidInputException as {@link #whereIn(String, Object...)}
     */
    public Query whereIn(String field, Collection<?> values) {
        checkField(field, "query field");
        if (values == null) {
            throw new InvalidInputException("invalid_query", "query values for field '" + field + "' are null");
        }
        List<Object> out = new ArrayList<>(values.size());
        for (Object v : values) {
            out.add(scalar(field, v));
        }
        return with(new Condition(field, Operator.IN, sameType(field, out)));
    }

    /**
     * @return this query, further restricted to documents whose number {@code field} is greater
     *     than {@code value}
     * @throws InvalidInputException when the field name is bad or the value is null, NaN or infinite
     */
    public Query greaterThan(String field, Number value) {
        return range(field, Operator.GREATER_THAN, value);
    }

    /**
     * @return this query, further restricted to documents whose string {@code field} sorts after
     *     {@code value}
     * @throws InvalidInputException when the field name is bad or the value is null
     */
    public Query greaterThan(String field, String value) {
        return range(field, Operator.GREATER_THAN, value);
    }

    /**
     * @return this query, further restricted to documents whose number {@code field} is at least
     *     {@code value}
     * @throws InvalidInputException when the field name is bad or the value is null, NaN or infinite
     */
    public Query atLeast(String field, Number value) {
        return range(field, Operator.AT_LEAST, value);
    }

    /**
     * @return this query, further restricted to documents whose string {@code field} is
     *     {@code value} or sorts after it
     * @throws InvalidInputException when the field name is bad or the value is null
     */
    public Query atLeast(String field, String value) {
        return range(field, Operator.AT_LEAST, value);
    }

    /**
     * @return this query, further restricted to documents whose number {@code field} is less than
     *     {@code value}
     * @throws InvalidInputException when the field name is bad or the value is null, NaN or infinite
     */
    public Query lessThan(String field, Number value) {
        return range(field, Operator.LESS_THAN, value);
    }

    /**
     * @return this query, further restricted to documents whose string {@code field} sorts before
     *     {@code value}
     * @throws InvalidInputException when the field name is bad or the value is null
     */
    public Query lessThan(String field, String value) {
        return range(field, Operator.LESS_THAN, value);
    }

    /**
     * @return this query, further restricted to documents whose number {@code field} is at most
     *     {@code value}
     * @throws InvalidInputException when the field name is bad or the value is null, NaN or infinite
     */
    public Query atMost(String field, Number value) {
        return range(field, Operator.AT_MOST, value);
    }

    /**
     * @return this query, further restricted to documents whose string {@code field} is
     *     {@code value} or sorts before it
     * @throws InvalidInputException when the field name is bad or the value is null
     */
    public Query atMost(String field, String value) {
        return range(field, Operator.AT_MOST, value);
    }

    /**
     * @return this query, further restricted to documents whose number {@code field} lies from
     *     {@code low} to {@code high}, both included (nothing when {@code low > high})
     * @throws InvalidInputException when the field name is bad or a bound is null, NaN or infinite
     */
    public Query between(String field, Number low, Number high) {
        return bounds(field, low, high);
    }

    /**
     * @return this query, further restricted to documents whose string {@code field} lies from
     *     {@code low} to {@code high}, both included (nothing when {@code low} sorts after
     *     {@code high})
     * @throws InvalidInputException when the field name is bad or a bound is null
     */
    public Query between(String field, String low, String high) {
        return bounds(field, low, high);
    }

    private Query bounds(String field, Object low, Object high) {
        checkField(field, "query field");
        return with(new Condition(field, Operator.BETWEEN, sameType(field, List.of(scalar(field, low), scalar(field, high)))));
    }

    private Query range(String field, Operator op, Object value) {
        checkField(field, "query field");
        return with(new Condition(field, op, List.of(scalar(field, value))));
    }

    private Query with(Condition c) {
        List<Condition> more = new ArrayList<>(conditions);
        more.add(c);
        return new Query(scope, List.copyOf(more), sortKeys, limit);
    }

    /**
     * @return this query restricted to {@code scope}
     * @throws InvalidInputException when the scope breaks the name rule
     */
    public Query inScope(String scope) {
        return new Query(Names.requireScope(scope), conditions, sortKeys, limit);
    }

    /**
     * @return this query ordered by {@code field} ascending (add further keys with {@link #thenBy})
     * @throws InvalidInputException when the field name is not a plain field name, or the query
     *     is ordered already
     */
    public Query orderBy(String field) {
        return firstKey(new SortKey(checkField(field, "order field"), false));
    }

    /**
     * @return this query ordered by {@code field} descending (add further keys with {@link #thenBy})
     * @throws InvalidInputException as {@link #orderBy}
     */
    public Query orderByDescending(String field) {
        return firstKey(new SortKey(checkField(field, "order field"), true));
    }

    /**
     * @return this query with {@code field} ascending as the next sort key, for ties of the keys
     *     before it
     * @throws InvalidInputException when the field name is bad, the query has no {@link #orderBy}
     *     yet, or the field is a sort key already
     */
    public Query thenBy(String field) {
        return nextKey(new SortKey(checkField(field, "order field"), false));
    }

    /**
     * @return this query with {@code field} descending as the next sort key
     * @throws InvalidInputException as {@link #thenBy}
     */
    public Query thenByDescending(String field) {
        return nextKey(new SortKey(checkField(field, "order field"), true));
    }

    private Query firstKey(SortKey key) {
        if (!sortKeys.isEmpty()) {
            throw new InvalidInputException("invalid_query", "query is ordered already by " + sortKeys
                    + "; add '" + key.field() + "' as a further key with thenBy");
        }
        return new Query(scope, conditions, List.of(key), limit);
    }

    private Query nextKey(SortKey key) {
        if (sortKeys.isEmpty()) {
            throw new InvalidInputException("invalid_query", "thenBy('" + key.field() + "') needs orderBy first");
        }
        if (sortKeys.stream().anyMatch(k -> k.field().equals(key.field()))) {
            throw new InvalidInputException("invalid_query", "order field '" + key.field() + "' is a sort key already");
        }
        List<SortKey> more = new ArrayList<>(sortKeys);
        more.add(key);
        return new Query(scope, conditions, List.copyOf(more), limit);
    }

    /**
     * @return this query returning at most {@code limit} documents
     * @throws InvalidInputException when {@code limit} is not positive
     */
    public Query limit(int limit) {
        if (limit <= 0) {
            throw new InvalidInputException("invalid_query", "query limit must be positive: " + limit);
        }
        return new Query(scope, conditions, sortKeys, limit);
    }

    static String checkField(String f, String what) {
        if (f == null || !FIELD.matcher(f).matches()) {
            throw new InvalidInputException("invalid_query", what + " '" + f + "' must match " + FIELD.pattern());
        }
        return f;
    }

    /** @return {@code v} as a String, Long, Double or Boolean; refuses anything else */
    private static Object scalar(String field, Object v) {
        if (v == null) {
            throw new InvalidInputException("invalid_query", "query value for field '" + field + "' is null");
        }
        if (v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Character c) {
            return c.toString();
        }
        if (v instanceof Number n) {
            return number(field, n);
        }
        JsonNode node;
        try {
            node = v instanceof JsonNode j ? j : Json.valueToTree(v);
        } catch (IllegalArgumentException e) {
            node = null;
        }
        if (node == null || !node.isValueNode() || node.isNull() || node.isBinary() || node.isPojo()) {
            throw new InvalidInputException("invalid_query",
                    "query value for field '" + field + "' must be a string, number or boolean: " + v);
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return number(field, node.numberValue());
    }

    private static Object number(String field, Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof BigInteger b) {
            return b.bitLength() < 64 ? (Object) b.longValue() : finite(field, b.doubleValue());
        }
        if (n instanceof BigDecimal d) {
            return finite(field, d.doubleValue());
        }
        if (n instanceof Double || n instanceof Float) {
            return finite(field, n.doubleValue());
        }
        // AtomicLong, LongAdder and other integral types report themselves as longs exactly.
        double asDouble = n.doubleValue();
        return asDouble == n.longValue() ? (Object) n.longValue() : finite(field, asDouble);
    }

    private static Double finite(String field, double d) {
        if (!Double.isFinite(d)) {
            throw new InvalidInputException("invalid_query", "query value for field '" + field + "' is not a finite number: " + d);
        }
        return d;
    }

    private static List<Object> sameType(String field, List<Object> values) {
        String first = null;
        for (Object v : values) {
            String kind = kind(v);
            if (first == null) {
                first = kind;
            } else if (!first.equals(kind)) {
                throw new InvalidInputException("invalid_query", "query values for field '" + field + "' mix a " + first
                        + " and a " + kind + " (" + v + "); one condition compares one JSON type");
            }
        }
        return values;
    }

    private static String kind(Object value) {
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Long || value instanceof Double) {
            return "number";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        throw new InvalidInputException("invalid_query", "query value is not a string, number or boolean: " + value);
    }

    /** @return the scope, or null for all scopes */
    public String scope() {
        return scope;
    }

    /** @return the conditions, all of which a document must meet (empty: every document) */
    public List<Condition> conditions() {
        return conditions;
    }

    /** @return the sort keys, in order (empty: by id) */
    public List<SortKey> sortKeys() {
        return sortKeys;
    }

    /** @return the limit ({@code Integer.MAX_VALUE} when none) */
    public int limit() {
        return limit;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Query q && Objects.equals(scope, q.scope) && conditions.equals(q.conditions)
                && sortKeys.equals(q.sortKeys) && limit == q.limit;
    }

    @Override
    public int hashCode() {
        return Objects.hash(scope, conditions, sortKeys, limit);
    }

    @Override
    public String toString() {
        return "Query[scope=" + scope + ", conditions=" + conditions + ", sortKeys=" + sortKeys + ", limit=" + limit + "]";
    }
}
