package dev.syncline.core;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern FORM = Pattern.compile("(\\d{13})-([0-9a-f]{4})-([A-Za-z0-9_.-]{1,64})");
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
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
        if (node == null || !NODE.matcher(node).matches()) {
            throw new InvalidInputException("invalid_hlc", "hlc node must match " + NODE.pattern() + ": " + node);
        }
    }

    /**
     * Parses the string form.
     *
     * @throws InvalidInputException with code {@code invalid_hlc} when {@code text} is not an HLC
     */
    public static Hlc parse(String text) {
        Matcher m = FORM.matcher(Objects.requireNonNullElse(text, ""));
        if (!m.matches()) {
            throw new InvalidInputException("invalid_hlc", "not an HLC stamp (expected 13 digits-4 hex-node): " + text);
        }
        return new Hlc(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2), 16), m.group(3));
    }

    /** @return true when {@code text} is a well-formed HLC stamp */
    public static boolean isValid(String text) {
        return text != null && FORM.matcher(text).matches();
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
        return String.format("%013d-%04x-%s", wallMillis, counter, node);
    }
}
