package dev.syncline.client.internal.store;

import dev.syncline.client.spi.storage.StorageStatement;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.syncline.client.Query;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The SQL of a {@link Query} over the documents table, with its parameters, and the DDL of the
 * per-field indexes that answer it.
 *
 * <p>Design: each declared field of a type has one partial expression index,
 * {@code (json_extract(data, '$.field'), id) WHERE type = '<type>' AND deleted = 0}, and each query
 * names the index it runs on ({@code INDEXED BY}): the first equality condition's, else the first
 * {@code in}'s, else the first range's, else (with no scope) the first sort key's. Without
 * statistics SQLite's planner often prefers the primary key prefix {@code (type)}, which reads
 * every document of the type; naming the index makes every query shape use one, and fails loudly
 * rather than scanning if it ever could not. Sort keys after the first are sorted in a temporary
 * b-tree over the rows the index yields. No composite indexes: each index costs every save of the
 * type a b-tree write, and the orderings an app may ask for multiply; the leading index already
 * bounds the rows read.
 *
 * <p>JSON types: {@code json_extract} yields numbers and booleans (as 1 and 0) as SQL numbers, and
 * strings, objects and arrays as text, and SQLite orders NULL &lt; numbers &lt; text. Every condition
 * therefore also tests {@code json_type}, so that {@code 1} matches neither {@code true} nor
 * {@code "1"}, and a one-sided range is closed at its type's edge (numbers below {@code ''}, the
 * least text; strings from {@code ''}), so the index range holds only values of that type.
 *
 * <p>Field names are inlined (an expression index matches only the same expression), so they are
 * checked against {@code [A-Za-z_][A-Za-z0-9_]{0,63}} here again; the type name is inlined to match
 * the partial indexes and is checked against the protocol's type rule. Values are always bound.
 *
 * <p>Thread-safe: immutable.
 */
public final class QuerySql {
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private final String sql;
    private final List<Object> parameters;

    private QuerySql(String sql, List<Object> parameters) {
        this.sql = sql;
        this.parameters = List.copyOf(parameters);
    }

    /**
     * Builds the SELECT of {@code query} over documents of {@code type}, returning
     * {@link Rows#DOCUMENT_COLUMNS}. Fields must be declared indexes of the type (the caller checks
     * that; the SQL names their indexes).
     *
     * @param includeDeleted true to return tombstones too; the field indexes hold live documents
     *     only, so such a query is left to SQLite's planner (tools list a scope by id with it)
     * @throws InvalidInputException when the type or a field name is bad
     */
    public static QuerySql select(String type, Query query, boolean includeDeleted) {
        Names.requireType(type);
        if (query == null) {
            throw new InvalidInputException("invalid_query", type + ": query is null");
        }
        String index = includeDeleted ? null : indexField(query);
        StringBuilder sql = new StringBuilder("SELECT ").append(Rows.DOCUMENT_COLUMNS).append(" FROM documents");
        if (index != null) {
            sql.append(" INDEXED BY ").append(indexName(type, index));
        }
        // The type is inlined so that SQLite can match the partial per-type indexes.
        sql.append(" WHERE type = '").append(type).append('\'');
        if (!includeDeleted) {
            sql.append(" AND deleted = 0");
        }
        List<Object> params = new ArrayList<>();
        if (query.scope() != null) {
            sql.append(" AND scope = ?");
            params.add(query.scope());
        }
        for (Query.Condition c : query.conditions()) {
            condition(sql, params, c);
        }
        orderBy(sql, query.sortKeys());
        if (query.limit() < Integer.MAX_VALUE) {
            sql.append(" LIMIT ").append(query.limit());
        }
        return new QuerySql(sql.toString(), params);
    }

    /** @return the field whose index answers {@code q}, or null for the primary key */
    private static String indexField(Query q) {
        for (Query.Operator op : List.of(Query.Operator.EQUAL, Query.Operator.IN)) {
            for (Query.Condition c : q.conditions()) {
                if (c.operator() == op) {
                    return c.field();
                }
            }
        }
        if (!q.conditions().isEmpty()) {
            return q.conditions().get(0).field(); // only ranges remain
        }
        if (q.scope() != null) {
            return null; // the primary key (type, scope, id) narrows to the scope; its rows are sorted after
        }
        for (Query.SortKey k : q.sortKeys()) {
            if (!k.field().equals("id")) {
                return k.field();
            }
        }
        return null;
    }

    private static void condition(StringBuilder sql, List<Object> params, Query.Condition c) {
        String expr = fieldExpr(c.field());
        List<Object> values = c.values();
        String kind = c.jsonType();
        switch (c.operator()) {
            case EQUAL -> {
                sql.append(" AND ").append(expr).append(" = ?");
                params.add(values.get(0));
            }
            case IN -> {
                ArrayNode list = Json.mapper().createArrayNode();
                for (Object v : values) {
                    list.add(Json.mapper().valueToTree(v));
                }
                // One parameter however long the list (no host-parameter limit); json_each yields
                // the same SQL values json_extract does.
                sql.append(" AND ").append(expr).append(" IN (SELECT value FROM json_each(?))");
                params.add(list.toString());
            }
            case GREATER_THAN, AT_LEAST -> {
                sql.append(" AND ").append(expr).append(c.operator() == Query.Operator.GREATER_THAN ? " > ?" : " >= ?");
                params.add(values.get(0));
                if (kind.equals("number")) {
                    sql.append(" AND ").append(expr).append(" < ''");
                }
            }
            case LESS_THAN, AT_MOST -> {
                sql.append(" AND ").append(expr).append(c.operator() == Query.Operator.LESS_THAN ? " < ?" : " <= ?");
                params.add(values.get(0));
                if (kind.equals("string")) {
                    sql.append(" AND ").append(expr).append(" >= ''");
                }
            }
            case BETWEEN -> {
                sql.append(" AND ").append(expr).append(" >= ? AND ").append(expr).append(" <= ?");
                params.add(values.get(0));
                params.add(values.get(1));
            }
        }
        if (kind != null) {
            String types = switch (kind) {
                case "string" -> "'text'";
                case "number" -> "'integer', 'real'";
                default -> "'true', 'false'";
            };
            sql.append(" AND json_type(data, '$.").append(c.field()).append("') IN (").append(types).append(')');
        }
    }

    private static void orderBy(StringBuilder sql, List<Query.SortKey> keys) {
        sql.append(" ORDER BY ");
        String scopeDir = "";
        boolean byId = false;
        for (Query.SortKey k : keys) {
            String dir = k.descending() ? " DESC" : "";
            if (k.field().equals("id")) {
                byId = true;
                scopeDir = dir;
                sql.append("id");
            } else {
                sql.append(fieldExpr(k.field()));
            }
            sql.append(dir).append(", ");
        }
        if (!byId) {
            sql.append("id, ");
        }
        sql.append("scope").append(scopeDir);
    }

    /** @return the SQL text, with {@code ?} for each of {@link #parameters()} */
    public String sql() {
        return sql;
    }

    /** @return the parameter values, in order: String, Long, Double or Boolean */
    public List<Object> parameters() {
        return parameters;
    }

    /**
     * Binds {@link #parameters()} to {@code ps}, prepared from {@link #sql()}.
     *
     * @throws dev.syncline.client.StorageException from the driver
     */
    public void bind(StorageStatement ps) {
        for (int i = 0; i < parameters.size(); i++) {
            Object v = parameters.get(i);
            if (v instanceof String s) {
                ps.setString(i + 1, s);
            } else if (v instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (v instanceof Double d) {
                ps.setDouble(i + 1, d);
            } else if (v instanceof Boolean b) {
                ps.setInt(i + 1, b ? 1 : 0); // json_extract yields true and false as 1 and 0
            } else {
                throw new IllegalStateException("unexpected query parameter " + v);
            }
        }
    }

    /**
     * The name of the index on {@code field} of {@code type}: readable, and distinct for every
     * (type, field) pair, which SQLite's case-insensitive names and underscores in both parts would
     * not give by concatenation alone ({@code a_b}+{@code c} and {@code a}+{@code b_c};
     * {@code projectId} and {@code projectid}), hence the digest.
     *
     * @return the quoted index name
     * @throws InvalidInputException when the type or field name is bad
     */
    public static String indexName(String type, String field) {
        Names.requireType(type);
        fieldExpr(field);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((type + '\0' + field).getBytes(StandardCharsets.UTF_8));
            return "\"ix_" + type + "_" + field + "_" + String.format("%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e); // every JVM has it
        }
    }

    /**
     * The name an earlier version gave the index on {@code field} of {@code type} (it could collide;
     * {@link #indexName} replaces it).
     *
     * @return the quoted name
     */
    public static String legacyIndexName(String type, String field) {
        return "\"ix_" + type + "_" + field + "\"";
    }

    /**
     * @return the DDL that creates the index on {@code field} of {@code type}, if absent: a partial
     *     expression index over that type's live documents
     * @throws InvalidInputException when the type or field name is bad
     */
    public static String createIndex(String type, String field) {
        return "CREATE INDEX IF NOT EXISTS " + indexName(type, field) + " ON documents (" + fieldExpr(field) + ", id)"
                + " WHERE type = '" + type + "' AND deleted = 0";
    }

    private static String fieldExpr(String field) {
        if (field == null || !FIELD.matcher(field).matches()) {
            throw new InvalidInputException("invalid_query", "field '" + field + "' must match " + FIELD.pattern());
        }
        return "json_extract(data, '$." + field + "')";
    }
}
