package dev.syncline.client.internal.outbox;

import dev.syncline.client.OperationState;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The outbox's state machine as SQL: the one place an {@link OperationState} becomes SQL text
 * (its {@link OperationState#wire} name, quoted), and the one check that a move the outbox is
 * about to make, on one row or a set of rows, is legal ({@link OperationState#canMoveTo}).
 * {@code Outbox} builds every statement that reads or changes {@code state} from here; no SQL
 * elsewhere spells a state.
 *
 * <p>Concurrency: stateless and thread-safe.
 */
public final class OutboxStates {
    private OutboxStates() {
    }

    /** @return {@code state} as a SQL literal, such as {@code 'in_flight'} */
    public static String sql(OperationState state) {
        return "'" + state.wire() + "'";
    }

    /** @return the SQL condition that {@code column} holds one of {@code states} */
    public static String in(String column, OperationState... states) {
        if (states.length == 1) {
            return column + " = " + sql(states[0]);
        }
        return column + " IN (" + Arrays.stream(states).map(OutboxStates::sql).collect(Collectors.joining(", ")) + ")";
    }

    /**
     * @return the SQL condition that {@code column} holds an outstanding state (anything but
     *     DONE: pending, in flight or failed)
     */
    public static String outstanding(String column) {
        return column + " <> " + sql(OperationState.DONE);
    }

    /**
     * The guard of a move of rows to {@code to}: the SQL condition that {@code column} holds one
     * of {@code from}, after checking that each of those may move to {@code to}. A statement
     * built from it changes only rows still in a {@code from} state, so a move made from a stale
     * view changes nothing.
     *
     * @throws IllegalStateException when a {@code from → to} move is not legal (a bug; nothing
     *     has been run)
     */
    public static String movable(String column, OperationState to, OperationState... from) {
        requireMove(to, from);
        return in(column, from);
    }

    /**
     * Checks moves to {@code to} from each of {@code from}.
     *
     * @throws IllegalStateException when one is not legal (a bug)
     */
    public static void requireMove(OperationState to, OperationState... from) {
        if (from.length == 0) {
            throw new IllegalStateException("an outbox move to " + to + " needs a state to move from");
        }
        for (OperationState f : from) {
            if (!f.canMoveTo(to)) {
                throw new IllegalStateException("illegal outbox move " + f + " -> " + to + "; legal from " + f + ": "
                        + f.next());
            }
        }
    }
}
