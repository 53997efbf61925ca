package dev.syncline.server.internal.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.protocol.OpKind;
import dev.syncline.core.protocol.PushOp;
import dev.syncline.core.protocol.PushRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a push body into a {@link PushRequest}, or fails with a 400 that names the first thing
 * wrong (for example {@code ops[3].baseVersion must be a non-negative integer}). Structure is
 * checked here, for the whole request before anything is applied; rules about names, scopes and
 * sizes are per operation and belong to the service.
 *
 * <p>Each operation's {@code data} is also kept as the exact JSON text the client sent, so the
 * service can measure it and the store can save it without writing the tree out again. Thread-safe.
 */
final class PushParser {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Pattern HLC_TEXT = Pattern.compile("[\\x21-\\x7e]{1,64}");

    /** Reads one value at the parser's position (the body as a whole is checked for trailing tokens here). */
    private static final ObjectReader TREES = Json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Numbers as exact decimals: 1e400000 must stay 1e400000 to be judged (a double would
            // make it infinity) and a 30-digit fraction must not be rounded where a tree is written.
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private final int maxOps;

    PushParser(int maxOps) {
        this.maxOps = maxOps;
    }

    /**
     * A parsed push.
     *
     * @param request the operations
     * @param dataJson per operation, its {@code data} as the JSON text sent (null when it has none)
     */
    record Parsed(PushRequest request, List<String> dataJson) {
    }

    Parsed parse(byte[] body) {
        body = requireUtf8(body);
        List<String> raw = new ArrayList<>();
        JsonNode root = read(body, raw);
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
        List<String> dataJson = new ArrayList<>(ops.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            PushOp op = op(ops.get(i), "ops[" + i + "]");
            // Two results with one opId could not be told apart, and only one write can own an opId:
            // refuse the request before anything is applied rather than answer one of them falsely.
            Integer first = seen.putIfAbsent(op.opId(), i);
            if (first != null) {
                throw ApiException.badRequest("ops[" + i + "].opId repeats ops[" + first + "].opId (" + op.opId()
                        + "); an opId may appear only once in a push");
            }
            parsed.add(op);
            dataJson.add(op.data() == null ? null : raw.get(i));
        }
        return new Parsed(new PushRequest(clientId.asText(), parsed), dataJson);
    }

    /**
     * The body must be UTF-8 (RFC 8259). The JSON reader would otherwise guess UTF-16 or UTF-32
     * from the first bytes and parse it, and the byte offsets that cut out each op's data would
     * then point nowhere. A UTF-16/32 body (byte order mark, or a zero byte among the first four:
     * JSON text starts with an ASCII character) is 415; bytes that are not UTF-8 (including
     * encoded surrogates) are 400. A UTF-8 byte order mark is allowed and dropped.
     *
     * @return the body without a UTF-8 byte order mark
     */
    static byte[] requireUtf8(byte[] body) {
        int n = body.length;
        boolean utf16Bom = n >= 2 && ((body[0] == (byte) 0xFE && body[1] == (byte) 0xFF)
                || (body[0] == (byte) 0xFF && body[1] == (byte) 0xFE));
        boolean utf32Bom = n >= 4 && body[0] == 0 && body[1] == 0 && body[2] == (byte) 0xFE && body[3] == (byte) 0xFF;
        if (utf16Bom || utf32Bom) {
            throw notUtf8("it starts with a UTF-16 or UTF-32 byte order mark");
        }
        for (int i = 0; i < Math.min(4, n); i++) {
            if (body[i] == 0) {
                throw notUtf8("it has a zero byte at offset " + i + ", so it looks like UTF-16 or UTF-32");
            }
        }
        int from = n >= 3 && body[0] == (byte) 0xEF && body[1] == (byte) 0xBB && body[2] == (byte) 0xBF ? 3 : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body, from, n - from);
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                throw ApiException.badRequest("body is not valid UTF-8: bad byte sequence at offset " + in.position());
            }
            if (r.isUnderflow()) {
                break;
            }
            out.clear();
        }
        return from == 0 ? body : Arrays.copyOfRange(body, from, n);
    }

    private static ApiException notUtf8(String why) {
        return new ApiException(415, "unsupported_media_type", "push body must be UTF-8; " + why);
    }

    /**
     * Reads the body as a tree, as {@link Json#parse(byte[])} does (same strictness: duplicate keys
     * and trailing tokens are refused), noting in {@code raw}, for each element of a top-level
     * {@code ops} array, the text of its {@code data} object (or null).
     */
    private static JsonNode read(byte[] body, List<String> raw) {
        try (JsonParser p = Json.reader().createParser(body)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                return Json.parse(body); // empty, malformed or not an object: its own error, or the caller's
            }
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() == JsonToken.START_ARRAY && "ops".equals(name)) {
                    root.set(name, readOps(p, body, raw));
                } else {
                    root.set(name, TREES.<JsonNode>readTree(p));
                }
            }
            if (p.nextToken() != null) {
                throw ApiException.badRequest("malformed JSON: trailing content after the body's object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("unreadable JSON: " + e.getMessage());
        } catch (InvalidInputException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (NumberFormatException e) {
            // A number whose exponent is beyond 32 bits (1e9999999999): no JSON reader of Syncline's
            // can hold it, so, like a number over 1000 characters, it makes the body unreadable.
            throw ApiException.badRequest("malformed JSON: a number cannot be read: " + e.getMessage());
        }
    }

    private static ArrayNode readOps(JsonParser p, byte[] body, List<String> raw) throws IOException {
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                ops.add(TREES.<JsonNode>readTree(p));
                raw.add(null);
                continue;
            }
            ObjectNode op = JsonNodeFactory.instance.objectNode();
            String data = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                boolean object = p.nextToken() == JsonToken.START_OBJECT;
                long start = p.currentTokenLocation().getByteOffset();
                op.set(field, TREES.<JsonNode>readTree(p));
                if (object && "data".equals(field)) {
                    long end = p.currentLocation().getByteOffset();
                    data = new String(body, (int) start, (int) (end - start), StandardCharsets.UTF_8);
                }
            }
            ops.add(op);
            raw.add(data);
        }
        return ops;
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
