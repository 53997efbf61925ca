package dev.syncline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.core.protocol.Change;
import dev.syncline.core.protocol.ErrorDetail;
import dev.syncline.core.protocol.PushResponse;
import dev.syncline.core.protocol.PushResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void pushResults_carryTheirStatusAndRoundTrip() {
        PushResponse r = new PushResponse(List.of(
                new PushResult.Applied("o1", 2, 7),
                new PushResult.Conflict("o2", new Change("s", "t", "i", 3, true, null, "h", "u", 9, null)),
                PushResult.Rejected.of("o3", "forbidden", "no")));
        String json = Json.write(r);
        assertThat(json).contains("\"status\":\"applied\"", "\"status\":\"conflict\"", "\"status\":\"rejected\"",
                "\"data\":null");
        assertThat(Json.read(json, PushResponse.class)).isEqualTo(r);
        assertThat(((PushResult.Rejected) r.results().get(2)).error()).isEqualTo(new ErrorDetail("forbidden", "no"));
    }

    @Test
    void parse_isStrictAboutDuplicatesAndTrailingTokens() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("Duplicate");
        assertThatThrownBy(() -> Json.parse("{} []")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Json.parse("")).isInstanceOf(InvalidInputException.class);
        assertThat(Json.parse("{\"a\":1}").get("a").asInt()).isEqualTo(1);
    }

    @Test
    void mapper_handsOutACopy_soReconfiguringItCannotChangeTheWireFormat() {
        record Box(String a, Object nothing) {
        }
        com.fasterxml.jackson.databind.ObjectMapper mine = Json.mapper();
        mine.enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        mine.setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
        assertThat(Json.mapper()).isNotSameAs(mine);
        assertThat(Json.write(new Box("x", null))).isEqualTo("{\"a\":\"x\",\"nothing\":null}");
    }

    @Test
    void readerAndNodes_readAndBuildWithTheSharedSettings() throws Exception {
        assertThatThrownBy(() -> Json.reader().readTree("{\"a\":1,\"a\":2}"))
                .hasMessageContaining("Duplicate");
        assertThat(Json.object().put("a", 1).toString()).isEqualTo("{\"a\":1}");
        assertThat(Json.array().add(1).toString()).isEqualTo("[1]");
    }
}
