package dev.syncline.core.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Merges two JSON objects that both changed since a common base, field by field:
 * <ul>
 *   <li>a field only one side changed takes that side's value (a removal counts as a change);</li>
 *   <li>a field both sides set to the same value takes it;</li>
 *   <li>a field both changed differently goes to its {@link FieldRule} (by dotted path, such as
 *       {@code collaborators} or {@code meta.title}); without one, two objects merge recursively
 *       and anything else goes to the default rule ({@link FieldRules#latest()} unless set).</li>
 * </ul>
 * Immutable and thread-safe once built.
 *
 * <pre>{@code
 * ThreeWayMerge merge = ThreeWayMerge.builder().rule("collaborators", FieldRules.setUnion()).build();
 * ObjectNode result = merge.merge(base, local, remote, localIsLatest);
 * }</pre>
 */
public final class ThreeWayMerge {
    private final Map<String, FieldRule> rules;
    private final FieldRule fallback;

    private ThreeWayMerge(Map<String, FieldRule> rules, FieldRule fallback) {
        this.rules = Map.copyOf(rules);
        this.fallback = fallback;
    }

    /** @return a builder with no field rules and {@link FieldRules#latest()} as default */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a merge with no field rules: disagreements go to the later change */
    public static ThreeWayMerge byLatest() {
        return builder().build();
    }

    /**
     * @param base the common base, or null when the document did not exist there
     * @param local this replica's version
     * @param remote the server's version
     * @param localIsLatest true when the local change has the later HLC stamp
     * @return a new object; the arguments are not changed
     */
    public ObjectNode merge(ObjectNode base, ObjectNode local, ObjectNode remote, boolean localIsLatest) {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        return mergeObject("", base == null ? JsonNodeFactory.instance.objectNode() : base, local, remote,
                localIsLatest);
    }

    private ObjectNode mergeObject(String prefix, ObjectNode base, ObjectNode local, ObjectNode remote,
            boolean localIsLatest) {
        Set<String> names = new LinkedHashSet<>();
        local.fieldNames().forEachRemaining(names::add);
        remote.fieldNames().forEachRemaining(names::add);
        base.fieldNames().forEachRemaining(names::add);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (String name : names) {
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            JsonNode v = mergeField(path, base.get(name), local.get(name), remote.get(name), localIsLatest);
            if (v != null) {
                out.set(name, v);
            }
        }
        return out;
    }

    private JsonNode mergeField(String path, JsonNode b, JsonNode l, JsonNode r, boolean localIsLatest) {
        if (Objects.equals(l, r)) {
            return l == null ? null : l.deepCopy();
        }
        if (Objects.equals(l, b)) {
            return r == null ? null : r.deepCopy();
        }
        if (Objects.equals(r, b)) {
            return l == null ? null : l.deepCopy();
        }
        FieldRule rule = rules.get(path);
        if (rule != null) {
            JsonNode v = rule.merge(b, l, r, localIsLatest);
            return v == null ? null : v.deepCopy();
        }
        if (l != null && l.isObject() && r != null && r.isObject()) {
            ObjectNode bo = b != null && b.isObject() ? (ObjectNode) b : JsonNodeFactory.instance.objectNode();
            return mergeObject(path, bo, (ObjectNode) l, (ObjectNode) r, localIsLatest);
        }
        JsonNode v = fallback.merge(b, l, r, localIsLatest);
        return v == null ? null : v.deepCopy();
    }

    /** Configures a {@link ThreeWayMerge}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, FieldRule> rules = new LinkedHashMap<>();
        private FieldRule fallback = FieldRules.latest();
        private boolean fallbackSet;

        private Builder() {
        }

        /**
         * Sets the rule of one field.
         *
         * @param path dotted path of the field, such as {@code collaborators} or {@code meta.title}
         * @throws InvalidInputException when the path is blank or already has a rule
         */
        public Builder rule(String path, FieldRule rule) {
            if (path == null || path.isBlank() || path.startsWith(".") || path.endsWith(".")) {
                throw new InvalidInputException("invalid_rule", "field path must be a dotted name, got '" + path + "'");
            }
            Objects.requireNonNull(rule, "rule");
            if (rules.putIfAbsent(path, rule) != null) {
                throw new InvalidInputException("invalid_rule", "field '" + path + "' already has a rule");
            }
            return this;
        }

        /**
         * Sets the rule for fields without one (default {@link FieldRules#latest()}).
         *
         * @throws InvalidInputException when set twice
         */
        public Builder defaultRule(FieldRule rule) {
            if (fallbackSet) {
                throw new InvalidInputException("invalid_rule", "the default rule is already set");
            }
            this.fallback = Objects.requireNonNull(rule, "rule");
            this.fallbackSet = true;
            return this;
        }

        /** @return the merge */
        public ThreeWayMerge build() {
            return new ThreeWayMerge(rules, fallback);
        }
    }
}
