package dev.syncline.core.protocol;

import java.util.List;

/**
 * Body of a 200 answer to {@code GET /v1/pull}.
 *
 * @param changes latest state of each changed document, in commit order within each scope
 * @param cursor opaque position to pass to the next pull
 * @param hasMore true when more changes are waiting
 */
public record PullPage(List<Change> changes, String cursor, boolean hasMore) {
    /** Copies {@code changes}. */
    public PullPage {
        changes = List.copyOf(changes);
    }
}
