package dev.syncline.client.internal.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** One run per sync key, debounced, on a scheduler whose time the test moves. */
class SyncRunsTest {
    final ManualScheduler scheduler = new ManualScheduler();
    final SyncRuns runs = new SyncRuns(scheduler, scheduler.nanoTime());
    final List<String> ran = new ArrayList<>();

    private void body(BiFunction<String, Boolean, Duration> what) {
        runs.body(new SyncRuns.Body() {
            @Override
            public Duration run(String key, boolean pushOnly) {
                ran.add(key + (pushOnly ? ":push" : ":both"));
                return what.apply(key, pushOnly);
            }

            @Override
            public void ended(String key) {
            }
        });
    }

    @Test
    void triggersOfOneKeyWithinTheDebounce_runOnce_pushOnlyOnlyWhenEveryTriggerWas() {
        body((k, p) -> null);
        runs.trigger("a", Duration.ofMillis(100), true);
        runs.trigger("a", Duration.ofMillis(100), false);
        runs.trigger("b", Duration.ofMillis(100), true);
        runs.trigger("b", Duration.ofMillis(100), true);

        scheduler.advance(Duration.ofMillis(99));
        assertThat(ran).as("still within the debounce").isEmpty();
        scheduler.advance(Duration.ofMillis(1));

        assertThat(ran).containsExactly("a:both", "b:push");
        assertThat(runs.busy()).isFalse();
    }

    @Test
    void aTriggerWhileItsKeyRuns_runsItOnceMoreAfterwards() {
        body((k, p) -> {
            if (ran.size() == 1) {
                runs.trigger("a", Duration.ofMillis(100), false); // arrives while "a" runs
                runs.trigger("a", Duration.ofMillis(100), false);
                assertThat(runs.running()).containsExactly("a");
            }
            return null;
        });
        runs.trigger("a", Duration.ZERO, false);
        scheduler.runDue();

        assertThat(ran).containsExactly("a:both", "a:both");
    }

    @Test
    void aRunThatAsksForARetry_isRetriedAfterThatDelay() {
        body((k, p) -> "a".equals(k) ? Duration.ofSeconds(3) : null);
        runs.trigger("a", Duration.ZERO, false);
        scheduler.runDue();
        scheduler.advance(Duration.ofMillis(2999));
        assertThat(ran).containsExactly("a:both");

        scheduler.advance(Duration.ofMillis(1));

        assertThat(ran).containsExactly("a:both", "retry:both");
    }

    @Test
    void triggerNow_cancelsTheDebouncedRunOfTheKeyAndRunsAtOnce() {
        body((k, p) -> null);
        runs.trigger("force", Duration.ofSeconds(5), false);
        runs.triggerNow("force", false);
        scheduler.runDue();
        assertThat(ran).containsExactly("force:both");

        scheduler.advance(Duration.ofSeconds(10));
        assertThat(ran).as("the cancelled run does not run too").containsExactly("force:both");
    }

    @Test
    void close_cancelsScheduledRuns_andLaterTriggersDoNothing() throws Exception {
        body((k, p) -> null);
        runs.trigger("a", Duration.ofMillis(100), false);
        runs.close();
        runs.trigger("b", Duration.ZERO, false);
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(ran).isEmpty();
        assertThat(runs.busy()).isFalse();
        assertThat(runs.awaitIdle(Duration.ofSeconds(1))).isTrue();
    }
}
