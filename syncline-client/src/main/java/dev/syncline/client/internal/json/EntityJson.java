package dev.syncline.client.internal.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;

/**
 * The mapper a client turns the app's entities into JSON with (and back). It holds its own copy
 * of the mapper it was given and never hands it out, so neither the app (after build) nor any
 * caller can reconfigure it. Thread-safe (Jackson mappers are, once configured).
 */
public final class EntityJson {
    private final ObjectMapper mapper;

    /** @param mapper the mapper to copy */
    public EntityJson(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper").copy();
    }

    /** @return {@code entity} as JSON text */
    public String write(Object entity) throws JsonProcessingException {
        return mapper.writeValueAsString(entity);
    }

    /** @return {@code json} read as {@code type} */
    public <T> T read(String json, Class<T> type) throws IOException {
        return mapper.readValue(json, type);
    }

    /** @return {@code data} read as {@code type} */
    public <T> T read(JsonNode data, Class<T> type) throws JsonProcessingException {
        return mapper.treeToValue(data, type);
    }

    /**
     * @return {@code value} as a JSON tree
     * @throws IllegalArgumentException when it cannot be mapped
     */
    public JsonNode tree(Object value) {
        return mapper.valueToTree(value);
    }

    /**
     * @return {@code entity} as a JSON object, or null when it maps to something else
     * @throws IllegalArgumentException when it cannot be mapped
     */
    public ObjectNode object(Object entity) {
        return mapper.valueToTree(entity) instanceof ObjectNode o ? o : null;
    }
}
