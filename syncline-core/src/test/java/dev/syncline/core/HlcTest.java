package dev.syncline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HlcTest {
    /** A clock whose millis the test sets. */
    static final class ManualClock extends Clock {
        final AtomicLong millis = new AtomicLong();

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    @Test
    void stringForm_roundTrips() {
        Hlc h = new Hlc(1_764_072_000_123L, 42, "node-1");
        assertThat(h.toString()).isEqualTo("1764072000123-002a-node-1");
        assertThat(Hlc.parse(h.toString())).isEqualTo(h);
    }

    @Test
    void stringOrder_equalsStampOrder() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            // Small ranges too, so equal walls and counters come up often.
            long w1 = i % 2 == 0 ? r.nextInt(3) : (long) (r.nextDouble() * 9_999_999_999_999L);
            long w2 = i % 2 == 0 ? r.nextInt(3) : (long) (r.nextDouble() * 9_999_999_999_999L);
            Hlc a = new Hlc(w1, r.nextInt(i % 3 == 0 ? 2 : 0x10000), "a");
            Hlc b = new Hlc(w2, r.nextInt(i % 3 == 0 ? 2 : 0x10000), r.nextBoolean() ? "a" : "b");
            assertThat(Integer.signum(a.toString().compareTo(b.toString())))
                    .as("seed %d: %s vs %s", seed, a, b).isEqualTo(Integer.signum(a.compareTo(b)));
        }
    }

    @Test
    void parse_acceptsTheLongestNodeAndEveryNodeCharacter() {
        String node = "aZ09_.-" + "x".repeat(57);
        assertThat(Hlc.parse("0000000000000-ffff-" + node)).isEqualTo(new Hlc(0, 0xffff, node));
        assertThat(Hlc.parse("9999999999999-0000-a").toString()).isEqualTo("9999999999999-0000-a");
    }

    @Test
    void parse_rejectsMalformedStamps() {
        for (String bad : new String[] {null, "", "123", "1764072000123-2a-n", "1764072000123-002a-", "x-y-z",
                "1764072000123-002A-n", "1764072000123-002a-bad node", "+764072000123-002a-n",
                "1764072000123-00\uff12a-n", "\u0661764072000123-002a-n", "1764072000123-002a-" + "n".repeat(65),
                "17640720001230-002a-n", "1764072000123_002a-n"}) {
            assertThatThrownBy(() -> Hlc.parse(bad)).as(String.valueOf(bad)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("HLC");
            assertThat(Hlc.isValid(bad)).isFalse();
        }
    }

    @Test
    void constructor_namesTheBadComponent() {
        assertThatThrownBy(() -> new Hlc(-1, 0, "n")).hasMessageContaining("wall");
        assertThatThrownBy(() -> new Hlc(0, 70_000, "n")).hasMessageContaining("counter");
        assertThatThrownBy(() -> new Hlc(0, 0, "a b")).hasMessageContaining("node");
    }

    @Test
    void clock_isMonotonicWhenWallTimeStandsStillOrGoesBack() {
        ManualClock wall = new ManualClock();
        wall.millis.set(1000);
        HlcClock clock = new HlcClock(wall, "n");
        List<Hlc> stamps = new ArrayList<>();
        stamps.add(clock.now());
        stamps.add(clock.now());
        wall.millis.set(500);
        stamps.add(clock.now());
        wall.millis.set(2000);
        stamps.add(clock.now());
        assertThat(stamps).isSorted().doesNotHaveDuplicates();
        assertThat(stamps.get(3)).isEqualTo(new Hlc(2000, 0, "n"));
        assertThat(stamps.get(2)).isEqualTo(new Hlc(1000, 2, "n"));
    }

    @Test
    void clock_afterObservingARemoteStamp_issuesLaterStamps() {
        ManualClock wall = new ManualClock();
        wall.millis.set(1000);
        HlcClock clock = new HlcClock(wall, "a");
        Hlc remote = new Hlc(5000, 7, "b");
        Hlc merged = clock.observe(remote);
        assertThat(merged).isGreaterThan(remote);
        assertThat(clock.now()).isGreaterThan(merged);
    }

    @Test
    void clock_counterOverflow_borrowsTheNextMillisecond() {
        ManualClock wall = new ManualClock();
        wall.millis.set(1000);
        HlcClock clock = new HlcClock(wall, "a");
        Hlc last = null;
        for (int i = 0; i <= 0xFFFF; i++) {
            last = clock.now();
        }
        assertThat(last).isEqualTo(new Hlc(1000, 0xFFFF, "a"));
        assertThat(clock.now()).isEqualTo(new Hlc(1001, 0, "a"));
    }

    @Test
    void restoredClock_neverGoesBelowItsLastStamp() {
        ManualClock wall = new ManualClock();
        wall.millis.set(10);
        Hlc last = new Hlc(9_000, 3, "a");
        assertThat(new HlcClock(wall, "a", last).now()).isGreaterThan(last);
    }

    @Test
    void restoredClock_withWallClockUnchanged_staysAtItsLastStampInsteadOfRunningAhead() {
        ManualClock wall = new ManualClock();
        wall.millis.set(10_000);
        Hlc last = new Hlc(10_000, 3, "a");
        Hlc next = new HlcClock(wall, "a", last, java.time.Duration.ofMinutes(1)).now();
        assertThat(next).isGreaterThan(last);
        assertThat(next.wallMillis()).isLessThanOrEqualTo(wall.millis());
        assertThat(new HlcClock(wall, "a", last, null).last()).isEqualTo(last);
    }

    @Test
    void observe_stampFurtherAheadThanMaxDrift_isNotAdopted() {
        ManualClock wall = new ManualClock();
        wall.millis.set(1_000_000);
        HlcClock clock = new HlcClock(wall, "a", null, java.time.Duration.ofSeconds(60));
        Hlc hoursAhead = new Hlc(1_000_000 + 3 * 3_600_000L, 0, "fast");
        assertThat(clock.isTooFarAhead(hoursAhead)).isTrue();
        Hlc merged = clock.observe(hoursAhead);
        assertThat(merged.wallMillis()).isEqualTo(1_000_000);
        assertThat(clock.now().wallMillis()).isEqualTo(1_000_000);
        assertThat(clock.last().wallMillis()).isEqualTo(1_000_000);
    }

    @Test
    void observe_stampWithinMaxDrift_isAdopted() {
        ManualClock wall = new ManualClock();
        wall.millis.set(1_000_000);
        HlcClock clock = new HlcClock(wall, "a", null, java.time.Duration.ofSeconds(60));
        Hlc slightlyAhead = new Hlc(1_000_000 + 59_000, 4, "b");
        assertThat(clock.isTooFarAhead(slightlyAhead)).isFalse();
        assertThat(clock.observe(slightlyAhead)).isGreaterThan(slightlyAhead);
        assertThat(clock.now()).isGreaterThan(slightlyAhead);
    }

    @Test
    void clockWithoutDriftLimit_adoptsAnyStamp() {
        ManualClock wall = new ManualClock();
        wall.millis.set(1000);
        HlcClock clock = new HlcClock(wall, "a");
        Hlc far = new Hlc(1000 + 3 * 3_600_000L, 0, "b");
        assertThat(clock.observe(far)).isGreaterThan(far);
    }

    @Test
    void negativeMaxDrift_isRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new HlcClock(Clock.systemUTC(), "a", null, java.time.Duration.ofMillis(-1)))
                .hasMessageContaining("maxClockDrift");
    }
}
