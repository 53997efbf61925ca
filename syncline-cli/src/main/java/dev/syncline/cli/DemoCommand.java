package dev.syncline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.cli.trackflow.TrackFlow;
import dev.syncline.cli.trackflow.TrackFlow.AudioTrack;
import dev.syncline.cli.trackflow.TrackFlow.Comment;
import dev.syncline.cli.trackflow.TrackFlow.Project;
import dev.syncline.client.Document;
import dev.syncline.client.Durability;
import dev.syncline.client.Repository;
import dev.syncline.client.Resolution;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncReport;
import dev.syncline.core.Json;
import dev.syncline.core.SyncConflict;
import dev.syncline.server.SyncServer;
import dev.syncline.server.Tokens;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code syncline demo}: an embedded server and two replicas of TrackFlow tell the story of
 * offline-first sync as a timeline: offline edits on both sides, merges by policy, a conflict that
 * needs a person and its resolution, and at the end both replicas equal to the server.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Play TrackFlow's offline-first story on an embedded server and two replicas; exit 0 when all agree.")
final class DemoCommand implements Callable<Integer> {
    private static final String TEAM = "team-nightdrive";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--dir", paramLabel = "DIR",
            description = "Where to keep the server's and replicas' files (default: a temporary directory, removed after).")
    Path dir;

    private PrintWriter out;
    private long t0;

    private void say(String who, String what) {
        out.printf("[%6.2fs] %-14s %s%n", (System.nanoTime() - t0) / 1e9, who, what);
        out.flush();
    }

    @Override
    public Integer call() throws IOException {
        out = spec.commandLine().getOut();
        quietLogs();
        boolean temp = dir == null;
        Path root = temp ? Files.createTempDirectory("syncline-demo") : dir;
        t0 = System.nanoTime();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try (SyncServer server = SyncServer.builder().port(0).dataDir(root.resolve("server")).jwtSecret(secret).start()) {
            say("server", "sync server listening on " + server.url());
            try (SyncClient laptop = replica(root, "alice-laptop", server, secret, "alice");
                    SyncClient phone = replica(root, "bob-phone", server, secret, "bob")) {
                return story(root, server, secret, laptop, phone);
            }
        } finally {
            if (temp) {
                deleteTree(root);
            }
        }
    }

    private static SyncClient replica(Path root, String name, SyncServer server, byte[] secret, String user) {
        String token = Tokens.mint(secret, user, List.of(TEAM), Duration.ofHours(1), Clock.systemUTC());
        return TrackFlow.register(SyncClient.builder().database(root.resolve(name + ".db")).serverUrl(server.url())
                .token(token).durability(Durability.NORMAL)).build();
    }

    private int story(Path root, SyncServer server, byte[] secret, SyncClient laptop, SyncClient phone) {
        Repository<Project> lp = laptop.repository(Project.class);
        Repository<AudioTrack> lt = laptop.repository(AudioTrack.class);
        Repository<Comment> lc = laptop.repository(Comment.class);
        Repository<Project> pp = phone.repository(Project.class);
        Repository<AudioTrack> pt = phone.repository(AudioTrack.class);
        Repository<Comment> pc = phone.repository(Comment.class);

        say("alice-laptop", "creates project 'Night Drive' with collaborators alice, bob, carol");
        lp.save(new Project("p1", TEAM, "Night Drive", "Synthwave EP", List.of("alice", "bob", "carol")));
        say("alice-laptop", "adds track 'Intro' (intro.wav, 4.2 MB, 1:30) and a comment");
        lt.save(new AudioTrack("t1", TEAM, "p1", "Intro", "", "s3://tf/intro.wav", 4_200_000, 90_000));
        lc.save(new Comment("c1", TEAM, "t1", "alice", "Bass too loud at 0:42"));
        report("alice-laptop", laptop.sync());
        report("bob-phone", phone.sync());
        say("bob-phone", "sees " + pp.all().size() + " project, " + pt.all().size() + " track, "
                + pc.all().size() + " comment");

        say("--", "both go offline (a plane, a tunnel); edits keep working locally and wait in the outbox");
        lp.save(new Project("p1", TEAM, "Night Drive (final)", "Synthwave EP", List.of("alice", "bob")));
        say("alice-laptop", "renames the project and removes carol");
        lt.save(withTitle(lt.get(TEAM, "t1").orElseThrow(), "Intro (radio edit)"));
        say("alice-laptop", "retitles the track 'Intro (radio edit)'");
        lc.save(new Comment("c1", TEAM, "t1", "alice", "Bass too loud at 0:42, cut 3 dB"));
        say("alice-laptop", "edits the comment: 'Bass too loud at 0:42, cut 3 dB'");
        pp.save(new Project("p1", TEAM, "Night Drive", "Synthwave EP, mastered in May", List.of("alice", "bob", "carol", "dave")));
        say("bob-phone", "rewrites the description and adds dave");
        AudioTrack t = pt.get(TEAM, "t1").orElseThrow();
        pt.save(new AudioTrack(t.id(), t.teamId(), t.projectId(), t.title(), t.notes(), "s3://tf/intro-v2.flac", 9_800_000, 91_500));
        say("bob-phone", "uploads a new master of the track (intro-v2.flac, 9.8 MB, 1:31.5)");
        pc.save(new Comment("c1", TEAM, "t1", "alice", "Bass is fine on my phone"));
        say("bob-phone", "edits the same comment: 'Bass is fine on my phone'");
        say("--", "outbox: laptop " + laptop.pendingOperations().getPendingOperationsCount() + " operations, phone "
                + phone.pendingOperations().getPendingOperationsCount());

        say("alice-laptop", "back online");
        report("alice-laptop", laptop.sync());
        say("bob-phone", "back online: the server moved on since bob's edits were made");
        SyncReport r = phone.sync();
        report("bob-phone", r);
        Project merged = pp.get(TEAM, "p1").orElseThrow();
        say("bob-phone", "project merged field by field: name '" + merged.name() + "', description '" + merged.description()
                + "', collaborators " + merged.collaborators() + " (carol stays removed, dave added)");
        AudioTrack mt = pt.get(TEAM, "t1").orElseThrow();
        say("bob-phone", "track merged: title '" + mt.title() + "' (metadata) with file " + mt.fileUrl() + " (file facts)");
        List<SyncConflict> open = phone.conflicts().openConflicts();
        if (open.size() != 1) {
            say("demo", "expected one conflict for a person, found " + open.size());
            return Main.EXIT_FAILURE;
        }
        SyncConflict c = open.get(0);
        say("bob-phone", "needs a person: comment " + c.id() + " (" + c.conflictType().wire() + ")");
        say("", "  base:   " + c.base().get("text").asText());
        say("", "  alice:  " + c.remote().get("text").asText());
        say("", "  bob:    " + c.local().get("text").asText() + "   (still shown locally, marked conflict)");
        ObjectNode both = c.local().deepCopy();
        both.put("text", "Bass too loud at 0:42 on monitors, fine on phones: cut 2 dB");
        phone.conflicts().resolve(c.conflictId(), Resolution.useValue(both));
        say("bob-phone", "bob settles it: '" + both.get("text").asText() + "'");
        report("bob-phone", phone.sync());
        report("alice-laptop", laptop.sync());

        Map<String, JsonNode> truth;
        String token = Tokens.mint(secret, "auditor", List.of(TEAM), Duration.ofHours(1), Clock.systemUTC());
        try (SyncClient fresh = TrackFlow.register(SyncClient.builder().database(root.resolve("fresh.db"))
                .serverUrl(server.url()).token(token).durability(Durability.NORMAL)).build()) {
            fresh.sync();
            truth = state(fresh);
        }
        Map<String, JsonNode> a = state(laptop);
        Map<String, JsonNode> b = state(phone);
        boolean equal = a.equals(truth) && b.equals(truth);
        say("--", equal ? "both replicas equal the server (" + truth.size() + " documents): done"
                : "replicas differ from the server!\n  server " + truth + "\n  laptop " + a + "\n  phone  " + b);
        for (Map.Entry<String, JsonNode> e : truth.entrySet()) {
            say("", "  " + e.getKey() + " " + Json.write(e.getValue()));
        }
        return equal ? 0 : Main.EXIT_FAILURE;
    }

    private static AudioTrack withTitle(AudioTrack t, String title) {
        return new AudioTrack(t.id(), t.teamId(), t.projectId(), title, t.notes(), t.fileUrl(), t.sizeBytes(), t.durationMs());
    }

    private void report(String who, SyncReport r) {
        say(who, "sync: pushed " + r.pushed() + ", pulled " + r.pulled() + ", conflicts settled by policy "
                + r.conflictsSettled() + ", waiting for a person " + r.openConflicts() + " -> "
                + r.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
    }

    private static Map<String, JsonNode> state(SyncClient c) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (String type : List.of("project", "audio_track", "comment")) {
            for (Document<ObjectNode> d : c.documents().list(TEAM, type)) {
                if (!d.deleted()) {
                    out.put(type + "/" + d.id(), d.value());
                }
            }
        }
        return out;
    }

    private static void quietLogs() {
        if (System.getenv("SYNCLINE_LOG_LEVEL") == null
                && org.slf4j.LoggerFactory.getLogger("dev.syncline") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the OS cleans up
        }
    }
}
