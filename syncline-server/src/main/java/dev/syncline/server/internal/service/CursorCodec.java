package dev.syncline.server.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encodes pull positions (scope to last seen sequence) as an opaque, signed cursor:
 * {@code v1.<base64url json>.<base64url hmac>}. The JSON names the store it belongs to, so a
 * cursor from another server's database, or one that was altered, is refused rather than silently
 * read from zero. Thread-safe.
 */
public final class CursorCodec {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final int MAX_CURSOR_CHARS = 64 * 1024;

    private final String storeId;
    private final SecretKeySpec key;

    /**
     * @param storeId the store the cursors belong to
     * @param key the store's signing key
     */
    public CursorCodec(String storeId, byte[] key) {
        this.storeId = storeId;
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /** @return the cursor for {@code positions} */
    public String encode(Map<String, Long> positions) {
        ObjectNode root = Json.object();
        root.put("s", storeId);
        ObjectNode p = root.putObject("p");
        new TreeMap<>(positions).forEach(p::put);
        String body = B64.encodeToString(Json.writeBytes(root));
        return "v1." + body + "." + B64.encodeToString(sign(body));
    }

    /**
     * Decodes a cursor made by {@link #encode}.
     *
     * @return scope to position
     * @throws InvalidInputException with code {@code bad_cursor} when it is malformed, altered or foreign
     */
    public Map<String, Long> decode(String cursor) {
        if (cursor.length() > MAX_CURSOR_CHARS) {
            throw bad("cursor is too long");
        }
        String[] parts = cursor.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals("v1")) {
            throw bad("cursor is not a Syncline v1 cursor");
        }
        byte[] mac;
        byte[] body;
        try {
            mac = B64D.decode(parts[2]);
            body = B64D.decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw bad("cursor is not valid base64url");
        }
        if (!MessageDigest.isEqual(mac, sign(parts[1]))) {
            throw bad("cursor was not issued by this server's database (or was altered)");
        }
        JsonNode root = Json.parse(body);
        if (!storeId.equals(root.path("s").asText()) || !root.path("p").isObject()) {
            throw bad("cursor belongs to another database");
        }
        Map<String, Long> positions = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.get("p").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!Names.isValidScope(e.getKey()) || !e.getValue().canConvertToExactIntegral()
                    || e.getValue().asLong() < 0) {
                throw bad("cursor holds an invalid position");
            }
            positions.put(e.getKey(), e.getValue().asLong());
        }
        return positions;
    }

    private byte[] sign(String body) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            byte[] full = m.doFinal(body.getBytes(StandardCharsets.US_ASCII));
            byte[] out = new byte[16];
            System.arraycopy(full, 0, out, 0, out.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static InvalidInputException bad(String message) {
        return new InvalidInputException("bad_cursor", message);
    }
}
