package dev.syncline.testkit.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.Document;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.Json;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * A replica in its own process, so a simulation can SIGKILL it in the middle of anything:
 * {@code ReplicaChild DB URL USER SCOPE SKEW_MS PUSH_BATCH SEED SCRIPT [RETRY_MS]}. It opens the replica's
 * file and runs the script, commands separated by {@code ;}: {@code put,TYPE/ID,TAG},
 * {@code del,TYPE/ID} (skipped when the document is not live here), {@code sync,MILLIS}. It prints
 * one JSON line per event on stdout, flushed before it goes on: {@code begin} (a write about to be
 * made, with the value held before and its version), {@code ack} (the write returned: it is
 * acknowledged), {@code skip}, {@code syncing}, {@code sync} (its outcome), {@code read} (a
 * document's local state), {@code done}. RETRY_MS, when given, is the first backoff after a failed
 * push (default: the simulation's fast one).
 */
public final class ReplicaChild {
    private ReplicaChild() {
    }

    /** Runs the script; see the class comment. */
    public static void main(String[] a) {
        Path db = Path.of(a[0]);
        String scope = a[3];
        Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofMillis(Long.parseLong(a[4])));
        dev.syncline.client.RetryPolicy retry = a.length > 8
                ? new dev.syncline.client.RetryPolicy(Duration.ofMillis(Long.parseLong(a[8])), Duration.ofMillis(2 * Long.parseLong(a[8])), 2.0, 0.5)
                : Sim.FAST_RETRY;
        try (SyncClient c = Sim.open(db, a[1], a[2], scope, clock, Integer.parseInt(a[5]), Long.parseLong(a[6]), retry)) {
            for (String cmd : a[7].split(";")) {
                String[] p = cmd.split(",");
                switch (p[0]) {
                    case "put" -> {
                        Document<ObjectNode> d = get(c, scope, p[1]);
                        print(line("begin", p[1]).put("kind", "PUT").put("value", p[2]).put("prior", tag(d))
                                .put("version", d == null ? 0 : d.sync().version()).put("seen", Sim.maxStamp(c, scope)));
                        c.documents().put(scope, Sim.type(p[1]), Sim.id(p[1]), Sim.value(p[2]));
                        print(line("ack", p[1]).put("clock", clock.millis()).put("hlc", Sim.stampOf(c, scope, p[1])));
                        read(c, scope, p[1]);
                    }
                    case "del" -> {
                        Document<ObjectNode> d = get(c, scope, p[1]);
                        if (tag(d) == null) {
                            print(line("skip", p[1]));
                            break;
                        }
                        print(line("begin", p[1]).put("kind", "DELETE").put("prior", tag(d)).put("version", d.sync().version())
                                .put("seen", Sim.maxStamp(c, scope)));
                        c.documents().delete(scope, Sim.type(p[1]), Sim.id(p[1]));
                        print(line("ack", p[1]).put("clock", clock.millis()).put("hlc", Sim.stampOf(c, scope, p[1])));
                        read(c, scope, p[1]);
                    }
                    case "sync" -> {
                        print(line("syncing", null));
                        SyncReport r = c.sync(Duration.ofMillis(Long.parseLong(p[1])));
                        print(line("sync", null).put("outcome", r.outcome().name()).put("error", r.error())
                                .put("pending", r.pending()));
                        for (String type : Sim.TYPES) {
                            for (Document<ObjectNode> d : c.documents().list(scope, type)) {
                                read(c, scope, type + "/" + d.id());
                            }
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown command " + cmd);
                }
            }
            print(line("done", null));
        }
    }

    private static ObjectNode line(String ev, String doc) {
        ObjectNode o = Json.mapper().createObjectNode().put("ev", ev);
        if (doc != null) {
            o.put("doc", doc);
        }
        return o;
    }

    /** Prints one event and flushes it before the script goes on, so the parent knows what was acknowledged. */
    private static void print(ObjectNode line) {
        System.out.println(Json.write(line));
        System.out.flush();
    }

    private static Document<ObjectNode> get(SyncClient c, String scope, String doc) {
        return c.documents().get(scope, Sim.type(doc), Sim.id(doc)).orElse(null);
    }

    private static String tag(Document<ObjectNode> d) {
        return d == null || d.deleted() ? null : Sim.tag(d.value());
    }

    private static void read(SyncClient c, String scope, String doc) {
        Document<ObjectNode> d = get(c, scope, doc);
        print(line("read", doc).put("value", tag(d)).put("version", d == null ? 0 : d.sync().version()));
    }
}
