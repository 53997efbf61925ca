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
}
