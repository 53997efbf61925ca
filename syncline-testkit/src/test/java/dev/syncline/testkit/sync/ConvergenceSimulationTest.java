package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.ConflictResolutionService.SettledConflict;
import dev.syncline.client.Document;
import dev.syncline.client.Durability;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.Json;
import dev.syncline.core.merge.FieldRules;
import dev.syncline.core.merge.ThreeWayMerge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Convergence, as a seeded randomized simulation: several replicas write at random (puts, patches,
 * deletes) on a few shared documents of two types with different policies, go offline for a while,
 * restart, and sync in random order. At the end everyone syncs until quiet; then every replica
 * must equal the server, and every tag any replica wrote must be in the server's document or on
 * record in a settled conflict (or its document was deleted at some point). Each seed is a
 * separate scope on one server; a failure names its seed, and {@code -Dsim.seed=N} replays it.
 */
class ConvergenceSimulationTest {
    static final int SEEDS = Integer.getInteger("sim.seeds", 200);
    static final int CLIENTS = 3;
    static final int STEPS = 30;
    static final String[] TYPES = {"note", "task"};

    @TempDir
    static Path dir;
    static Loopback net;
    static long settledTotal;
    static long restartsTotal;

    @BeforeAll
    static void start() {
        net = new Loopback(dir);
    }

    @AfterAll
    static void stop() {
        net.close();
    }

    @Test
    void replicasConverge_andNoWriteIsLost_acrossSeeds() {
        String only = System.getProperty("sim.seed");
        long first = only != null ? Long.parseLong(only) : 1;
        long count = only != null ? 1 : SEEDS;
        settledTotal = 0;
        restartsTotal = 0;
        for (long seed = first; seed < first + count; seed++) {
            try {
                runSeed(seed);
            } catch (Throwable t) {
                throw new AssertionError("convergence simulation failed for seed " + seed
                        + " (replay with -Dsim.seed=" + seed + "): " + t.getMessage(), t);
            }
        }
        System.out.printf("convergence: %d seeds, %d conflicts settled, %d restarts%n", count, settledTotal, restartsTotal);
        if (count >= 20) {
            // The simulation must actually exercise conflicts and restarts, or it proves little.
            assertThat(settledTotal).isPositive();
            assertThat(restartsTotal).isPositive();
        }
    }

    private SyncClient open(long seed, int i) {
        String scope = "sim-" + seed;
        return net.client("seed" + seed + "-c" + i, b -> b.token(Loopback.token("u" + i, scope))
                .durability(Durability.NORMAL)
                .conflictStrategy("note", ConflictResolutionStrategy.MERGE)
                .mergeRules("note", ThreeWayMerge.builder().rule("tags", FieldRules.setUnion()).build())
                .conflictStrategy("task", ConflictResolutionStrategy.USE_LATEST));
    }

    private void runSeed(long seed) {
        Random rnd = new Random(seed);
        String scope = "sim-" + seed;
        SyncClient[] clients = new SyncClient[CLIENTS];
        int[] offlineFor = new int[CLIENTS];
        Map<String, Set<String>> written = new HashMap<>(); // doc key -> tags written
        Set<String> deletedEver = new HashSet<>();
        int tagNo = 0;
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = open(seed, i);
            }
            for (int step = 0; step < STEPS; step++) {
                int c = rnd.nextInt(CLIENTS);
                SyncClient cl = clients[c];
                int action = rnd.nextInt(100);
                if (action < 55) {
                    String type = TYPES[rnd.nextInt(TYPES.length)];
                    String id = "d" + rnd.nextInt(4);
                    String key = type + "/" + id;
                    Optional<Document<ObjectNode>> cur = cl.documents().get(scope, type, id).filter(d -> !d.deleted());
                    if (cur.isPresent() && rnd.nextInt(10) == 0) {
                        cl.documents().delete(scope, type, id);
                        deletedEver.add(key);
                    } else {
                        String tag = "c" + c + "-" + (tagNo++);
                        ObjectNode data = cur.map(d -> d.value().deepCopy()).orElseGet(() -> Json.mapper().createObjectNode());
                        ArrayNode tags = data.has("tags") ? (ArrayNode) data.get("tags") : data.putArray("tags");
                        tags.add(tag);
                        data.put("last", tag);
                        if (cur.isPresent() && rnd.nextBoolean()) {
                            ObjectNode patch = Json.mapper().createObjectNode();
                            patch.set("tags", tags);
                            patch.put("last", tag);
                            cl.documents().patch(scope, type, id, patch);
                        } else {
                            cl.documents().put(scope, type, id, data);
                        }
                        written.computeIfAbsent(key, k -> new HashSet<>()).add(tag);
                    }
                } else if (action < 85) {
                    if (offlineFor[c] > 0) {
                        offlineFor[c]--;
                    } else {
                        SyncReport r = cl.sync(Duration.ofSeconds(10));
                        assertThat(r.outcome()).as("sync of c%d at step %d: %s", c, step, r.error())
                                .isIn(SyncReport.Outcome.CAUGHT_UP, SyncReport.Outcome.OPEN_CONFLICTS);
                    }
                } else if (action < 93) {
                    offlineFor[c] = 1 + rnd.nextInt(4);
                } else {
                    restartsTotal++;
                    cl.close(); // restart: everything must survive in the file
                    clients[c] = open(seed, c);
                }
            }
            settle(clients);
            try (SyncClient server = net.client("seed" + seed + "-server", b -> b.token(Loopback.token("view", scope))
                    .durability(Durability.NORMAL))) {
                assertThat(server.sync().outcome()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                Map<String, JsonNode> truth = Loopback.liveInScope(server, scope, TYPES);
                for (int i = 0; i < CLIENTS; i++) {
                    assertThat(Loopback.liveInScope(clients[i], scope, TYPES)).as("replica c%d equals the server", i).isEqualTo(truth);
                    assertThat(clients[i].pendingOperations().getPendingOperationsCount()).isZero();
                    assertThat(clients[i].status().failedCount()).isZero();
                }
                Set<String> onRecord = new HashSet<>();
                for (SyncClient cl : clients) {
                    settledTotal += cl.conflicts().settledConflicts().size();
                    for (SettledConflict sc : cl.conflicts().settledConflicts()) {
                        collectTags(sc.local(), onRecord);
                        collectTags(sc.remote(), onRecord);
                    }
                }
                for (Map.Entry<String, Set<String>> e : written.entrySet()) {
                    if (deletedEver.contains(e.getKey())) {
                        continue;
                    }
                    Set<String> present = new HashSet<>();
                    collectTags(truth.get(e.getKey()), present);
                    for (String tag : e.getValue()) {
                        assertThat(present.contains(tag) || onRecord.contains(tag))
                                .as("tag %s of %s is on the server or in a settled conflict", tag, e.getKey()).isTrue();
                    }
                }
            }
        } finally {
            for (SyncClient cl : clients) {
                if (cl != null) {
                    cl.close();
                }
            }
        }
    }

    private static void settle(SyncClient[] clients) {
        for (int round = 0; round < 10; round++) {
            boolean quiet = true;
            for (SyncClient cl : clients) {
                SyncReport r = cl.sync(Duration.ofSeconds(10));
                assertThat(r.outcome()).as(r.error() == null ? "settle" : r.error()).isEqualTo(SyncReport.Outcome.CAUGHT_UP);
                if (r.pushed() > 0 || r.pulled() > 0 || r.conflictsSettled() > 0) {
                    quiet = false;
                }
            }
            if (quiet) {
                return;
            }
        }
        throw new AssertionError("replicas did not settle in 10 rounds");
    }

    private static void collectTags(JsonNode doc, Set<String> into) {
        if (doc != null && doc.has("tags")) {
            doc.get("tags").forEach(t -> into.add(t.asText()));
        }
    }
}
