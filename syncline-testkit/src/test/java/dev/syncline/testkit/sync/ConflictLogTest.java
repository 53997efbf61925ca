package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What a person reads in the log about a conflict: one line per event, not one per sync step. */
class ConflictLogTest {
    private final Logger conflicts = (Logger) LoggerFactory.getLogger("dev.syncline.client.internal.sync.Conflicts");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Level level;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        level = conflicts.getLevel();
        conflicts.setLevel(Level.INFO); // the level a person runs at (the test config may be quieter)
        lines.start();
        conflicts.addAppender(lines);
    }

    @AfterEach
    void release() {
        conflicts.detachAppender(lines);
        conflicts.setLevel(level);
    }

    @Test
    void aManualConflictMetByPushAndThenByPull_isLoggedOnceAsWaitingForAPerson() throws Exception {
        try (Loopback net = new Loopback(dir);
             SyncClient laptop = net.client("laptop", b -> b.token(Loopback.token("dev", "team-1"))
                     .conflictStrategy("comment", ConflictResolutionStrategy.MANUAL));
             SyncClient phone = net.client("phone", b -> b.token(Loopback.token("dev", "team-1"))
                     .conflictStrategy("comment", ConflictResolutionStrategy.MANUAL))) {
            laptop.documents().put("team-1", "comment", "c-1", Loopback.json("{\"text\":\"louder intro\"}"));
            laptop.sync();
            phone.sync();
            laptop.documents().put("team-1", "comment", "c-1", Loopback.json("{\"text\":\"shorter\"}"));
            phone.documents().put("team-1", "comment", "c-1", Loopback.json("{\"text\":\"longer\"}"));
            laptop.sync();

            SyncReport report = phone.sync(); // its push meets the laptop's edit, then its pull brings that edit

            assertThat(report.outcome()).isEqualTo(SyncReport.Outcome.OPEN_CONFLICTS);
            assertThat(phone.conflicts().openConflicts()).hasSize(1);
            assertThat(lines.list).filteredOn(e -> e.getFormattedMessage().contains("waits for a person"))
                    .as("one conflict, one line").hasSize(1);
        }
    }
}
