package dev.syncline.server.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a push body into a {@link PushRequest}, or fails with a 400 that names the first thing
 * wrong (for example {@code ops[3].baseVersion must be a non-negative integer}). Structure is
 * checked here, for the whole request before anything is applied; rules about names, scopes and
 * sizes are per operation and belong to the service. Thread-safe.
 */
final class PushParser {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Pattern HLC_TEXT = Pattern.compile("[\\x21-\\x7e]{1,64}");

    private final int maxOps;

    PushParser(int maxOps) {
        this.maxOps = maxOps;
    }

    PushRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = Json.parse(body);
        } catch (InvalidInputException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (!root.isObject()) {
            throw ApiException.badRequest("body must be a JSON object with clientId and ops");
        }
        JsonNode clientId = root.get("clientId");
        if (clientId == null || !clientId.isTextual() || !CLIENT_ID.matcher(clientId.asText()).matches()) {
            throw ApiException.badRequest("clientId must be a string id (a UUID), 1 to 128 characters of [A-Za-z0-9_.:-]");
        }
        JsonNode ops = root.get("ops");
        if (ops == null || !ops.isArray()) {
            throw ApiException.badRequest("ops must be an array");
        }
        if (ops.size() > maxOps) {
            throw new ApiException(413, "too_many_ops", "a push holds at most " + maxOps + " ops; this one has "
                    + ops.size());
        }
        List<PushOp> parsed = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            parsed.add(op(ops.get(i), "ops[" + i + "]"));
        }
        return new PushRequest(clientId.asText(), parsed);
    }

    private static PushOp op(JsonNode n, String at) {
        if (!n.isObject()) {
            throw ApiException.badRequest(at + " must be an object");
        }
        String opId = text(n, "opId", at);
        if (opId == null || !UUID.matcher(opId).matches()) {
            throw ApiException.badRequest(at + ".opId must be a UUID string");
        }
        String scope = text(n, "scope", at);
        String type = text(n, "type", at);
        String id = text(n, "id", at);
        String kindText = text(n, "kind", at);
        OpKind kind = OpKind.fromWire(kindText);
        if (kind == null) {
            throw ApiException.badRequest(at + ".kind must be \"upsert\" or \"delete\"");
        }
        JsonNode base = n.get("baseVersion");
        if (base == null || !base.isIntegralNumber() || !base.canConvertToLong() || base.asLong() < 0) {
            throw ApiException.badRequest(at + ".baseVersion must be a non-negative integer");
        }
        JsonNode data = n.get("data");
        ObjectNode object = null;
        if (data != null && !data.isNull()) {
            if (!data.isObject()) {
                throw ApiException.badRequest(at + ".data must be a JSON object (or null for a delete)");
            }
            object = (ObjectNode) data;
        }
        String hlc = null;
        JsonNode h = n.get("hlc");
        if (h != null && !h.isNull()) {
            if (!h.isTextual() || !HLC_TEXT.matcher(h.asText()).matches()) {
                throw ApiException.badRequest(at + ".hlc must be a string of 1 to 64 printable ASCII characters");
            }
            hlc = h.asText();
        }
        return new PushOp(opId, scope, type, id, kind, base.asLong(), kind == OpKind.DELETE ? null : object, hlc);
    }

    /** A field that must be a string; its value is checked by the service (to give a per-op result). */
    private static String text(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw ApiException.badRequest(at + "." + field + " is missing");
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest(at + "." + field + " must be a string");
        }
        return v.asText();
    }
}
