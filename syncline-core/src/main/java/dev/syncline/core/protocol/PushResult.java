package dev.syncline.core.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The outcome of one pushed operation. Expected outcomes are values: a conflict or a rejection is
 * not an exception. Serialised with a {@code status} discriminator.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "status")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PushResult.Applied.class, name = "applied"),
    @JsonSubTypes.Type(value = PushResult.Conflict.class, name = "conflict"),
    @JsonSubTypes.Type(value = PushResult.Rejected.class, name = "rejected")
})
public sealed interface PushResult {
    /** @return the operation this result answers */
    String opId();

    /**
     * The write was applied.
     *
     * @param opId operation id
     * @param version the document's new version
     * @param seq the write's position in its scope's feed
     */
    record Applied(String opId, long version, long seq) implements PushResult {
    }

    /**
     * The stored version differs from the operation's base; nothing was written.
     *
     * @param opId operation id
     * @param current the document as stored now
     */
    record Conflict(String opId, Change current) implements PushResult {
    }

    /**
     * A permanent error for this operation; nothing was written.
     *
     * @param opId operation id
     * @param error why
     */
    record Rejected(String opId, ErrorDetail error) implements PushResult {
        /** @return a rejection with {@code code} and {@code message} */
        public static Rejected of(String opId, String code, String message) {
            return new Rejected(opId, new ErrorDetail(code, message));
        }
    }
}
