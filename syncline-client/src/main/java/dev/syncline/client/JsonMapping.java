package dev.syncline.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON settings a {@link SyncClient} maps an app's entities with, unless the app supplies its
 * own mapper through {@link SyncClientBuilder#objectMapper}: the wire codec's strictness
 * (duplicate keys and trailing tokens fail; unknown properties are ignored, so an older app reads
 * what a newer one wrote), plus java.time ({@code jackson-datatype-jsr310}) and {@code Optional}
 * ({@code jackson-datatype-jdk8}) support, with dates and durations written as ISO-8601 strings
 * ({@code "2026-12-01T10:15:30Z"}, {@code "2026-12-01"}, {@code "PT1.5S"}), never as numbers.
 *
 * <pre>{@code
 * SyncClient.builder()
 *         .objectMapper(JsonMapping.defaults().addModule(new KotlinModule.Builder().build()).build())
 * }</pre>
 *
 * <p>Thread-safe: each call returns a new builder or mapper.
 */
public final class JsonMapping {
    private JsonMapping() {
    }

    /** @return a new builder with the default settings, for an app to add modules to */
    public static JsonMapper.Builder defaults() {
        return JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .enable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION)
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module());
    }

    /** @return a new mapper with the default settings */
    public static ObjectMapper defaultMapper() {
        return defaults().build();
    }
}
