package dev.syncline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.DatabaseInUseException;
import dev.syncline.client.Document;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.ReplicaStatus;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.SyncMetadata;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code syncline client}: drives a real client replica in a SQLite file. Every command here works
 * on the file alone and returns at once; writes wait in the outbox for a later {@code sync}.
 * Output is one JSON document on stdout. Exit codes: 0 success, 1 failure (such as a missing
 * document, or the file held by another client for longer than {@code --lock-wait}), 64 bad usage
 * (including bad names and malformed JSON).
 *
 * <p>One client at a time per file: commands started together on one file take turns (each
 * waits up to {@code --lock-wait} for the file, 10 s by default), so each either finishes or
 * fails with one line on stderr; none sees another's half-done work.
 */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = {"Work on a client replica (a SQLite file): local writes queued for push, reads, outbox.",
            "One client at a time has the file open: a command started while another command (or an app) has it"
                + " waits for it up to --lock-wait (default 10s), then fails with exit 1 and one line on stderr."
                + " Commands started together on one file thus run one after another; none corrupts the file."},
        subcommands = {ClientCommand.Put.class, ClientCommand.Patch.class, ClientCommand.Delete.class,
            ClientCommand.Get.class, ClientCommand.ListDocs.class, ClientCommand.Status.class,
            ClientCommand.Outbox.class, ClientCommand.Retry.class, ClientCommand.Discard.class, ClientCommand.Sync.class,
            ClientCommand.Conflicts.class, ClientCommand.Resolve.class})
final class ClientCommand implements Runnable {
    @Option(names = "--db", required = true, paramLabel = "FILE", description = "The replica's SQLite file (created if absent).")
    Path db;

    @Option(names = "--server", paramLabel = "URL", description = "Sync server URL (remembered by the replica).")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (remembered by the replica).")
    String token;

    @Option(names = "--policy", paramLabel = "TYPE=STRATEGY",
            description = "Conflict strategy of a type: local, remote, latest, highest, merge, manual (remembered).")
    Map<String, String> policies;

    @Option(names = "--lock-wait", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
            description = "How long to wait while another client (another syncline client command, or an app) has the"
                    + " file open, before failing with exit 1 (default 10s; 0s: fail at once).")
    Duration lockWait;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing client command (put, patch, delete, get, list, status, outbox, retry, discard, sync, conflicts,"
                + " resolve)");
    }

    /** Opens the replica, runs {@code work}, prints its JSON result; maps expected errors to exit codes. */
    int withClient(CommandLine cmd, Function<SyncClient, JsonNode> work) {
        return withClientExit(cmd, c -> new Result(work.apply(c), 0, null));
    }

    /** A command's JSON output, exit code and (for a non-zero exit) the line for stderr. */
    record Result(JsonNode json, int exit, String error) {
    }

    /** As {@link #withClient} for commands that choose their own exit code. */
    int withClientExit(CommandLine cmd, Function<SyncClient, Result> work) {
        PrintWriter out = cmd.getOut();
        PrintWriter err = cmd.getErr();
        try {
            SyncClientBuilder b = SyncClient.builder().database(db);
            if (server != null) {
                b.serverUrl(server);
            }
            if (token != null) {
                b.token(token);
            }
            if (policies != null) {
                for (Map.Entry<String, String> e : policies.entrySet()) {
                    b.conflictStrategy(e.getKey(), ConflictResolutionStrategy.fromWire(e.getValue()));
                }
            }
            Result result;
            try (SyncClient client = open(b)) {
                result = work.apply(client);
            }
            out.println(Json.write(result.json()));
            out.flush();
            if (result.error() != null) {
                err.println("syncline: " + result.error().replace('\n', ' '));
                err.flush();
            }
            return result.exit();
        } catch (InvalidInputException e) {
            err.println("syncline: " + e.getMessage().replace('\n', ' '));
            err.flush();
            return isUsage(e) ? Main.EXIT_USAGE : Main.EXIT_FAILURE;
        } catch (DatabaseInUseException e) {
            err.println("syncline: " + e.getMessage().replace('\n', ' ') + " (waited " + lockWait.toMillis() + " ms for it; --lock-wait sets how long)");
            err.flush();
            return Main.EXIT_FAILURE;
        }
    }

    /**
     * Builds the client, waiting up to {@code --lock-wait} while another client has the file.
     * The wait polls with a real sleep: the holder is another command or process, which tells no
     * one when it is done, and a one-shot command has no scheduler to wait on. Polls start at 10 ms
     * (a command holds the file for a fraction of a second) and back off to 200 ms.
     *
     * @throws DatabaseInUseException when the file is still held once the wait is over
     */
    private SyncClient open(SyncClientBuilder b) {
        if (lockWait.isNegative()) {
            throw new InvalidInputException("invalid_setting", "--lock-wait must be zero or positive: " + lockWait);
        }
        long deadline = System.nanoTime() + lockWait.toNanos();
        long pause = 10;
        while (true) {
            try {
                return b.build();
            } catch (DatabaseInUseException e) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw e;
                }
                try {
                    Thread.sleep(Math.min(pause, left));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = Math.min(200, pause * 2);
            }
        }
    }

    private static boolean isUsage(InvalidInputException e) {
        return !(e.code().equals("not_found") || e.code().equals("not_failed") || e.code().equals("no_server")
                || e.code().equals("open_conflict"));
    }

    static ObjectNode parseObject(String json, String what) {
        JsonNode node;
        try {
            node = Json.parse(json);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("bad_request", what + " is not valid JSON: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new InvalidInputException("bad_request", what + " must be a JSON object, got: " + node.getNodeType().name().toLowerCase());
        }
        return obj;
    }

    static ObjectNode document(Document<ObjectNode> d) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("scope", d.scope()).put("type", d.type()).put("id", d.id());
        n.set("data", d.value());
        n.put("deleted", d.deleted());
        n.set("sync", sync(d.sync()));
        return n;
    }

    static ObjectNode sync(SyncMetadata m) {
        ObjectNode s = Json.mapper().createObjectNode();
        s.put("version", m.version());
        s.put("lastModified", m.lastModified());
        s.put("lastSyncTime", m.lastSyncTime() == null ? null : m.lastSyncTime().toString());
        s.put("needsSync", m.needsSync());
        s.put("syncStatus", m.syncStatus().wire());
        s.put("retryCount", m.retryCount());
        s.put("syncError", m.syncError());
        return s;
    }

    /** Base of the subcommands: reach the parent's options and the command line. */
    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        ClientCommand parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        int run(Function<SyncClient, JsonNode> work) {
            return parent.withClient(spec.commandLine(), work);
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Write a whole document locally (create or replace), queued for push. Prints the document.")
    static final class Put extends Sub {
        @Parameters(index = "0", paramLabel = "SCOPE") String scope;
        @Parameters(index = "1", paramLabel = "TYPE") String type;
        @Parameters(index = "2", paramLabel = "ID") String id;
        @Parameters(index = "3", paramLabel = "JSON", description = "The document's data, a JSON object.") String json;

        @Override
        public Integer call() {
            return run(c -> document(c.documents().put(scope, type, id, parseObject(json, "JSON"))));
        }
    }

    @Command(name = "patch", mixinStandardHelpOptions = true,
            description = "Set some top-level fields of a local document, queued for push. Prints the document.")
    static final class Patch extends Sub {
        @Parameters(index = "0", paramLabel = "SCOPE") String scope;
        @Parameters(index = "1", paramLabel = "TYPE") String type;
        @Parameters(index = "2", paramLabel = "ID") String id;
        @Parameters(index = "3", paramLabel = "JSON", description = "The fields to set, a JSON object.") String json;

        @Override
        public Integer call() {
            return run(c -> document(c.documents().patch(scope, type, id, parseObject(json, "JSON"))));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a local document (a tombstone, queued for push). Prints the tombstone.")
    static final class Delete extends Sub {
        @Parameters(index = "0", paramLabel = "SCOPE") String scope;
        @Parameters(index = "1", paramLabel = "TYPE") String type;
        @Parameters(index = "2", paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return run(c -> {
                Optional<Document<ObjectNode>> tomb = c.documents().delete(scope, type, id);
                if (tomb.isPresent()) {
                    return document(tomb.get());
                }
                // Created here and never pushed: the create and the delete cancelled out.
                ObjectNode n = Json.mapper().createObjectNode();
                n.put("scope", scope).put("type", type).put("id", id);
                n.putNull("data");
                n.put("deleted", true);
                n.putNull("sync");
                return n;
            });
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Read the local copy of a document (a deleted one not yet pushed shows deleted: true). Exit 1 if absent.")
    static final class Get extends Sub {
        @Parameters(index = "0", paramLabel = "SCOPE") String scope;
        @Parameters(index = "1", paramLabel = "TYPE") String type;
        @Parameters(index = "2", paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return run(c -> document(c.documents().get(scope, type, id).orElseThrow(() -> new InvalidInputException(
                    "not_found", "no local document " + type + " '" + id + "' in scope '" + scope + "'"))));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "All local documents of a type in a scope (tombstones included), sorted by id.")
    static final class ListDocs extends Sub {
        @Parameters(index = "0", paramLabel = "SCOPE") String scope;
        @Parameters(index = "1", paramLabel = "TYPE") String type;

        @Override
        public Integer call() {
            return run(c -> {
                ArrayNode arr = Json.mapper().createArrayNode();
                c.documents().list(scope, type).forEach(d -> arr.add(document(d)));
                return arr;
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "The replica's state: pending (count, oldest age), failed, open conflicts, the pull cursor,"
                    + " pull progress per scope (seq, lastPulledAt), health.")
    static final class Status extends Sub {
        @Override
        public Integer call() {
            return run(c -> {
                ReplicaStatus s = c.status();
                ObjectNode n = Json.mapper().createObjectNode();
                n.put("clientId", c.clientId());
                ObjectNode pending = n.putObject("pending");
                pending.put("count", s.pendingCount());
                pending.put("oldestAgeSeconds", s.oldestPendingAge().toSeconds());
                n.put("failed", s.failedCount());
                n.put("conflicts", s.openConflicts());
                n.put("cursor", s.cursor());
                ArrayNode scopes = n.putArray("scopes");
                s.scopes().forEach(p -> scopes.addObject().put("scope", p.scope()).put("seq", p.seq())
                        .put("lastPulledAt", p.lastPulledAt().toString()));
                n.put("health", s.health().status());
                ArrayNode reasons = n.putArray("reasons");
                s.health().reasons().forEach(reasons::add);
                n.put("server", c.serverUrl().map(Object::toString).orElse(null));
                ObjectNode policies = n.putObject("policies");
                c.conflictStrategies().forEach((type, strategy) -> policies.put(type, strategy.wire()));
                return n;
            });
        }
    }

    @Command(name = "outbox", mixinStandardHelpOptions = true,
            description = "Pending and failed operations, in the order they will be pushed.")
    static final class Outbox extends Sub {
        @Override
        public Integer call() {
            return run(c -> {
                ArrayNode arr = Json.mapper().createArrayNode();
                List<PendingOperation> ops = c.pendingOperations().pendingOperations();
                for (PendingOperation op : ops) {
                    ObjectNode n = arr.addObject();
                    n.put("opId", op.opId()).put("scope", op.scope()).put("type", op.type()).put("id", op.id());
                    n.put("operationType", op.operationType().wire());
                    n.put("priority", op.priority().wire());
                    n.put("state", op.state().wire());
                    n.put("attempts", op.attempts());
                    n.put("nextAttemptAt", op.nextAttemptAt().toEpochMilli() == 0 ? null : op.nextAttemptAt().toString());
                    n.put("error", op.error());
                    n.put("baseVersion", op.baseVersion());
                }
                return arr;
            });
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Put failed operations back in the queue: the one named, or all. Prints how many.")
    static final class Retry extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "OP_ID") String opId;

        @Override
        public Integer call() {
            return run(c -> {
                int n = opId == null ? c.pendingOperations().retryAll() : c.pendingOperations().retry(opId);
                ObjectNode out = Json.mapper().createObjectNode();
                out.put("retried", n);
                return out;
            });
        }
    }

    @Command(name = "discard", mixinStandardHelpOptions = true,
            description = "Give up on a failed operation (or, with --all, every one): it and the later operations of"
                    + " its document are removed, and the document goes back to the server state this replica last"
                    + " knew (removed if the server never had it). Prints what was discarded. Exit 1 when the"
                    + " operation is unknown, not failed, or its document has an open conflict; nothing changes then.")
    static final class Discard extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "OP_ID") String opId;

        @Option(names = "--all", description = "Discard every failed operation.")
        boolean all;

        @Override
        public Integer call() {
            if (all == (opId != null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), all
                        ? "give an OP_ID or --all, not both" : "name the failed operation (OP_ID) or give --all");
            }
            return run(c -> {
                List<PendingOperation> gone = all ? c.pendingOperations().discardAll() : c.pendingOperations().discard(opId);
                ObjectNode out = Json.mapper().createObjectNode();
                out.put("discarded", gone.size());
                ArrayNode ops = out.putArray("operations");
                for (PendingOperation op : gone) {
                    ObjectNode n = ops.addObject();
                    n.put("opId", op.opId()).put("scope", op.scope()).put("type", op.type()).put("id", op.id());
                    n.put("operationType", op.operationType().wire());
                    n.put("state", op.state().wire());
                    n.put("error", op.error());
                }
                return out;
            });
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true,
            description = "Push the outbox, then pull until caught up. Exit 0 caught up, 2 open conflicts remain,"
                    + " 1 the server could not be reached in time (or refused the token, or operations failed).")
    static final class Sync extends Sub {
        @Option(names = "--timeout", defaultValue = "30s", converter = Durations.class,
                description = "How long to keep retrying an unreachable server (default 30s).")
        java.time.Duration timeout;

        @Override
        public Integer call() {
            return parent.withClientExit(spec.commandLine(), c -> {
                if (c.serverUrl().isEmpty()) {
                    throw new InvalidInputException("no_server", "this replica has no server; give --server URL (and --token)");
                }
                dev.syncline.client.SyncReport r = c.sync(timeout);
                ObjectNode n = Json.mapper().createObjectNode();
                n.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
                n.put("pushed", r.pushed());
                n.put("pulled", r.pulled());
                n.put("conflicts", r.openConflicts());
                n.put("settled", r.conflictsSettled());
                n.put("failed", r.failed());
                n.put("pending", r.pending());
                n.put("error", r.error());
                return switch (r.outcome()) {
                    case CAUGHT_UP -> r.failed() > 0
                            ? new Result(n, Main.EXIT_FAILURE, r.failed() + " operation(s) failed permanently; see 'outbox' and 'retry'")
                            : new Result(n, 0, null);
                    case OPEN_CONFLICTS -> new Result(n, Main.EXIT_NEEDS_PERSON, null);
                    case UNREACHABLE -> new Result(n, Main.EXIT_FAILURE, "server not reached in " + timeout.toSeconds()
                            + "s: " + r.error());
                    case AUTHENTICATION_NEEDED -> new Result(n, Main.EXIT_FAILURE, "the server refused the token: " + r.error());
                };
            });
        }
    }

    @Command(name = "conflicts", mixinStandardHelpOptions = true,
            description = "Open conflicts: conflictId, scope, type, id, conflictType and each side's data.")
    static final class Conflicts extends Sub {
        @Override
        public Integer call() {
            return run(c -> {
                ArrayNode arr = Json.mapper().createArrayNode();
                for (SyncConflict k : c.conflicts().openConflicts()) {
                    ObjectNode n = arr.addObject();
                    n.put("conflictId", k.conflictId()).put("scope", k.scope()).put("type", k.type()).put("id", k.id());
                    n.put("conflictType", k.conflictType().wire());
                    n.set("local", k.local());
                    n.set("remote", k.remote());
                    n.set("base", k.base());
                    n.put("remoteVersion", k.remoteVersion());
                }
                return arr;
            });
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true,
            description = "Settle an open conflict with the local side, the remote side, or a JSON object; the result is"
                    + " queued for push. Prints the document.")
    static final class Resolve extends Sub {
        @Parameters(index = "0", paramLabel = "CONFLICT_ID") String conflictId;
        @Parameters(index = "1", paramLabel = "local|remote|JSON") String choice;

        @Override
        public Integer call() {
            return run(c -> {
                dev.syncline.client.Resolution r = switch (choice) {
                    case "local" -> dev.syncline.client.Resolution.useLocal();
                    case "remote" -> dev.syncline.client.Resolution.useRemote();
                    default -> dev.syncline.client.Resolution.useValue(parseObject(choice, "resolution (local, remote or JSON)"));
                };
                return document(c.conflicts().resolve(conflictId, r));
            });
        }
    }
}
