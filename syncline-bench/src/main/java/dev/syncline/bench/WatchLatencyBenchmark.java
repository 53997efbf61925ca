package dev.syncline.bench;

import dev.syncline.bench.BenchDomain.AudioTrack;
import dev.syncline.client.Durability;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A watcher's delay from commit to notification: each operation saves a new version of a watched
 * entity and waits until the subscriber has it. JMH's score is save plus delivery; the delay
 * itself (from {@code save} returning, i.e. just after the commit, to {@code onNext}) is recorded
 * per operation and printed as percentiles at the end of the trial ({@code watch delay} lines): a
 * lower bound measured from {@code save} returning (negative when the subscriber had the value
 * before {@code save} got back to its caller) and an upper bound measured from {@code save} being
 * called. The commit happens between the two.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class WatchLatencyBenchmark {
    Path dir;
    SyncClient client;
    Repository<AudioTrack> tracks;
    volatile long seenAt;
    volatile int seenDuration = -1;
    long[] delays = new long[1 << 22];
    long[] totals = new long[1 << 22];
    int count;
    int n;

    /** Opens a replica and subscribes one watcher. */
    @Setup(Level.Trial)
    public void open() throws Exception {
        dir = Files.createTempDirectory("syncline-bench-watch");
        client = SyncClient.builder().database(dir.resolve("replica.db")).durability(Durability.NORMAL)
                .register(BenchDomain.TRACKS).build();
        tracks = client.repository(AudioTrack.class);
        tracks.watch("team-1", "track-0", t -> {
            long now = System.nanoTime();
            t.ifPresent(track -> {
                seenAt = now;
                seenDuration = track.durationMs();
            });
        });
    }

    /** Closes the replica and prints the delay percentiles. */
    @TearDown(Level.Trial)
    public void close() throws Exception {
        client.close();
        SaveBenchmark.delete(dir);
        // The commit happens inside save(): the delay from commit to onNext lies between these two.
        print("watch delay, lower bound (save returned -> onNext)", delays);
        print("watch delay, upper bound (save called -> onNext)", totals);
    }

    private void print(String what, long[] all) {
        long[] d = Arrays.copyOf(all, Math.min(count, all.length));
        Arrays.sort(d);
        if (d.length > 0) {
            System.out.printf("%n%s, %d samples: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us%n", what,
                    d.length, d[d.length / 2] / 1e3, d[(int) (d.length * 0.9)] / 1e3, d[(int) (d.length * 0.99)] / 1e3,
                    d[d.length - 1] / 1e3);
        }
    }

    /** @return the delay from save returning to onNext, in nanoseconds */
    @Benchmark
    public long saveAndAwaitNotification() {
        int v = ++n;
        long called = System.nanoTime();
        tracks.save(new AudioTrack("track-0", "team-1", "project-0", "Take", v, "s3://x"));
        long saved = System.nanoTime();
        while (seenDuration != v) {
            Thread.onSpinWait();
        }
        long delay = seenAt - saved;
        if (count < delays.length) {
            delays[count] = delay; // may be negative: delivered before save() got back to the caller
            totals[count] = seenAt - called;
        }
        count++;
        return delay;
    }
}
