package dev.syncline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void scopesAndTypes_followTheProtocolRule() {
        assertThat(Names.isValidScope("team-1")).isTrue();
        assertThat(Names.isValidScope("a")).isTrue();
        assertThat(Names.isValidScope("a".repeat(64))).isTrue();
        assertThat(Names.isValidScope("a".repeat(65))).isFalse();
        assertThat(Names.isValidScope("Team")).isFalse();
        assertThat(Names.isValidScope("-team")).isFalse();
        assertThat(Names.isValidScope("team 1")).isFalse();
        assertThat(Names.isValidScope("")).isFalse();
        assertThat(Names.isValidScope(null)).isFalse();
        assertThat(Names.isValidType("audio_track.v2")).isTrue();
    }

    @Test
    void ids_followTheProtocolRule() {
        assertThat(Names.isValidId("p-42")).isTrue();
        assertThat(Names.isValidId("Track:2024.01_a")).isTrue();
        assertThat(Names.isValidId("a".repeat(128))).isTrue();
        assertThat(Names.isValidId("a".repeat(129))).isFalse();
        assertThat(Names.isValidId("../etc")).isFalse();
        assertThat(Names.isValidId("a/b")).isFalse();
        assertThat(Names.isValidId("a\nb")).isFalse();
    }

    @Test
    void require_namesTheFieldAndTheRule() {
        assertThatThrownBy(() -> Names.requireId("../x")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("id '../x'").hasMessageContaining("[A-Za-z0-9]");
        assertThatThrownBy(() -> Names.requireScope(null)).hasMessage("scope is missing");
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Names.requireType("X"));
        assertThat(e.code()).isEqualTo("invalid_name");
    }
}
