package dev.syncline.testkit.sim;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.Document;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.testkit.FaultyProxy;
import dev.syncline.testkit.sim.History.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One seed of the in-process fault simulation: 2 to 4 replicas (real {@link SyncClient}s, each on
 * its own SQLite file, each behind its own {@link FaultyProxy}, each with a wall clock skewed by
 * up to hours) and one real server on loopback. Seeded random steps: writes to the replica's own
 * documents and to shared registers, deletes, syncs, network faults (lost acknowledgements for
 * pushes only or for everything, responses reset midway, partitions as blackholes or refused
 * connections, delays, bandwidth limits, healing), syncs killed midway (the client closed while a
 * request is on the wire, then reopened on its file), replica restarts, and server restarts on
 * the same data (sometimes while a replica syncs). Then the network heals, every replica drains
 * and syncs until quiet, and the {@link Checkers} judge the history and the final state.
 *
 * <p>Not thread-safe; one run per instance. Timing is real, so a seed replays the same steps but
 * not always the same interleaving of a killed sync.
 */
final class InProcessRun {
    static final Duration DRAIN_BOUND = Duration.ofSeconds(30);
    private static final Duration[] SKEWS = {Duration.ZERO, Duration.ofHours(3), Duration.ofHours(-2),
        Duration.ofSeconds(90), Duration.ofSeconds(-45), Duration.ofHours(-7)};
    private static final String[] SHARED = {"reg/k0", "reg/k1", "reg/k2"};

    private final long seed;
    private final Random rnd;
    private final SimServer server;
    private final Path dir;
    private final String scope;
    private final History h = new History();
    private final List<Rep> reps = new ArrayList<>();
    private long syncs;
    private final StringBuilder notes = new StringBuilder();

    /** One replica: its file, clock, proxy and (while open) client. */
    private final class Rep {
        final String name;
        final Path file;
        final Clock clock;
        final int batch;
        final FaultyProxy proxy;
        SyncClient client;
        int next;
        String network = "PASS";

        Rep(int i) throws IOException {
            name = "r" + i;
            file = dir.resolve(name + ".db");
            Duration skew = SKEWS[rnd.nextInt(SKEWS.length)];
            clock = Clock.offset(Clock.systemUTC(), Sim.enabled("skew") ? skew : Duration.ZERO);
            batch = 1 + rnd.nextInt(4);
            proxy = new FaultyProxy(server.port());
            open();
        }

        void open() {
            client = Sim.open(file, proxy.url(), name, scope, clock, batch, seed * 31 + name.hashCode());
        }
    }

    InProcessRun(long seed, SimServer server, Path dir) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.server = server;
        this.dir = dir;
        this.scope = "sim-" + seed;
    }

    SeedRunner.Result run() {
        long t0 = System.nanoTime();
        try {
            int n = 2 + rnd.nextInt(3);
            for (int i = 0; i < n; i++) {
                reps.add(new Rep(i));
            }
            int steps = 40 + rnd.nextInt(15);
            for (int step = 0; step < steps; step++) {
                step(reps.get(rnd.nextInt(reps.size())));
            }
            long h0 = System.nanoTime();
            healAndDrain();
            time("heal", h0);
            Map<String, FinalState.Replica> finals = new TreeMap<>();
            for (Rep r : reps) {
                Sim.readAll(h, r.name, r.client, scope);
                finals.put(r.name, Sim.finalState(r.name, r.client, scope));
            }
            FinalState end = new FinalState(Sim.readServer(server.url(), scope), finals);
            for (Rep r : reps) {
                r.proxy.faults().forEach((k, v) -> {
                    if (k == FaultyProxy.Fault.RESPONSE_DROPPED || k == FaultyProxy.Fault.RESPONSE_RESET
                            || k == FaultyProxy.Fault.REFUSED || k == FaultyProxy.Fault.BLACKHOLED
                            || k == FaultyProxy.Fault.TARGET_DOWN) {
                        h.countFaults("proxy:" + k.name().toLowerCase(java.util.Locale.ROOT), v);
                    }
                });
            }
            List<Violation> violations = Checkers.check(Checkers.all(DRAIN_BOUND), h, end);
            return new SeedRunner.Result(seed, reps.size(), h.writes().size(),
                    h.writes().stream().filter(History.Write::acked).count(), syncs, h.faultCounts(), violations,
                    Duration.ofNanos(System.nanoTime() - t0), violations.isEmpty() ? null : explain(violations, end));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (Boolean.getBoolean("syncline.sim.verbose")) {
                System.out.println("seed " + seed + " time by step (ms): " + timeByAction);
            }
            for (Rep r : reps) {
                try {
                    r.client.close();
                } finally {
                    r.proxy.close();
                }
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
        return sb.toString();
    }

    private final Map<String, Long> timeByAction = new TreeMap<>();

    private void time(String action, long since) {
        timeByAction.merge(action, (System.nanoTime() - since) / 1_000_000, Long::sum);
    }

    /** @return milliseconds spent per kind of step (to keep the CI budget honest) */
    Map<String, Long> timeByAction() {
        return timeByAction;
    }

    private void step(Rep r) {
        long t0 = System.nanoTime();
        int a = rnd.nextInt(100);
        try {
            act(r, a);
        } finally {
            time(a < 55 ? "write" : a < 72 ? "sync" : a < 86 ? "fault" : a < 90 ? "kill-sync" : a < 93 ? "restart"
                    : a < 95 ? "server-restart" : a < 98 ? "lost-ack-episode" : "heal", t0);
        }
    }

    private void act(Rep r, int a) {
        if (a < 25) {
            String type = rnd.nextBoolean() ? "uniq" : "note";
            List<String> mine = ownLive(r, type);
            String doc = !mine.isEmpty() && rnd.nextInt(3) == 0 ? mine.get(rnd.nextInt(mine.size()))
                    : type + "/" + r.name + "-" + (r.next++);
            put(r, doc);
        } else if (a < 33) {
            List<String> mine = new ArrayList<>(ownLive(r, "uniq"));
            mine.addAll(ownLive(r, "note"));
            if (!mine.isEmpty()) {
                delete(r, mine.get(rnd.nextInt(mine.size())));
            }
        } else if (a < 51) {
            put(r, SHARED[rnd.nextInt(SHARED.length)]);
        } else if (a < 55) {
            String doc = SHARED[rnd.nextInt(SHARED.length)];
            if (live(r, doc) != null) {
                delete(r, doc);
            }
        } else if (a < 72) {
            sync(r);
        } else if (a < 86) {
            fault(r);
        } else if (a < 90) {
            if (Sim.enabled("kills")) {
                killMidSync(r);
            }
        } else if (a < 93) {
            h.fault("replica-restart", r.name);
            r.client.close();
            r.open();
        } else if (a < 95) {
            Rep during = rnd.nextBoolean() ? r : null;
            if (Sim.enabled("server-restarts")) {
                restartServer(during);
            }
        } else if (a < 98) {
            if (Sim.enabled("lost-acks")) {
                lostAckEpisode(r);
            }
        } else {
            heal(r);
        }
    }

    private List<String> ownLive(Rep r, String type) {
        List<String> out = new ArrayList<>();
        for (Document<ObjectNode> d : r.client.documents().list(scope, type)) {
            if (!d.deleted() && d.id().startsWith(r.name + "-")) {
                out.add(type + "/" + d.id());
            }
        }
        return out;
    }

    private String live(Rep r, String doc) {
        return Sim.read(h, r.name, r.client, scope, doc).value();
    }

    private void put(Rep r, String doc) {
        String prior = live(r, doc);
        String seen = Sim.maxStamp(r.client, scope);
        String tag = r.name + "." + (h.writes().size());
        boolean acked = false;
        try {
            r.client.documents().put(scope, Sim.type(doc), Sim.id(doc), Sim.value(tag));
            acked = true;
        } catch (RuntimeException e) {
            notes.append("write ").append(tag).append(" to ").append(doc).append(" failed: ").append(e).append('\n');
        }
        long clock = r.clock.millis();
        h.write(r.name, doc, Kind.PUT, tag, prior, acked);
        stamp(r, doc, acked, clock, seen);
        Sim.read(h, r.name, r.client, scope, doc);
    }

    private void delete(Rep r, String doc) {
        String prior = live(r, doc);
        String seen = Sim.maxStamp(r.client, scope);
        boolean acked = false;
        try {
            r.client.documents().delete(scope, Sim.type(doc), Sim.id(doc));
            acked = true;
        } catch (RuntimeException e) {
            notes.append("delete of ").append(doc).append(" failed: ").append(e).append('\n');
        }
        long clock = r.clock.millis();
        h.write(r.name, doc, Kind.DELETE, null, prior, acked);
        stamp(r, doc, acked, clock, seen);
        Sim.read(h, r.name, r.client, scope, doc);
    }

    private void stamp(Rep r, String doc, boolean acked, long clockMillis, String seen) {
        String hlc = acked ? Sim.stampOf(r.client, scope, doc) : null;
        if (hlc != null) { // none when a delete cancelled a create that was never pushed
            h.stamp(r.name, doc, hlc, clockMillis, seen);
        }
    }

    private void sync(Rep r) {
        syncs++;
        SyncReport rep = r.client.sync(Duration.ofMillis(700));
        h.sync(r.name, rep.outcome().name(), r.network, rep.error());
        Sim.readAll(h, r.name, r.client, scope);
    }

    private void fault(Rep r) {
        FaultyProxy p = r.proxy;
        int f = rnd.nextInt(10);
        if ((f <= 4 && !Sim.enabled("lost-acks")) || ((f == 5 || f == 6) && !Sim.enabled("partitions"))) {
            f = 9;
        }
        if (f == 9) {
            heal(r);
        } else {
            r.network = Sim.breakLink(Sim.LinkFault.values()[Math.max(0, f - 2)], p, h, r.name, rnd);
        }
    }

    /**
     * The shape of a lost acknowledgement in the field: push acks are lost while pulls work, the
     * replica syncs, edits or deletes what it just pushed, and syncs again (its queued operations
     * wait out their backoff, so that sync only pulls, bringing back the server's copy of its own
     * applied writes). The link stays as it is afterwards.
     */
    private void lostAckEpisode(Rep r) {
        r.proxy.dropResponses("/v1/push");
        r.network = "DROP_RESPONSES /v1/push";
        h.fault("lost-push-acks", r.name + " (episode)");
        if (rnd.nextBoolean()) {
            put(r, (rnd.nextBoolean() ? "uniq" : "note") + "/" + r.name + "-" + (r.next++));
        }
        sync(r);
        List<String> mine = new ArrayList<>(ownLive(r, "uniq"));
        mine.addAll(ownLive(r, "note"));
        for (int i = 0, n = 1 + rnd.nextInt(2); i < n && !mine.isEmpty(); i++) {
            String doc = mine.remove(rnd.nextInt(mine.size()));
            if (rnd.nextBoolean()) {
                delete(r, doc);
            } else {
                put(r, doc);
            }
        }
        sync(r);
    }

    private void heal(Rep r) {
        if (!r.network.equals("PASS")) {
            h.fault("healed", r.name + " from " + r.network);
        }
        r.proxy.heal();
        r.network = "PASS";
    }

    /**
     * Starts a sync on another thread and closes the client (and cuts its connections) once its
     * k-th request reaches the proxy, as a crash would; waits for the sync thread to end before the
     * replica is reopened on its file, so two clients never share it.
     */
    private void killMidSync(Rep r) {
        int k = 1 + rnd.nextInt(3);
        long before = r.proxy.requests();
        AtomicReference<Object> outcome = new AtomicReference<>();
        SyncClient c = r.client;
        Thread t = new Thread(() -> {
            try {
                outcome.set(c.sync(Duration.ofSeconds(1)).outcome());
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        }, "sim-sync-" + r.name);
        t.start();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> r.proxy.requests() >= before + k || !t.isAlive());
        boolean killed = t.isAlive();
        c.close();
        r.proxy.cutAll();
        try {
            t.join(Duration.ofSeconds(20).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new AssertionError(r.name + ": a sync still ran 20 s after its client was closed");
        }
        syncs++;
        h.fault(killed ? "sync-killed-midway" : "replica-restart", r.name + " after request " + k);
        h.sync(r.name, killed ? "KILLED" : String.valueOf(outcome.get()), r.network,
                outcome.get() instanceof Throwable e ? e.toString() : null);
        r.open();
        Sim.readAll(h, r.name, r.client, scope);
    }

    /** Restarts the server on its data, while {@code during} (if any) is in the middle of a sync. */
    private void restartServer(Rep during) {
        Thread t = null;
        if (during != null) {
            long before = during.proxy.requests();
            SyncClient c = during.client;
            t = new Thread(() -> {
                try {
                    c.sync(Duration.ofSeconds(1));
                } catch (RuntimeException ignored) {
                    // whatever it met, the history records what the replica holds afterwards
                }
            }, "sim-sync-" + during.name);
            t.start();
            Thread th = t;
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                    .until(() -> during.proxy.requests() > before || !th.isAlive());
        }
        h.fault(during != null ? "server-restart-mid-sync" : "server-restart", server.store());
        server.restart();
        for (Rep r : reps) {
            r.proxy.retarget(server.port());
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(20).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            syncs++;
            h.sync(during.name, "DURING_SERVER_RESTART", during.network, null);
            Sim.readAll(h, during.name, during.client, scope);
        }
    }

    /** Heals every link, then has every replica drain and all sync until a round changes nothing. */
    private void healAndDrain() {
        for (Rep r : reps) {
            heal(r);
        }
        Map<String, SyncClient> clients = new java.util.LinkedHashMap<>();
        reps.forEach(r -> clients.put(r.name, r.client));
        syncs += Sim.drainAndSettle(h, clients, DRAIN_BOUND, notes);
    }
}
