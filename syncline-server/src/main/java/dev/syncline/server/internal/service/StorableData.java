package dev.syncline.server.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which document data Syncline stores: the one rule both stores apply, so that a document one
 * store keeps is never refused (or changed) by the other, and a client can read back every
 * document it may be sent. Data is stored as the JSON text the client sent; what is refused here
 * is what could not come back as sent:
 * <ul>
 *   <li>a string or key holding U+0000 (PostgreSQL text and JSONB cannot hold it);
 *   <li>a string or key holding a lone UTF-16 surrogate ({@code "\ud800"} escaped in JSON): it is
 *       no Unicode text, cannot be encoded in UTF-8 and is refused by PostgreSQL's JSON types;
 *   <li>a number outside the range of a 64-bit IEEE double (magnitude above
 *       1.7976931348623157e308, or non-zero and at most 2.47e-324): a client reading it as a
 *       double (Java, JavaScript) would get infinity or zero, and a database casting it to a JSON
 *       number would expand or refuse it. Precision within that range is kept: the text is
 *       stored as sent.
 * </ul>
 * Numbers longer than 1000 characters, or with an exponent beyond 32 bits, never get here: the
 * JSON reader refuses them (as every Syncline client's reader would), which makes the body
 * unreadable (400). So does a lone surrogate in a key, which the reader refuses by itself. Thread-safe (stateless).
 */
public final class StorableData {
    private static final BigDecimal MAX = new BigDecimal(Double.MAX_VALUE);
    /** Half the smallest double: a non-zero magnitude at or below it reads as 0. */
    private static final BigDecimal HALF_MIN = new BigDecimal(Double.MIN_VALUE).divide(BigDecimal.valueOf(2));
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]{0,39}");

    private StorableData() {
    }

    /**
     * @param data a document's data as parsed (floating-point numbers ideally as {@link BigDecimal})
     * @return null when it may be stored, else what is wrong, naming where (for example
     *     {@code string at data.title has a lone surrogate})
     */
    public static String problem(JsonNode data) {
        return problem(data, "data");
    }

    private static String problem(JsonNode node, String at) {
        if (node.isTextual()) {
            String why = textProblem(node.textValue());
            return why == null ? null : "string at " + at + " " + why;
        }
        if (node.isNumber()) {
            return numberProblem(node, at);
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String path = at + pathElement(e.getKey());
                String why = textProblem(e.getKey());
                if (why != null) {
                    return "key at " + path + " " + why;
                }
                String inner = problem(e.getValue(), path);
                if (inner != null) {
                    return inner;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String inner = problem(node.get(i), at + "[" + i + "]");
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }

    private static String textProblem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                return "holds the character U+0000, which Syncline does not store";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "has a lone surrogate (\\u" + hex(c) + " at character " + i + "), which is not Unicode text";
            }
            if (Character.isLowSurrogate(c)) {
                return "has a lone surrogate (\\u" + hex(c) + " at character " + i + "), which is not Unicode text";
            }
        }
        return null;
    }

    private static String numberProblem(JsonNode n, String at) {
        if (n.isDouble() || n.isFloat()) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? null : "number at " + at + " is not finite";
        }
        if (!n.isBigDecimal() && !n.isBigInteger()) {
            return null; // int and long always fit
        }
        BigDecimal v = n.isBigDecimal() ? n.decimalValue() : new BigDecimal(n.bigIntegerValue());
        if (v.signum() == 0) {
            return null;
        }
        BigDecimal abs = v.abs();
        // compareTo looks at the exponents first, so 1e400000 costs no 400,000-digit arithmetic.
        if (abs.compareTo(MAX) > 0) {
            return "number at " + at + " is beyond the range of a 64-bit double (magnitude above"
                    + " 1.7976931348623157e308)";
        }
        if (abs.compareTo(HALF_MIN) <= 0) {
            return "number at " + at + " is too small for a 64-bit double, which would read it as 0 (non-zero"
                    + " magnitude at most 2.47e-324)";
        }
        return null;
    }

    /** @return {@code .key} for plain keys, else {@code ["..."]} with everything outside printable ASCII escaped */
    private static String pathElement(String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            return "." + key;
        }
        StringBuilder b = new StringBuilder("[\"");
        int shown = Math.min(key.length(), 40);
        for (int i = 0; i < shown; i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                b.append("\\u").append(hex(c));
            } else {
                b.append(c);
            }
        }
        return b.append(key.length() > shown ? "...\"]" : "\"]").toString();
    }

    private static String hex(char c) {
        return String.format("%04x", (int) c);
    }
}
