package dev.syncline.client;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A first run says nothing at INFO that a person would have to read: a new file is created in one
 * DEBUG line (not one INFO line per schema step it never had), and closing a client whose
 * background sync never started does not announce that it stopped.
 */
class QuietFirstRunTest {
    @TempDir
    Path dir;

    @Test
    void newFileAndCloseWithoutBackgroundSync_logNothingAtInfo() {
        Logger syncline = (Logger) LoggerFactory.getLogger("dev.syncline");
        Level before = syncline.getLevel();
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        syncline.addAppender(seen);
        syncline.setLevel(Level.INFO);
        try {
            try (SyncClient client = SyncClient.builder().database(dir.resolve("first.db")).register(TrackFlow.TRACKS)
                    .serverUrl("http://127.0.0.1:9").token("t").build()) {
                client.repository(TrackFlow.AudioTrack.class)
                        .save(new TrackFlow.AudioTrack("t1", "team-1", "p1", "Intro", 1000));
            }
        } finally {
            syncline.detachAppender(seen);
            syncline.setLevel(before);
        }
        List<String> lines = seen.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        assertThat(lines).isEmpty();
    }
}
