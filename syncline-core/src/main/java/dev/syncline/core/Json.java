package dev.syncline.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one JSON codec of Syncline, shared by client and server so both read and write the wire
 * format the same way. Strict on input (duplicate keys, trailing tokens and bad UTF-8 fail),
 * tolerant of unknown properties so older peers can read newer messages. Thread-safe.
 *
 * <p>The mapper itself is never handed out: {@link #mapper()} returns a copy, so no caller can
 * change how the other side of the wire reads or writes. Use {@link #reader()}, {@link #writer()}
 * (immutable) and {@link #object()}/{@link #array()} on hot paths; they cost nothing to get.
 *
 * <p>This is the wire codec only. An app's entities are mapped by the client's own mapper (see
 * {@code SyncClientBuilder#objectMapper}), which adds java.time and {@code Optional} support.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    private static final ObjectReader READER = MAPPER.reader();
    private static final ObjectWriter WRITER = MAPPER.writer();

    private Json() {
    }

    /**
     * A copy of the wire mapper, for code that needs a whole {@link ObjectMapper} (to configure its
     * own). Changing it changes nothing else. A copy starts with empty caches, so do not call this
     * per message: use {@link #reader()}, {@link #writer()}, {@link #object()} instead.
     *
     * @return a new mapper with the wire settings
     */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    /** @return the wire mapper's reader (immutable, shared; {@code with...} makes a new one) */
    public static ObjectReader reader() {
        return READER;
    }

    /** @return the wire mapper's writer (immutable, shared; {@code with...} makes a new one) */
    public static ObjectWriter writer() {
        return WRITER;
    }

    /** @return a new, empty JSON object */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** @return a new, empty JSON array */
    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /**
     * @return {@code value} as a JSON tree, mapped with the wire settings
     * @throws IllegalArgumentException when it cannot be mapped
     */
    public static JsonNode valueToTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** @return {@code value} as compact JSON text */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SynclineException("cannot serialise " + value.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** @return {@code value} as UTF-8 JSON bytes */
    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SynclineException("cannot serialise " + value.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses JSON text into a tree.
     *
     * @throws InvalidInputException with code {@code bad_request} when it is not one JSON value
     */
    public static JsonNode parse(byte[] bytes) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new InvalidInputException("bad_request", "body is empty; expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("bad_request", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidInputException("bad_request", "unreadable JSON: " + e.getMessage());
        }
    }

    /** @see #parse(byte[]) */
    public static JsonNode parse(String text) {
        return parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Reads {@code text} as an instance of {@code type}. */
    public static <T> T read(String text, Class<T> type) {
        try {
            return MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("bad_request", "cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage());
        }
    }

    /** Reads {@code bytes} as an instance of {@code type}. */
    public static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new InvalidInputException("bad_request", "cannot read " + type.getSimpleName() + ": " + e.getMessage());
        }
    }
}
