package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app's entities are mapped with the client's own mapper: java.time by default, or the app's. */
class JsonMappingTest {
    record Session(String id, String teamId, Instant startedAt, LocalDate day, Optional<String> note, Duration length) {
    }

    /** A value type the default mapper knows nothing about. */
    record Bpm(int value) {
    }

    record Tempo(String id, String teamId, Bpm bpm) {
    }

    static final EntityType<Session> SESSIONS = EntityType.builder("session", Session.class)
            .scope(Session::teamId).id(Session::id).build();
    static final EntityType<Tempo> TEMPOS = EntityType.builder("tempo", Tempo.class)
            .scope(Tempo::teamId).id(Tempo::id).build();

    @TempDir
    Path dir;

    @Test
    void recordWithJavaTimeAndOptionalFields_savesAndReadsBack_withDatesAsIsoStrings() {
        Session s = new Session("s1", "team-1", Instant.parse("2026-12-01T10:15:30.123Z"), LocalDate.parse("2026-12-01"),
                Optional.of("warm-up"), Duration.ofMillis(1500));
        try (SyncClient client = SyncClient.builder().database(dir.resolve("a.db")).register(SESSIONS).build()) {
            Repository<Session> sessions = client.repository(Session.class);
            sessions.save(s);
            sessions.save(new Session("s2", "team-1", Instant.EPOCH, LocalDate.EPOCH, Optional.empty(), Duration.ZERO));

            assertThat(sessions.get("team-1", "s1")).contains(s);
            assertThat(sessions.get("team-1", "s2").orElseThrow().note()).isEmpty();
            ObjectNode stored = client.documents().get("team-1", "session", "s1").orElseThrow().value();
            assertThat(stored.get("startedAt").asText()).isEqualTo("2026-12-01T10:15:30.123Z");
            assertThat(stored.get("day").asText()).isEqualTo("2026-12-01");
            assertThat(stored.get("note").asText()).isEqualTo("warm-up");
            assertThat(stored.get("length").asText()).isEqualTo("PT1.5S");
            assertThat(client.documents().get("team-1", "session", "s2").orElseThrow().value().get("note").isNull()).isTrue();
        }
    }

    @Test
    void patch_mapsJavaTimeValuesWithTheSameMapper() {
        try (SyncClient client = SyncClient.builder().database(dir.resolve("a.db")).register(SESSIONS).build()) {
            Repository<Session> sessions = client.repository(Session.class);
            sessions.save(new Session("s1", "team-1", Instant.EPOCH, LocalDate.EPOCH, Optional.empty(), Duration.ZERO));
            sessions.patch("team-1", "s1", java.util.Map.of("startedAt", Instant.parse("2026-01-02T03:04:05Z")));
            assertThat(sessions.get("team-1", "s1").orElseThrow().startedAt()).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        }
    }

    @Test
    void appMapperWithACustomModule_isUsedForSaveAndRead() {
        ObjectMapper mine = JsonMapping.defaults().addModule(bpmAsText()).build();
        try (SyncClient client = SyncClient.builder().database(dir.resolve("a.db")).objectMapper(mine)
                .register(TEMPOS).build()) {
            Repository<Tempo> tempos = client.repository(Tempo.class);
            tempos.save(new Tempo("t1", "team-1", new Bpm(120)));
            assertThat(client.documents().get("team-1", "tempo", "t1").orElseThrow().value().get("bpm").asText())
                    .isEqualTo("120 bpm");
            assertThat(tempos.get("team-1", "t1").orElseThrow().bpm()).isEqualTo(new Bpm(120));
        }
    }

    @Test
    void changingTheAppsMapperAfterBuild_doesNotChangeTheClient() {
        ObjectMapper mine = JsonMapping.defaultMapper();
        try (SyncClient client = SyncClient.builder().database(dir.resolve("a.db")).objectMapper(mine)
                .register(SESSIONS).build()) {
            mine.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
            mine.enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
            client.repository(Session.class).save(new Session("s1", "team-1", Instant.EPOCH, LocalDate.EPOCH,
                    Optional.empty(), Duration.ZERO));
            ObjectNode stored = client.documents().get("team-1", "session", "s1").orElseThrow().value();
            assertThat(stored.has("teamId")).isTrue();
            assertThat(stored.has("team_id")).isFalse();
            assertThat(stored.get("startedAt").asText()).isEqualTo("1970-01-01T00:00:00Z");
        }
    }

    @Test
    void anAppMapperWithoutJavaTime_refusesTheSaveByName_andWritesNothing() {
        try (SyncClient client = SyncClient.builder().database(dir.resolve("a.db")).objectMapper(new ObjectMapper())
                .register(SESSIONS).build()) {
            Repository<Session> sessions = client.repository(Session.class);
            assertThatThrownBy(() -> sessions.save(new Session("s1", "team-1", Instant.EPOCH, LocalDate.EPOCH,
                    Optional.empty(), Duration.ZERO)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("session: cannot serialise Session");
            assertThat(sessions.all()).isEmpty();
            assertThat(client.pendingOperations().getPendingOperationsCount()).isZero();
        }
    }

    @Test
    void objectMapper_nullOrTwice_isRefused() {
        assertThatThrownBy(() -> SyncClient.builder().objectMapper(null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("objectMapper is null");
        assertThatThrownBy(() -> SyncClient.builder().objectMapper(new ObjectMapper()).objectMapper(new ObjectMapper()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("objectMapper is set twice");
    }

    static SimpleModule bpmAsText() {
        return new SimpleModule("bpm").addSerializer(Bpm.class, new JsonSerializer<>() {
            @Override
            public void serialize(Bpm v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(v.value() + " bpm");
            }
        }).addDeserializer(Bpm.class, new JsonDeserializer<>() {
            @Override
            public Bpm deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return new Bpm(Integer.parseInt(p.getValueAsString().replace(" bpm", "")));
            }
        });
    }
}
