package dev.syncline.core;

import java.util.Objects;

/**
 * A hybrid logical clock stamp: wall-clock milliseconds, a logical counter for events within the
 * same millisecond, and the id of the node that made it. Stamps order totally: by wall time, then
 * counter, then node id, so ties between two nodes are broken the same way everywhere.
 *
 * <p>The string form {@code 0001732537200123-002a-node} (13 decimal digits, 4 hex digits, node)
 * sorts lexicographically in the same order as {@link #compareTo}. Immutable and thread-safe.
 *
 * @param wallMillis milliseconds since the epoch, 0 to 9,999,999,999,999
 * @param counter logical counter, 0 to 65,535
 * @param node node id, 1 to 64 characters of {@code [A-Za-z0-9_.-]}
 */
public record Hlc(long wallMillis, int counter, String node) implements Comparable<Hlc> {
    private static final String NODE_RULE = "[A-Za-z0-9_.-]{1,64}";
    /** Largest counter value; a clock that would pass it advances its wall component instead. */
    public static final int MAX_COUNTER = 0xFFFF;
    static final long MAX_WALL = 9_999_999_999_999L;

    /** @throws InvalidInputException when a component is out of range */
    public Hlc {
        if (wallMillis < 0 || wallMillis > MAX_WALL) {
            throw new InvalidInputException("invalid_hlc", "hlc wall time out of range: " + wallMillis);
        }
        if (counter < 0 || counter > MAX_COUNTER) {
            throw new InvalidInputException("invalid_hlc", "hlc counter out of range: " + counter);
        }
        if (node == null || !isNode(node, 0)) {
            throw new InvalidInputException("invalid_hlc", "hlc node must match " + NODE_RULE + ": " + node);
        }
    }

    /**
     * Parses the string form.
     *
     * @throws InvalidInputException with code {@code invalid_hlc} when {@code text} is not an HLC
     */
    public static Hlc parse(String text) {
        Hlc h = tryParse(text);
        if (h == null) {
            throw new InvalidInputException("invalid_hlc", "not an HLC stamp (expected 13 digits-4 hex-node): " + text);
        }
        return h;
    }

    /** @return true when {@code text} is a well-formed HLC stamp */
    public static boolean isValid(String text) {
        return tryParse(text) != null;
    }

    // Read by hand, not with a regex: every pulled change and every save goes through here.
    private static Hlc tryParse(String text) {
        if (text == null || text.length() < 20 || text.charAt(13) != '-' || text.charAt(18) != '-'
                || !isNode(text, 19)) {
            return null;
        }
        long wall = 0;
        for (int i = 0; i < 13; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            wall = wall * 10 + (c - '0');
        }
        int counter = 0;
        for (int i = 14; i < 18; i++) {
            char c = text.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                return null;
            }
            counter = counter * 16 + d;
        }
        return new Hlc(wall, counter, text.substring(19));
    }

    private static boolean isNode(String s, int from) {
        int n = s.length() - from;
        if (n < 1 || n > 64) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int compareTo(Hlc o) {
        int c = Long.compare(wallMillis, o.wallMillis);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(counter, o.counter);
        return c != 0 ? c : node.compareTo(o.node);
    }

    @Override
    public String toString() {
        String w = Long.toString(wallMillis);
        String c = Integer.toHexString(counter);
        StringBuilder b = new StringBuilder(19 + node.length());
        b.append("0000000000000", 0, 13 - w.length()).append(w).append('-');
        b.append("0000", 0, 4 - c.length()).append(c).append('-').append(node);
        return b.toString();
    }
}
