package dev.syncline.core.protocol;

import java.util.List;

/**
 * Body of a 200 answer to {@code POST /v1/push}: one result per operation, in request order.
 *
 * @param results the results
 */
public record PushResponse(List<PushResult> results) {
    /** Copies {@code results}. */
    public PushResponse {
        results = List.copyOf(results);
    }
}
