package dev.syncline.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one JSON codec of Syncline, shared by client and server so both read and write the wire
 * format the same way. Strict on input (duplicate keys, trailing tokens and bad UTF-8 fail),
 * tolerant of unknown properties so older peers can read newer messages. Thread-safe.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private Json() {
    }

    /** @return the shared mapper; do not reconfigure it */
    public static ObjectMapper mapper() {
        return MAPPER;
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
