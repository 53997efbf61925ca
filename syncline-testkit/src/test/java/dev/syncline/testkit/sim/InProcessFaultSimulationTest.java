package dev.syncline.testkit.sim;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeded fault simulation with replicas and server in this JVM, on each server store. CI runs
 * a few seeds per store; {@code -Dsyncline.sim.seeds=500} runs many, {@code -Dsyncline.sim.seed=N}
 * replays one (a failure prints the command). See {@link InProcessRun} for what a seed does.
 */
class InProcessFaultSimulationTest {
    static final int CI_SEEDS = Integer.getInteger("syncline.sim.ciSeeds", 12);

    @TempDir
    Path dir;

    @Test
    void replicasKeepEveryGuarantee_underNetworkFaultsCrashesAndSkewedClocks_onTheEmbeddedStore() {
        try (SimServer server = new SimServer.InProcess(dir.resolve("server"), null)) {
            SeedRunner.run("in-process embedded", getClass().getSimpleName()
                    + "#replicasKeepEveryGuarantee_underNetworkFaultsCrashesAndSkewedClocks_onTheEmbeddedStore", CI_SEEDS,
                    seed -> new InProcessRun(seed, server, dir.resolve("seed-" + seed)).run());
        }
    }

    @Test
    void replicasKeepEveryGuarantee_underNetworkFaultsCrashesAndSkewedClocks_onPostgres() throws Exception {
        try (TestPostgres db = TestPostgres.create(); SimServer server = new SimServer.InProcess(null, db.url())) {
            SeedRunner.run("in-process postgres", getClass().getSimpleName()
                    + "#replicasKeepEveryGuarantee_underNetworkFaultsCrashesAndSkewedClocks_onPostgres", CI_SEEDS,
                    seed -> new InProcessRun(seed, server, dir.resolve("seed-" + seed)).run());
        }
    }
}
