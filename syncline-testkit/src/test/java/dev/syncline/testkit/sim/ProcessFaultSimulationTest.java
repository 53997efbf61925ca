package dev.syncline.testkit.sim;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeded fault simulation with real processes, so SIGKILL is real: the server and each
 * replica's batches run in child JVMs (see {@link ProcessRun}). CI runs two seeds on the embedded
 * store and one on PostgreSQL (child JVMs are slow to start, and the in-process simulation covers
 * both stores at length); {@code -Dsyncline.sim.seeds=N} runs more, {@code -Dsyncline.sim.seed=N}
 * replays one.
 */
class ProcessFaultSimulationTest {
    /** Seeds CI runs per store when {@code -Dsyncline.sim.seeds} is not given (a seed takes 15-30 s). */
    static final int CI_SEEDS_EMBEDDED = Integer.getInteger("syncline.sim.ciProcessSeeds", 2);
    static final int CI_SEEDS_POSTGRES = Integer.getInteger("syncline.sim.ciProcessSeeds", 1);

    @TempDir
    Path dir;

    @Test
    void replicasKeepEveryGuarantee_whenClientAndServerProcessesAreSigkilled_onTheEmbeddedStore() {
        try (SimServer server = new ChildProcesses.Server(dir.resolve("server"), null, dir.resolve("server.log"))) {
            SeedRunner.run("processes embedded", getClass().getSimpleName()
                    + "#replicasKeepEveryGuarantee_whenClientAndServerProcessesAreSigkilled_onTheEmbeddedStore", CI_SEEDS_EMBEDDED,
                    seed -> new ProcessRun(seed, server, dir.resolve("seed-" + seed)).run());
        }
    }

    @Test
    void replicasKeepEveryGuarantee_whenClientAndServerProcessesAreSigkilled_onPostgres() throws Exception {
        try (TestPostgres db = TestPostgres.create();
             SimServer server = new ChildProcesses.Server(null, db.url(), dir.resolve("server.log"))) {
            SeedRunner.run("processes postgres", getClass().getSimpleName()
                    + "#replicasKeepEveryGuarantee_whenClientAndServerProcessesAreSigkilled_onPostgres", CI_SEEDS_POSTGRES,
                    seed -> new ProcessRun(seed, server, dir.resolve("seed-" + seed)).run());
        }
    }
}
