package dev.syncline.testkit.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.client.SyncClient;
import dev.syncline.core.Json;
import dev.syncline.testkit.FaultyProxy;
import dev.syncline.testkit.sim.History.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One seed of the fault simulation with real processes: the server is a child JVM
 * ({@link ServerChild}) killed with SIGKILL and restarted on its data, and each replica's work
 * runs in a child JVM ({@link ReplicaChild}) on the replica's own file, behind its own
 * {@link FaultyProxy}, with its clock skewed. Each round gives one replica a scripted batch of
 * writes, deletes and syncs, under a network fault chosen by the seed, and may SIGKILL it in the
 * middle of a sync or after any line, or SIGKILL the server while the replica syncs. The child
 * prints each acknowledged write before it goes on, so the history holds exactly what was
 * acknowledged; a write it began and never acknowledged is recorded as unacknowledged. After the
 * last round the network heals and the parent, with every child dead, opens each replica's file
 * to drain, settle and read the final state; then the {@link Checkers} judge.
 */
final class ProcessRun {
    static final Duration DRAIN_BOUND = Duration.ofSeconds(30);
    private static final long[] SKEWS_MS = {0, 3 * 3600_000L, -2 * 3600_000L, 90_000, -45_000, -7 * 3600_000L};
    private static final String[] SHARED = {"reg/k0", "reg/k1", "reg/k2"};

    private final long seed;
    private final Random rnd;
    private final SimServer server;
    private final Path dir;
    private final String scope;
    private final History h = new History();
    private final List<Rep> reps = new ArrayList<>();
    private final StringBuilder notes = new StringBuilder();
    private long syncs;
    private int tags;

    private final class Rep {
        final String name;
        final Path file;
        final long skewMs;
        final int batch;
        final FaultyProxy proxy;
        final List<String> own = new ArrayList<>();
        int next;
        String network = "PASS";

        Rep(int i) throws IOException {
            name = "r" + i;
            file = dir.resolve(name + ".db");
            long skew = SKEWS_MS[rnd.nextInt(SKEWS_MS.length)];
            skewMs = Sim.enabled("skew") ? skew : 0;
            batch = 1 + rnd.nextInt(4);
            proxy = new FaultyProxy(server.port());
        }
    }

    /** When to SIGKILL during a round. */
    private record KillPlan(int duringSyncAfterRequests, int afterLines, boolean serverDuringSync) {
        static final KillPlan NONE = new KillPlan(0, 0, false);
    }

    ProcessRun(long seed, SimServer server, Path dir) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.server = server;
        this.dir = dir;
        this.scope = "psim-" + seed;
    }

    SeedRunner.Result run() {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < 3; i++) {
                reps.add(new Rep(i));
            }
            int rounds = 6 + rnd.nextInt(4);
            for (int round = 0; round < rounds; round++) {
                if (rnd.nextInt(100) < 8 && Sim.enabled("server-restarts")) {
                    h.fault("server-sigkill", server.store());
                    restartServer();
                }
                round(reps.get(rnd.nextInt(reps.size())));
            }
            for (Rep r : reps) {
                heal(r);
            }
            Map<String, SyncClient> clients = new LinkedHashMap<>();
            try {
                for (Rep r : reps) {
                    clients.put(r.name, Sim.open(r.file, r.proxy.url(), r.name, scope,
                            Clock.offset(Clock.systemUTC(), Duration.ofMillis(r.skewMs)), r.batch, seed));
                }
                long d0 = System.nanoTime();
                syncs += Sim.drainAndSettle(h, clients, DRAIN_BOUND, notes);
                time("drain", d0);
                Map<String, FinalState.Replica> finals = new TreeMap<>();
                clients.forEach((name, c) -> {
                    Sim.readAll(h, name, c, scope);
                    finals.put(name, Sim.finalState(name, c, scope));
                });
                FinalState end = new FinalState(Sim.readServer(server.url(), scope), finals);
                for (Rep r : reps) {
                    r.proxy.faults().forEach((k, v) -> {
                        if (k == FaultyProxy.Fault.RESPONSE_DROPPED || k == FaultyProxy.Fault.RESPONSE_RESET
                                || k == FaultyProxy.Fault.REFUSED || k == FaultyProxy.Fault.BLACKHOLED
                                || k == FaultyProxy.Fault.TARGET_DOWN) {
                            h.countFaults("proxy:" + k.name().toLowerCase(Locale.ROOT), v);
                        }
                    });
                }
                List<Violation> violations = Checkers.check(Checkers.all(DRAIN_BOUND), h, end);
                return new SeedRunner.Result(seed, reps.size(), h.writes().size(),
                        h.writes().stream().filter(History.Write::acked).count(), syncs, h.faultCounts(), violations,
                        Duration.ofNanos(System.nanoTime() - t0), violations.isEmpty() ? null : explain(violations, end));
            } finally {
                clients.values().forEach(SyncClient::close);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            reps.forEach(r -> r.proxy.close());
            if (Boolean.getBoolean("syncline.sim.verbose")) {
                System.out.println("seed " + seed + " time by step (ms): " + timeByAction);
            }
        }
    }

    private String explain(List<Violation> violations, FinalState end) {
        StringBuilder sb = new StringBuilder(notes);
        violations.stream().map(Violation::doc).filter(java.util.Objects::nonNull).distinct().limit(3).forEach(doc -> {
            sb.append("history of ").append(doc).append(" (writes, reads, syncs, faults):\n").append(h.describe(doc));
            sb.append("server: ").append(end.server().get(doc)).append('\n');
            end.replicas().values().forEach(r -> r.conflicts().stream().filter(c -> c.doc().equals(doc))
                    .forEach(c -> sb.append(r.name()).append(" conflict: ").append(c).append('\n')));
        });
        sb.append("child logs: ").append(dir).append('\n');
        return sb.toString();
    }

    private String tag(Rep r) {
        return r.name + "." + (tags++);
    }

    private void round(Rep r) {
        List<String> script = new ArrayList<>();
        long retryMs = 0;
        if (rnd.nextInt(100) < 20 && Sim.enabled("lost-acks")) {
            // The lost-acknowledgement shape: push acks lost while pulls work, edit what was pushed, sync again.
            r.proxy.dropResponses("/v1/push");
            r.network = "DROP_RESPONSES /v1/push";
            h.fault("lost-push-acks", r.name + " (episode)");
            // A backoff longer than the first sync means the second sync pushes nothing and only
            // pulls: the server's copy of the replica's own applied create comes back while the
            // replica still has the create, and the edit or delete after it, queued.
            String doc = newDoc(r);
            script.add("put," + doc + "," + tag(r));
            script.add("sync,800");
            script.add(rnd.nextBoolean() ? "del," + doc : "put," + doc + "," + tag(r));
            script.add("sync,800");
            retryMs = 3000;
        } else {
            fault(r);
            for (int i = 0, n = 2 + rnd.nextInt(5); i < n; i++) {
                int x = rnd.nextInt(100);
                if (x < 30 || (x < 55 && r.own.isEmpty())) {
                    script.add("put," + newDoc(r) + "," + tag(r));
                } else if (x < 45) {
                    script.add("put," + r.own.get(rnd.nextInt(r.own.size())) + "," + tag(r));
                } else if (x < 55) {
                    script.add("del," + r.own.get(rnd.nextInt(r.own.size())));
                } else if (x < 75) {
                    script.add("put," + SHARED[rnd.nextInt(SHARED.length)] + "," + tag(r));
                } else if (x < 80) {
                    script.add("del," + SHARED[rnd.nextInt(SHARED.length)]);
                } else {
                    script.add("sync,1200");
                }
            }
            if (rnd.nextInt(10) < 6) {
                script.add("sync,1200");
            }
        }
        int k = rnd.nextInt(100);
        if (!Sim.enabled("kills") && k < 45) {
            k = 99; // the server may still be killed; the replica is not
        }
        if (!Sim.enabled("server-restarts") && k >= 45 && k < 55) {
            k = 99;
        }
        KillPlan plan = k < 30 ? new KillPlan(1 + rnd.nextInt(3), 0, false)
                : k < 45 ? new KillPlan(0, 1 + rnd.nextInt(12), false)
                : k < 55 ? new KillPlan(0, 0, true) : KillPlan.NONE;
        runChild(r, String.join(";", script), plan, retryMs);
    }

    private String newDoc(Rep r) {
        String doc = (rnd.nextBoolean() ? "uniq" : "note") + "/" + r.name + "-" + (r.next++);
        r.own.add(doc);
        return doc;
    }

    private void fault(Rep r) {
        int f = rnd.nextInt(12);
        if ((f <= 3 && !Sim.enabled("lost-acks")) || ((f == 4 || f == 5) && !Sim.enabled("partitions"))) {
            f = 8;
        }
        if (f == 8 || f == 9) {
            heal(r);
        } else if (f < 8) {
            r.network = Sim.breakLink(Sim.LinkFault.values()[Math.max(0, f - 1)], r.proxy, h, r.name, rnd);
        } // else the link stays as it was
    }

    private void heal(Rep r) {
        if (!r.network.equals("PASS")) {
            h.fault("healed", r.name + " from " + r.network);
        }
        r.proxy.heal();
        r.network = "PASS";
    }

    private final Map<String, Long> timeByAction = new TreeMap<>();

    private void time(String action, long since) {
        timeByAction.merge(action, (System.nanoTime() - since) / 1_000_000, Long::sum);
    }

    private void restartServer() {
        long t0 = System.nanoTime();
        server.restart();
        time("server-restart", t0);
        for (Rep r : reps) {
            r.proxy.retarget(server.port());
        }
    }

    /** Runs one scripted batch in a child JVM, recording what it printed, and kills it as planned. */
    private void runChild(Rep r, String script, KillPlan plan, long retryMs) {
        long t0 = System.nanoTime();
        try {
            runChild0(r, script, plan, retryMs);
        } finally {
            time("replica-child", t0);
        }
    }

    private void runChild0(Rep r, String script, KillPlan plan, long retryMs) {
        List<String> args = new ArrayList<>(List.of(r.file.toString(), r.proxy.url(), r.name, scope,
                String.valueOf(r.skewMs), String.valueOf(r.batch), String.valueOf(seed * 31 + r.name.hashCode()), script));
        if (retryMs > 0) {
            args.add(String.valueOf(retryMs));
        }
        ChildProcesses.Child c = ChildProcesses.start(ReplicaChild.class, dir.resolve(r.name + ".log"),
                args.toArray(String[]::new));
        JsonNode begun = null;
        boolean syncing = false;
        long requestsAtSync = 0;
        int lines = 0;
        boolean killed = false;
        boolean serverKilled = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            String line = c.next(10);
            if (line == null) {
                if (syncing && plan.duringSyncAfterRequests() > 0
                        && r.proxy.requests() >= requestsAtSync + plan.duringSyncAfterRequests()) {
                    c.kill();
                    killed = true;
                    h.fault("replica-sigkill-mid-sync", r.name + " after request " + plan.duringSyncAfterRequests());
                    syncs++;
                    h.sync(r.name, "KILLED", r.network, null);
                    syncing = false;
                } else if (syncing && plan.serverDuringSync() && !serverKilled && r.proxy.requests() > requestsAtSync) {
                    serverKilled = true;
                    h.fault("server-sigkill-mid-sync", server.store() + " while " + r.name + " syncs");
                    restartServer();
                } else if (System.nanoTime() > deadline) {
                    c.kill();
                    killed = true;
                    notes.append(r.name).append(": child ran over 90 s and was killed; script ").append(script).append('\n');
                }
                continue;
            }
            if (line.equals(ChildProcesses.EOF)) {
                break;
            }
            JsonNode ev;
            try {
                ev = Json.parse(line);
            } catch (RuntimeException e) {
                notes.append(r.name).append(" printed: ").append(line).append('\n');
                continue;
            }
            lines++;
            String doc = ev.path("doc").asText(null);
            switch (ev.path("ev").asText()) {
                case "begin" -> {
                    begun = ev;
                    h.read(r.name, doc, ev.path("prior").asText(null), ev.path("version").asLong());
                }
                case "ack" -> {
                    record(r, begun, true);
                    if (ev.hasNonNull("hlc")) {
                        h.stamp(r.name, doc, ev.get("hlc").asText(), ev.path("clock").asLong(), begun.path("seen").asText(null));
                    }
                    begun = null;
                }
                case "read" -> h.read(r.name, doc, ev.path("value").asText(null), ev.path("version").asLong());
                case "syncing" -> {
                    syncing = true;
                    requestsAtSync = r.proxy.requests();
                }
                case "sync" -> {
                    syncing = false;
                    syncs++;
                    h.sync(r.name, ev.path("outcome").asText(), r.network, ev.path("error").asText(null));
                }
                default -> {
                    // skip, done
                }
            }
            if (plan.afterLines() > 0 && lines == plan.afterLines() && !killed) {
                c.kill();
                killed = true;
                h.fault("replica-sigkill", r.name + " after line " + lines);
                if (syncing) {
                    syncs++;
                    h.sync(r.name, "KILLED", r.network, null);
                    syncing = false;
                }
            }
        }
        if (begun != null) {
            record(r, begun, false); // begun, never acknowledged: it may or may not be in the file
        }
        try {
            int exit = c.process().waitFor();
            if (!killed && exit != 0) {
                notes.append(r.name).append(": child exited ").append(exit).append(" on script ").append(script)
                        .append(" (see ").append(dir.resolve(r.name + ".log")).append(")\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void record(Rep r, JsonNode begun, boolean acked) {
        Kind kind = Kind.valueOf(begun.path("kind").asText());
        h.write(r.name, begun.path("doc").asText(), kind, kind == Kind.PUT ? begun.path("value").asText() : null,
                begun.path("prior").asText(null), acked);
    }
}
