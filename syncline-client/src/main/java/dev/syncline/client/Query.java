package dev.syncline.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import java.util.regex.Pattern;

/**
 * A query over one entity type: optionally one scope, optionally equality on a declared index
 * field, an ordering and a limit. Immutable; each method returns a new query.
 *
 * <p>Filtering is only allowed on fields declared with {@link EntityType.Builder#index(String)}, so
 * that every filtered query uses an index. Ordering may use any top-level field, or {@code id}.
 */
public final class Query {
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Query ALL = new Query(null, null, null, "id", false, Integer.MAX_VALUE);

    private final String scope;
    private final String field;
    private final JsonNode value;
    private final String orderBy;
    private final boolean descending;
    private final int limit;

    private Query(String scope, String field, JsonNode value, String orderBy, boolean descending, int limit) {
        this.scope = scope;
        this.field = field;
        this.value = value;
        this.orderBy = orderBy;
        this.descending = descending;
        this.limit = limit;
    }

    /** @return a query for every live document of the type, ordered by id */
    public static Query all() {
        return ALL;
    }

    /**
     * @return a query for documents whose declared index {@code field} equals {@code value}
     *     (a string, number or boolean)
     * @throws InvalidInputException when the field name is not a plain field name or the value
     *     is null or not a scalar
     */
    public static Query where(String field, Object value) {
        return ALL.and(field, value);
    }

    private Query and(String f, Object v) {
        checkField(f, "query field");
        if (v == null) {
            throw new InvalidInputException("invalid_query", "query value for field '" + f + "' is null");
        }
        JsonNode node = v instanceof JsonNode j ? j : Json.valueToTree(v);
        if (node == null || !node.isValueNode() || node.isNull()) {
            throw new InvalidInputException("invalid_query",
                    "query value for field '" + f + "' must be a string, number or boolean: " + v);
        }
        return new Query(scope, f, node, orderBy, descending, limit);
    }

    /**
     * @return this query restricted to {@code scope}
     * @throws InvalidInputException when the scope breaks the name rule
     */
    public Query inScope(String scope) {
        return new Query(Names.requireScope(scope), field, value, orderBy, descending, limit);
    }

    /**
     * @return this query ordered by {@code field} ascending ({@code id} breaks ties)
     * @throws InvalidInputException when the field name is not a plain field name
     */
    public Query orderBy(String field) {
        return new Query(scope, this.field, value, checkField(field, "order field"), false, limit);
    }

    /**
     * @return this query ordered by {@code field} descending
     * @throws InvalidInputException when the field name is not a plain field name
     */
    public Query orderByDescending(String field) {
        return new Query(scope, this.field, value, checkField(field, "order field"), true, limit);
    }

    /**
     * @return this query returning at most {@code limit} documents
     * @throws InvalidInputException when {@code limit} is not positive
     */
    public Query limit(int limit) {
        if (limit <= 0) {
            throw new InvalidInputException("invalid_query", "query limit must be positive: " + limit);
        }
        return new Query(scope, field, value, orderBy, descending, limit);
    }

    static String checkField(String f, String what) {
        if (f == null || !FIELD.matcher(f).matches()) {
            throw new InvalidInputException("invalid_query", what + " '" + f + "' must match " + FIELD.pattern());
        }
        return f;
    }

    /** @return the scope, or null for all scopes */
    public String scope() {
        return scope;
    }

    /** @return the filtered field, or null for none */
    public String field() {
        return field;
    }

    /** @return the value the field must equal, or null when not filtering */
    public JsonNode value() {
        return value == null ? null : value.deepCopy();
    }

    /** @return the ordering field ({@code id} by default) */
    public String orderBy() {
        return orderBy;
    }

    /** @return true for descending order */
    public boolean descending() {
        return descending;
    }

    /** @return the limit ({@code Integer.MAX_VALUE} when none) */
    public int limit() {
        return limit;
    }

    @Override
    public String toString() {
        return "Query[scope=" + scope + ", " + field + "=" + value + ", orderBy=" + orderBy
                + (descending ? " desc" : "") + ", limit=" + limit + "]";
    }

}
