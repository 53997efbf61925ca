package dev.syncline.core.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.HashSet;
import java.util.Set;

/** The built-in {@link FieldRule}s. Thread-safe (stateless). */
public final class FieldRules {
    private FieldRules() {
    }

    /** @return the value of the side whose change has the later HLC stamp */
    public static FieldRule latest() {
        return (base, local, remote, localIsLatest) -> localIsLatest ? local : remote;
    }

    /** @return always this replica's value */
    public static FieldRule local() {
        return (base, local, remote, localIsLatest) -> local;
    }

    /** @return always the server's value */
    public static FieldRule remote() {
        return (base, local, remote, localIsLatest) -> remote;
    }

    /** @return the larger number (a side without a number loses); ties and non-numbers go to latest */
    public static FieldRule max() {
        return (base, local, remote, localIsLatest) -> pickNumber(local, remote, localIsLatest, true);
    }

    /** @return the smaller number (a side without a number loses); ties and non-numbers go to latest */
    public static FieldRule min() {
        return (base, local, remote, localIsLatest) -> pickNumber(local, remote, localIsLatest, false);
    }

    private static JsonNode pickNumber(JsonNode local, JsonNode remote, boolean localIsLatest, boolean larger) {
        boolean ln = local != null && local.isNumber();
        boolean rn = remote != null && remote.isNumber();
        if (ln && rn) {
            int c = local.decimalValue().compareTo(remote.decimalValue());
            if (c != 0) {
                return (c > 0) == larger ? local : remote;
            }
        } else if (ln) {
            return local;
        } else if (rn) {
            return remote;
        }
        return localIsLatest ? local : remote;
    }

    /**
     * Treats arrays as sets and keeps what both sides meant: an element stays when both sides
     * still have it or one side added it; an element of the base that either side removed stays
     * removed (a removed collaborator does not come back). Order: this replica's elements first,
     * then the server's additions. A side whose value is not an array counts as empty.
     */
    public static FieldRule setUnion() {
        return (base, local, remote, localIsLatest) -> {
            Set<JsonNode> b = elements(base);
            Set<JsonNode> l = elements(local);
            Set<JsonNode> r = elements(remote);
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            Set<JsonNode> added = new HashSet<>();
            for (JsonNode e : ordered(local)) {
                if ((r.contains(e) || !b.contains(e)) && added.add(e)) {
                    out.add(e);
                }
            }
            for (JsonNode e : ordered(remote)) {
                if ((l.contains(e) || !b.contains(e)) && added.add(e)) {
                    out.add(e);
                }
            }
            return out;
        };
    }

    private static Set<JsonNode> elements(JsonNode n) {
        Set<JsonNode> s = new HashSet<>();
        ordered(n).forEach(s::add);
        return s;
    }

    private static Iterable<JsonNode> ordered(JsonNode n) {
        return n != null && n.isArray() ? n : JsonNodeFactory.instance.arrayNode();
    }
}
