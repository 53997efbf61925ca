package dev.syncline.core.protocol;

import java.util.List;

/**
 * Body of {@code POST /v1/push}.
 *
 * @param clientId the pushing replica's id
 * @param ops operations, applied in this order
 */
public record PushRequest(String clientId, List<PushOp> ops) {
    /** Copies {@code ops} so the record stays immutable. */
    public PushRequest {
        ops = List.copyOf(ops);
    }
}
