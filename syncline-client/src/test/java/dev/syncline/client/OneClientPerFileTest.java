package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.TrackFlow.AudioTrack;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second client on a file that is open already shares the first one's client id and clock; it
 * is refused, in this process and from another one, until the first closes or its process dies.
 */
class OneClientPerFileTest {
    @TempDir
    Path dir;
    TestClock clock = new TestClock();

    @Test
    void secondClientInTheSameProcess_isRefusedNamingTheFile_untilTheFirstCloses() {
        Path db = dir.resolve("one.db");
        SyncClient first = TrackFlow.open(db, clock);
        String id = first.clientId();
        assertThatThrownBy(() -> TrackFlow.open(db, clock))
                .isInstanceOf(DatabaseInUseException.class)
                .hasMessageContaining(db.toAbsolutePath().toString())
                .hasMessageContaining("already open in another SyncClient in this process")
                .satisfies(e -> assertThat(((DatabaseInUseException) e).file()).isEqualTo(db.toAbsolutePath()));
        // The refusal touched nothing: the first client goes on working.
        first.repository(AudioTrack.class).save(new AudioTrack("t1", "team-1", "p1", "a", 1));
        first.close();
        try (SyncClient again = TrackFlow.open(db, clock)) {
            assertThat(again.clientId()).isEqualTo(id);
            assertThat(again.repository(AudioTrack.class).get("team-1", "t1")).isPresent();
        }
    }

    @Test
    void sameFileThroughAnotherPath_isRefusedToo() throws Exception {
        Path db = dir.resolve("one.db");
        Files.createDirectories(dir.resolve("sub"));
        Path other = dir.resolve("sub").resolve("..").resolve("one.db");
        try (SyncClient first = TrackFlow.open(db, clock)) {
            assertThatThrownBy(() -> TrackFlow.open(other, clock)).isInstanceOf(DatabaseInUseException.class);
        }
    }

    @Test
    void manyThreadsOpeningAtOnce_exactlyOneWins_andTheOthersAreRefusedCleanly() throws Exception {
        Path db = dir.resolve("race.db");
        int n = 6;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<SyncClient>> opens = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                opens.add(pool.submit(() -> {
                    go.await();
                    try {
                        return TrackFlow.open(db, clock);
                    } catch (DatabaseInUseException e) {
                        return null;
                    }
                }));
            }
            go.countDown();
            List<SyncClient> won = new ArrayList<>();
            for (Future<SyncClient> f : opens) {
                SyncClient c = f.get(60, TimeUnit.SECONDS);
                if (c != null) {
                    won.add(c);
                }
            }
            assertThat(won).hasSize(1);
            won.get(0).close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fileOpenInAnotherProcess_isRefusedWithAClearMessage_andOpensOnceThatProcessIsKilled() throws Exception {
        Path db = dir.resolve("shared.db");
        Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"), "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", FileHolder.class.getName(), db.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine(); // blocks until the child holds the file
            assertThat(line).as("child started").startsWith("ready ");
            String childClientId = line.substring("ready ".length());

            assertThatThrownBy(() -> TrackFlow.open(db, clock))
                    .isInstanceOf(DatabaseInUseException.class)
                    .hasMessageContaining(db.toAbsolutePath().toString())
                    .hasMessageContaining("is open in another SyncClient (process " + child.pid() + ")");

            child.destroyForcibly(); // SIGKILL: no close, no cleanup; the OS drops the lock
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            try (SyncClient client = TrackFlow.open(db, clock)) {
                assertThat(client.clientId()).isEqualTo(childClientId);
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void closedClient_releasesTheFile_forAnotherProcess() throws Exception {
        Path db = dir.resolve("handover.db");
        TrackFlow.open(db, clock).close();
        Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"), "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", FileHolder.class.getName(), db.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).startsWith("ready ");
            child.getOutputStream().close(); // the child closes its client and exits
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
            TrackFlow.open(db, clock).close();
        } finally {
            child.destroyForcibly();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
