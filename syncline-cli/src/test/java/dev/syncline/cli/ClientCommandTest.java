package dev.syncline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code syncline client ...} run in-process on a real replica file, as scripts would. */
class ClientCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        JsonNode json() {
            return Json.parse(out);
        }
    }

    private Run run(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("client", "--db", dir.resolve("replica.db").toString()));
        all.addAll(List.of(args));
        int exit = cmd.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void put_printsTheDocumentWithPendingSyncMetadata() {
        Run r = run("put", "team-1", "project", "p1", "{\"name\":\"Album\"}");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode doc = r.json();
        assertThat(doc.get("scope").asText()).isEqualTo("team-1");
        assertThat(doc.get("type").asText()).isEqualTo("project");
        assertThat(doc.get("id").asText()).isEqualTo("p1");
        assertThat(doc.get("data").get("name").asText()).isEqualTo("Album");
        assertThat(doc.get("deleted").asBoolean()).isFalse();
        JsonNode sync = doc.get("sync");
        assertThat(sync.get("version").asLong()).isZero();
        assertThat(sync.get("needsSync").asBoolean()).isTrue();
        assertThat(sync.get("syncStatus").asText()).isEqualTo("pending");
        assertThat(sync.get("retryCount").asInt()).isZero();
        assertThat(sync.get("syncError").isNull()).isTrue();
        assertThat(sync.get("lastSyncTime").isNull()).isTrue();
        assertThat(sync.get("lastModified").asText()).matches("\\d{13}-[0-9a-f]{4}-.+");
    }

    @Test
    void patchGetAndList_workOnTheFileAcrossInvocations() {
        run("put", "team-1", "project", "p2", "{\"name\":\"EP\",\"year\":2024}");
        run("put", "team-1", "project", "p1", "{\"name\":\"Album\"}");
        Run patched = run("patch", "team-1", "project", "p2", "{\"year\":2025}");
        assertThat(patched.exit()).as(patched.err()).isZero();
        assertThat(patched.json().get("data").toString()).isEqualTo("{\"name\":\"EP\",\"year\":2025}");

        Run got = run("get", "team-1", "project", "p2");
        assertThat(got.exit()).isZero();
        assertThat(got.json().get("data").get("year").asInt()).isEqualTo(2025);

        Run list = run("list", "team-1", "project");
        assertThat(list.exit()).isZero();
        assertThat(list.json()).extracting(n -> n.get("id").asText()).containsExactly("p1", "p2");
    }

    @Test
    void get_ofAbsentDocument_exitsOneWithAMessage() {
        Run r = run("get", "team-1", "project", "nope");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("no local document project 'nope'");
    }

    @Test
    void delete_ofANeverPushedDocument_cancelsItsCreate_andGetExitsOne() {
        run("put", "team-1", "project", "p1", "{\"name\":\"Album\"}");
        Run del = run("delete", "team-1", "project", "p1");
        assertThat(del.exit()).as(del.err()).isZero();
        assertThat(del.json().get("deleted").asBoolean()).isTrue();
        assertThat(run("outbox").json()).isEmpty();
        assertThat(run("get", "team-1", "project", "p1").exit()).isEqualTo(1);
        assertThat(run("delete", "team-1", "project", "p1").exit()).isEqualTo(1);
    }

    @Test
    void outbox_listsOperationsInPushOrder_withTheContractFields() {
        run("--policy", "project=manual", "put", "team-1", "project", "p1", "{\"name\":\"Album\"}");
        run("put", "team-1", "track", "t1", "{\"title\":\"Intro\"}");
        run("patch", "team-1", "project", "p1", "{\"name\":\"Album II\"}");
        Run r = run("outbox");
        assertThat(r.exit()).isZero();
        JsonNode ops = r.json();
        assertThat(ops).hasSize(2);
        JsonNode first = ops.get(0);
        for (String field : List.of("opId", "scope", "type", "id", "operationType", "priority", "state", "attempts",
                "nextAttemptAt", "error")) {
            assertThat(first.has(field)).as(field).isTrue();
        }
        assertThat(first.get("id").asText()).isEqualTo("p1");
        assertThat(first.get("operationType").asText()).isEqualTo("create");
        assertThat(first.get("state").asText()).isEqualTo("pending");
        assertThat(first.get("priority").asText()).isEqualTo("medium");
        assertThat(ops.get(1).get("id").asText()).isEqualTo("t1");
    }

    @Test
    void status_reportsPendingCountHealthAndRememberedPolicies() {
        run("--server", "http://127.0.0.1:9", "--policy", "project=manual", "put", "team-1", "project", "p1", "{}");
        Run r = run("status");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode s = r.json();
        assertThat(s.get("pending").get("count").asInt()).isEqualTo(1);
        assertThat(s.get("pending").get("oldestAgeSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(s.get("failed").asInt()).isZero();
        assertThat(s.get("conflicts").asInt()).isZero();
        assertThat(s.get("scopes")).isEmpty();
        assertThat(s.get("health").asText()).isEqualTo("ok");
        assertThat(s.get("server").asText()).isEqualTo("http://127.0.0.1:9");
        assertThat(s.get("policies").get("project").asText()).isEqualTo("manual");
    }

    @Test
    void retry_withNothingFailed_retriesNone_andAnUnknownOpIdExitsOne() {
        Run r = run("retry");
        assertThat(r.exit()).isZero();
        assertThat(r.json().get("retried").asInt()).isZero();
        Run unknown = run("retry", "0b6f2a6e-0000-0000-0000-000000000000");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no outbox operation");
    }

    /** Plays the push side's part on the replica file: claims everything and fails it permanently. */
    private void failEverythingPermanently(String error) {
        try (dev.syncline.client.internal.store.Database db = dev.syncline.client.internal.store.Database.open(
                dir.resolve("replica.db"), false)) {
            dev.syncline.client.internal.outbox.Outbox outbox = new dev.syncline.client.internal.outbox.Outbox(db,
                    java.time.Clock.systemUTC(), dev.syncline.client.RetryPolicy.DEFAULT, new java.util.SplittableRandom(1)::nextDouble);
            for (dev.syncline.client.PendingOperation op : outbox.claim(500)) {
                assertThat(outbox.fail(op.opId(), error, true)).isTrue();
            }
        }
    }

    @Test
    void failedOperation_showsInOutboxAndOnItsDocument_andRetryPutsItBack() {
        run("put", "team-1", "project", "p1", "{\"name\":\"Album\"}");
        failEverythingPermanently("rejected: forbidden");

        JsonNode op = run("outbox").json().get(0);
        assertThat(op.get("state").asText()).isEqualTo("failed");
        assertThat(op.get("error").asText()).isEqualTo("rejected: forbidden");
        assertThat(op.get("attempts").asInt()).isEqualTo(1);
        JsonNode sync = run("get", "team-1", "project", "p1").json().get("sync");
        assertThat(sync.get("syncStatus").asText()).isEqualTo("error");
        assertThat(sync.get("syncError").asText()).isEqualTo("rejected: forbidden");
        JsonNode status = run("status").json();
        assertThat(status.get("failed").asInt()).isEqualTo(1);
        assertThat(status.get("health").asText()).isEqualTo("degraded");

        Run retried = run("retry", op.get("opId").asText());
        assertThat(retried.exit()).as(retried.err()).isZero();
        assertThat(retried.json().get("retried").asInt()).isEqualTo(1);
        assertThat(run("outbox").json().get(0).get("state").asText()).isEqualTo("pending");
        assertThat(run("get", "team-1", "project", "p1").json().get("sync").get("syncStatus").asText()).isEqualTo("pending");
        Run again = run("retry", op.get("opId").asText());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("not failed");
    }

    @Test
    void discard_ofAFailedCreate_removesItsDocument_whileWhatIsNotFailedIsRefusedAndKept() {
        run("put", "team-1", "project", "p1", "{\"name\":\"Album\"}");
        failEverythingPermanently("rejected: forbidden");
        run("put", "team-1", "project", "p2", "{\"name\":\"EP\"}");
        JsonNode outbox = run("outbox").json();
        String failed = outbox.get(0).get("opId").asText();
        String pending = outbox.get(1).get("opId").asText();

        assertThat(run("discard").exit()).isEqualTo(64);
        assertThat(run("discard", failed, "--all").exit()).isEqualTo(64);
        Run refused = run("discard", pending);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("not failed").contains(pending);
        assertThat(run("discard", "0b6f2a6e-0000-0000-0000-000000000000").exit()).isEqualTo(1);
        assertThat(run("outbox").json()).hasSize(2);

        Run r = run("discard", failed);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().get("discarded").asInt()).isEqualTo(1);
        JsonNode op = r.json().get("operations").get(0);
        assertThat(op.get("opId").asText()).isEqualTo(failed);
        assertThat(op.get("id").asText()).isEqualTo("p1");
        assertThat(op.get("operationType").asText()).isEqualTo("create");
        assertThat(op.get("error").asText()).isEqualTo("rejected: forbidden");
        assertThat(run("get", "team-1", "project", "p1").exit()).isEqualTo(1); // never on a server: gone
        assertThat(run("outbox").json()).extracting(n -> n.get("opId").asText()).containsExactly(pending);
        assertThat(run("status").json().get("health").asText()).isEqualTo("ok");

        Run all = run("discard", "--all");
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(all.json().get("discarded").asInt()).isZero();
    }

    @Test
    void badUsage_exits64WithOneLine_andWritesNothing() {
        assertThat(run("put", "team-1", "project", "p1", "not json").exit()).isEqualTo(64);
        assertThat(run("put", "team-1", "project", "p1", "[1,2]").exit()).isEqualTo(64);
        assertThat(run("put", "Team 1", "project", "p1", "{}").exit()).isEqualTo(64);
        assertThat(run("put", "team-1", "project", "bad id", "{}").exit()).isEqualTo(64);
        assertThat(run("put", "team-1", "project").exit()).isEqualTo(64);
        assertThat(run("--policy", "project=sometimes", "status").exit()).isEqualTo(64);
        assertThat(run("frobnicate").exit()).isEqualTo(64);
        Run bad = run("patch", "team-1", "project", "p1", "{");
        assertThat(bad.exit()).isEqualTo(64);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(run("outbox").json()).isEmpty();
    }

    @Test
    void missingDb_isBadUsage() {
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(new StringWriter()));
        assertThat(cmd.execute("client", "status")).isEqualTo(64);
    }
}
