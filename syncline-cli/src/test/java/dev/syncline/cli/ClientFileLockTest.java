package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.client.SyncClient;
import dev.syncline.core.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code syncline client} commands started at the same moment on one file take turns: each
 * finishes or fails with one line on stderr (exit 1), and the file stays intact with every
 * successful write in it.
 */
class ClientFileLockTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    private static Run run(Path db, String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("client", "--db", db.toString()));
        all.addAll(List.of(args));
        return new Run(cmd.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void commandsStartedTogetherInThreads_allFinish_andEveryWriteIsInTheIntactFile() throws Exception {
        Path db = dir.resolve("shared.db");
        int n = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<Run>> runs = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String id = "p" + i;
                runs.add(pool.submit(() -> {
                    go.await();
                    return run(db, "--lock-wait", "60s", "put", "team-1", "project", id, "{\"name\":\"" + id + "\"}");
                }));
            }
            go.countDown();
            for (int i = 0; i < n; i++) {
                Run r = runs.get(i).get(120, TimeUnit.SECONDS);
                assertThat(r.exit()).as("put p%d: %s", i, r.err()).isZero();
                assertThat(Json.parse(r.out()).get("id").asText()).isEqualTo("p" + i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ids(db)).containsExactly("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7");
        assertThat(integrity(db)).isEqualTo("ok");
    }

    @Test
    void commandsStartedTogetherInChildProcesses_eachFinishesOrFailsWithOneLine_andTheFileIsIntact() throws Exception {
        Path db = dir.resolve("processes.db");
        int n = 4;
        List<Process> procs = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        List<Path> errs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path out = dir.resolve("p" + i + ".out");
            Path err = dir.resolve("p" + i + ".err");
            outs.add(out);
            errs.add(err);
            procs.add(CliProcess.builder(Map.of("SYNCLINE_LOG_LEVEL", "WARN"), "client", "--db", db.toString(), "put",
                    "team-1", "project", "p" + i, "{\"name\":\"p" + i + "\"}")
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start());
        }
        List<String> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Process p = procs.get(i);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("process %d finished", i).isTrue();
            String err = Files.readString(errs.get(i), StandardCharsets.UTF_8);
            if (p.exitValue() == 0) {
                JsonNode doc = Json.parse(Files.readString(outs.get(i), StandardCharsets.UTF_8));
                written.add(doc.get("id").asText());
            } else {
                // Only a wait longer than --lock-wait may fail, and it says so on one line.
                assertThat(p.exitValue()).as(err).isEqualTo(Main.EXIT_FAILURE);
                assertThat(err.strip().lines().toList()).as(err).hasSize(1);
                assertThat(err).startsWith("syncline: local store ").contains("is open in another SyncClient");
            }
        }
        assertThat(written).as("at least the first to get the file writes").isNotEmpty();
        assertThat(ids(db)).containsExactlyElementsOf(new TreeSet<>(written));
        assertThat(integrity(db)).isEqualTo("ok");
    }

    @Test
    void lockWaitZero_whileAnAppHasTheFileOpen_failsAtOnceWithOneLine_andChangesNothing() throws Exception {
        Path db = dir.resolve("held.db");
        try (SyncClient app = SyncClient.builder().database(db).build()) {
            Run r = run(db, "--lock-wait", "0s", "put", "team-1", "project", "p1", "{\"name\":\"x\"}");
            assertThat(r.exit()).isEqualTo(Main.EXIT_FAILURE);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().strip().lines().toList()).hasSize(1);
            assertThat(r.err()).startsWith("syncline: local store " + db.toAbsolutePath())
                    .contains("is already open in another SyncClient").contains("--lock-wait");
            assertThat(app.documents().get("team-1", "project", "p1")).isEmpty();
        }
        Run again = run(db, "--lock-wait", "0s", "put", "team-1", "project", "p1", "{\"name\":\"x\"}");
        assertThat(again.exit()).as(again.err()).isZero();
    }

    @Test
    void aCommandWaitingForTheFile_runsOnceTheHolderCloses() throws Exception {
        Path db = dir.resolve("handover.db");
        SyncClient app = SyncClient.builder().database(db).build();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Run> put = pool.submit(() -> run(db, "--lock-wait", "60s", "put", "team-1", "project", "p1",
                    "{\"name\":\"x\"}"));
            app.close(); // whether the command is already waiting or not yet started, it gets the file
            Run r = put.get(120, TimeUnit.SECONDS);
            assertThat(r.exit()).as(r.err()).isZero();
        } finally {
            app.close();
            pool.shutdownNow();
        }
        assertThat(ids(db)).containsExactly("p1");
    }

    @Test
    void help_tellsHowCommandsOnOneFileTakeTurns() {
        Run r = run(dir.resolve("x.db"), "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--lock-wait").contains("default 10s").contains("run one after another");
    }

    @Test
    void negativeLockWait_isBadUsage() {
        Run r = run(dir.resolve("x.db"), "--lock-wait", "-1s", "list", "team-1", "project");
        assertThat(r.exit()).as(r.err()).isIn(Main.EXIT_USAGE);
    }

    private static List<String> ids(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("SELECT id FROM documents ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static String integrity(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
