package dev.syncline.bench;

import dev.syncline.bench.BenchDomain.AudioTrack;
import dev.syncline.client.Document;
import dev.syncline.client.Durability;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code Repository.save} of a ~200-byte entity with its outbox operation, one transaction per
 * call, side by side with a bare SQLite insert of the same JSON under the same durability
 * settings (WAL, the same {@code synchronous} level, one transaction per insert).
 *
 * <p>Run with {@code -bm sample} for median and p99, {@code -bm thrpt} for throughput.
 */
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SaveBenchmark {

    /** A fresh replica per trial. */
    @State(Scope.Benchmark)
    public static class Replica {
        /** {@code synchronous} level: FULL or NORMAL. */
        @Param({"FULL", "NORMAL"})
        public String durability;

        Path dir;
        SyncClient client;
        Repository<AudioTrack> tracks;
        long n;

        /** Opens a fresh replica. */
        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("syncline-bench-save");
            client = SyncClient.builder().database(dir.resolve("replica.db")).durability(Durability.valueOf(durability))
                    .register(BenchDomain.TRACKS).build();
            tracks = client.repository(AudioTrack.class);
        }

        /** Closes and deletes the replica. */
        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
            delete(dir);
        }
    }

    /** A bare table in a fresh file with the same pragmas. */
    @State(Scope.Benchmark)
    public static class Bare {
        /** {@code synchronous} level: FULL or NORMAL. */
        @Param({"FULL", "NORMAL"})
        public String durability;

        Path dir;
        Connection c;
        PreparedStatement insert;
        long n;

        /** Creates the bare table with the same pragmas. */
        @Setup(Level.Trial)
        public void open() throws IOException, SQLException {
            dir = Files.createTempDirectory("syncline-bench-bare");
            c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bare.db"));
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("PRAGMA synchronous = " + durability);
                st.execute("CREATE TABLE docs (scope TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, data TEXT,"
                        + " PRIMARY KEY (scope, type, id))");
            }
            insert = c.prepareStatement("INSERT INTO docs (scope, type, id, data) VALUES (?, ?, ?, ?)");
        }

        /** Closes and deletes the file. */
        @TearDown(Level.Trial)
        public void close() throws IOException, SQLException {
            insert.close();
            c.close();
            delete(dir);
        }
    }

    /** @return the saved document (one transaction: document, metadata, outbox operation) */
    @Benchmark
    public Document<AudioTrack> save(Replica r) {
        return r.tracks.save(BenchDomain.track(r.n++, 1000));
    }

    /** @return rows inserted (one autocommit transaction, no outbox, no metadata) */
    @Benchmark
    public int bareInsert(Bare b) throws SQLException {
        AudioTrack t = BenchDomain.track(b.n++, 1000);
        b.insert.setString(1, t.teamId());
        b.insert.setString(2, "audio_track");
        b.insert.setString(3, t.id());
        b.insert.setString(4, Json.write(t));
        return b.insert.executeUpdate(); // autocommit: one transaction per insert
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
