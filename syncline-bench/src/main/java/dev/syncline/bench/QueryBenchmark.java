package dev.syncline.bench;

import dev.syncline.bench.BenchDomain.AudioTrack;
import dev.syncline.client.Query;
import dev.syncline.client.Repository;
import dev.syncline.client.SyncClient;
import dev.syncline.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Query by a declared field ({@code projectId}) in a replica of 1,000,000 audio tracks spread
 * over 10,000 projects (100 tracks each), returning typed entities. The store is built once into
 * {@code syncline.bench.dir} (default {@code target/bench-data}) and reused across runs.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class QueryBenchmark {
    /** Documents in the store. */
    @Param({"1000000"})
    public int docs;

    static final int PROJECTS = 10_000;

    SyncClient client;
    Repository<AudioTrack> tracks;
    final SplittableRandom random = new SplittableRandom(7);

    /** Opens the store, building it first when absent. */
    @Setup(Level.Trial)
    public void open() throws Exception {
        Path dir = Path.of(System.getProperty("syncline.bench.dir", "target/bench-data"));
        Files.createDirectories(dir);
        Path file = dir.resolve("replica-" + docs + ".db");
        if (!Files.exists(file)) {
            fill(file);
        }
        client = SyncClient.builder().database(file).register(BenchDomain.QUERIED_TRACKS).build();
        tracks = client.repository(AudioTrack.class);
    }

    /**
     * Fills the store in one transaction straight through JDBC (a million one-transaction saves
     * would take the benchmark's whole budget); the rows are what {@code save} writes, synced.
     */
    private void fill(Path file) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (SyncClient c = SyncClient.builder().database(tmp).register(BenchDomain.QUERIED_TRACKS).build()) {
            c.pendingOperations(); // creates the schema and the projectId index
        }
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp); Statement st = c.createStatement()) {
            st.execute("PRAGMA synchronous = OFF");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO documents (scope, type, id, data, deleted, version,"
                    + " last_modified, last_sync_time, needs_sync, sync_status, retry_count)"
                    + " VALUES (?, 'audio_track', ?, ?, 0, 1, ?, 0, 0, 'synced', 0)")) {
                for (long n = 0; n < docs; n++) {
                    AudioTrack t = BenchDomain.track(n, PROJECTS);
                    ps.setString(1, t.teamId());
                    ps.setString(2, t.id());
                    ps.setString(3, Json.write(t));
                    ps.setString(4, String.format("%013d-0000-bench", 1_700_000_000_000L + n));
                    ps.executeUpdate();
                }
            }
            c.commit();
            c.setAutoCommit(true);
            st.execute("ANALYZE");
        }
        Files.move(tmp, file);
        System.err.printf("filled %,d documents in %.1f s%n", docs, (System.nanoTime() - t0) / 1e9);
    }

    /** Closes the client. */
    @TearDown(Level.Trial)
    public void close() {
        client.close();
    }

    /** @return the 100 tracks of a random project */
    @Benchmark
    public List<AudioTrack> queryByProject() {
        return tracks.query(Query.where("projectId", "project-" + random.nextInt(PROJECTS)));
    }

    /** @return the first 20 tracks by title of a random project */
    @Benchmark
    public List<AudioTrack> queryByProjectFirst20ByTitle() {
        return tracks.query(Query.where("projectId", "project-" + random.nextInt(PROJECTS)).orderBy("title").limit(20));
    }
}
