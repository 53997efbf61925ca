package dev.syncline.server.internal.service;

import dev.syncline.core.HlcClock;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushRequest;
import dev.syncline.core.protocol.PushResponse;
import dev.syncline.core.protocol.PushResult;
import dev.syncline.server.internal.store.FeedEntry;
import dev.syncline.server.internal.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push and pull, with no HTTP in sight: checks each operation against the naming rules, the
 * caller's scopes and the size limit, hands the rest to the {@link Store} in one transaction, and
 * announces the scopes that moved. Thread-safe.
 */
public final class SyncService {
    private static final Logger log = LoggerFactory.getLogger(SyncService.class);

    private final Store store;
    private final Notifier notifier;
    private final CursorCodec cursors;
    private final HlcClock hlc;
    private final Clock clock;
    private final int maxDocumentBytes;

    /**
     * @param store where documents live
     * @param notifier told about every scope a push moved
     * @param clock wall time (opId retention, server HLC stamps)
     * @param maxDocumentBytes largest {@code data} accepted, in UTF-8 bytes of its JSON
     * @param instanceId this server instance's id, the node of the HLC stamps it makes (so stamps
     *     of two instances over one database never tie); a valid HLC node id
     */
    public SyncService(Store store, Notifier notifier, Clock clock, int maxDocumentBytes, String instanceId) {
        this.store = store;
        this.notifier = notifier;
        this.clock = clock;
        this.cursors = new CursorCodec(store.storeId(), store.cursorKey());
        this.hlc = new HlcClock(clock, instanceId);
        this.maxDocumentBytes = maxDocumentBytes;
    }

    /**
     * Applies a push for {@code caller}. Operations that break a rule get a {@code Rejected}
     * result; the others are applied in request order in one store transaction.
     */
    public PushResponse push(Principal caller, PushRequest request) {
        List<String> dataJson = new ArrayList<>(request.ops().size());
        for (PushOp op : request.ops()) {
            dataJson.add(op.data() == null ? null : Json.write(op.data()));
        }
        return push(caller, request, dataJson);
    }

    /**
     * As {@link #push(Principal, PushRequest)}, with each operation's data already as JSON text
     * (as the client sent it), which is measured and stored as it is.
     *
     * @param dataJson per operation of {@code request}, its data's JSON text, or null when it has none
     */
    public PushResponse push(Principal caller, PushRequest request, List<String> dataJson) {
        List<PushOp> ops = request.ops();
        if (dataJson.size() != ops.size()) {
            throw new IllegalArgumentException("dataJson has " + dataJson.size() + " entries for " + ops.size() + " ops");
        }
        PushResult[] results = new PushResult[ops.size()];
        List<PushOp> valid = new ArrayList<>(ops.size());
        List<String> validJson = new ArrayList<>(ops.size());
        List<Integer> validAt = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            PushOp op = ops.get(i);
            PushResult.Rejected rejected = check(caller, op, dataJson.get(i));
            if (rejected != null) {
                results[i] = rejected;
                continue;
            }
            valid.add(op.hlc() == null ? withServerStamp(op) : op);
            validJson.add(op.kind() == OpKind.DELETE ? null : dataJson.get(i));
            validAt.add(i);
        }
        List<PushResult> applied = store.apply(caller.userId(), valid, validJson, clock.instant());
        Map<String, Long> moved = new HashMap<>();
        for (int j = 0; j < applied.size(); j++) {
            PushResult r = applied.get(j);
            results[validAt.get(j)] = r;
            if (r instanceof PushResult.Applied a) {
                moved.merge(valid.get(j).scope(), a.seq(), Math::max);
            }
        }
        moved.forEach(notifier::publish);
        if (log.isDebugEnabled()) {
            log.debug("push by {} from client {}: {} ops, {} applied", caller.userId(), request.clientId(),
                    ops.size(), moved.size());
        }
        return new PushResponse(List.of(results));
    }

    private PushResult.Rejected check(Principal caller, PushOp op, String dataJson) {
        if (!Names.isValidScope(op.scope())) {
            return PushResult.Rejected.of(op.opId(), "invalid_name", "scope " + quote(op.scope())
                    + " must match [a-z0-9][a-z0-9_.-]{0,63}");
        }
        if (!Names.isValidType(op.type())) {
            return PushResult.Rejected.of(op.opId(), "invalid_name", "type " + quote(op.type())
                    + " must match [a-z0-9][a-z0-9_.-]{0,63}");
        }
        if (!Names.isValidId(op.id())) {
            return PushResult.Rejected.of(op.opId(), "invalid_name", "id " + quote(op.id())
                    + " must match [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
        }
        if (!caller.holds(op.scope())) {
            return PushResult.Rejected.of(op.opId(), "forbidden", "token does not hold scope " + op.scope());
        }
        if (op.kind() == OpKind.UPSERT) {
            if (op.data() == null) {
                return PushResult.Rejected.of(op.opId(), "invalid_data", "an upsert needs data, a JSON object");
            }
            int size = utf8Length(dataJson);
            if (size > maxDocumentBytes) {
                return PushResult.Rejected.of(op.opId(), "too_large", "data is " + size
                        + " bytes; the limit is " + maxDocumentBytes);
            }
            // One rule for every store, so both keep and refuse exactly the same documents.
            String unstorable = StorableData.problem(op.data());
            if (unstorable != null) {
                return PushResult.Rejected.of(op.opId(), "invalid_data", unstorable);
            }
        }
        return null;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private PushOp withServerStamp(PushOp op) {
        return new PushOp(op.opId(), op.scope(), op.type(), op.id(), op.kind(), op.baseVersion(), op.data(),
                hlc.now().toString());
    }

    private static String quote(String s) {
        if (s == null) {
            return "(missing)";
        }
        // Escaped to printable ASCII: the name may hold control characters or lone surrogates,
        // which must not reach the log or break the response's UTF-8.
        StringBuilder b = new StringBuilder("'");
        int shown = Math.min(s.length(), 40);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append(s.length() > shown ? "..." : "").append("' (").append(s.length()).append(" chars)").toString();
    }

    /**
     * Reads the feed for {@code caller} after {@code cursor}.
     *
     * @param cursor a cursor from an earlier page, or null for the beginning
     * @param limit 1 to 1000
     * @throws dev.syncline.core.InvalidInputException with {@code bad_cursor} for a malformed or foreign cursor
     */
    public FeedResponse pull(Principal caller, String cursor, int limit) {
        Map<String, Long> given = cursor == null ? Map.of() : cursors.decode(cursor);
        Map<String, Long> positions = new LinkedHashMap<>();
        // Only scopes the token holds; a scope granted since the cursor was made starts at 0.
        for (String scope : new TreeSet<>(caller.scopes())) {
            positions.put(scope, given.getOrDefault(scope, 0L));
        }
        Store.FeedPage page = store.read(positions, limit);
        return new FeedResponse(page.changes(), cursors.encode(page.positions()), page.hasMore());
    }

    /**
     * A pull page with the documents' JSON written as stored; serialises exactly like
     * {@link dev.syncline.core.protocol.PullPage}.
     *
     * @param changes the changes
     * @param cursor the next cursor
     * @param hasMore whether more wait
     */
    public record FeedResponse(List<FeedEntry> changes, String cursor, boolean hasMore) {
    }

    /** @return true when the store answers */
    public boolean healthy() {
        return store.isHealthy();
    }
}
