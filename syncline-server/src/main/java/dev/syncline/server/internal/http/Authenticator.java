package dev.syncline.server.internal.http;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.syncline.core.Json;
import dev.syncline.core.Names;
import dev.syncline.server.internal.service.Principal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies HS256 bearer tokens. First the token's shape, with no key and no database: three
 * base64url parts; a header and a payload that are each exactly one JSON object in UTF-8 (nothing
 * before or after it, no duplicate keys); {@code alg} the string {@code HS256}; {@code exp} an
 * integer (and {@code iat}, {@code nbf} when present); {@code sub} a non-empty string;
 * {@code scopes} an array of valid scope names; {@code admin}, when present, a boolean. Only a
 * token of that shape has its signature checked with the server secret and {@code exp} compared
 * with the clock (no leeway). The caller is an operator only when {@code admin} is {@code true}.
 *
 * <p>Every failure is a 401 {@link ApiException} whose message says what is wrong; a token is
 * the client's input, so nothing about it may end in a 5xx or a stack trace. Thread-safe.
 */
public final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
    private static final int MAX_TOKEN_CHARS = 8192;
    private static final int MAX_SUB_CHARS = 256;
    /** 9999-12-31T23:59:59Z: later NumericDates are nonsense and overflow date arithmetic. */
    private static final long MAX_NUMERIC_DATE = 253_402_300_799L;
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
    private final JWTVerifier verifier;

    /**
     * @param secret the HS256 secret, at least 32 bytes
     * @param clock the time tokens are checked against
     */
    public Authenticator(byte[] secret, Clock clock) {
        JWTVerifier.BaseVerification v = (JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(secret))
                .withClaimPresence("sub")
                .withClaimPresence("exp")
                .withClaimPresence("scopes")
                .acceptLeeway(0);
        this.verifier = v.build(clock);
    }

    /** The claims of a token whose shape is right; not yet verified. */
    private record Claims(String sub, Set<String> scopes, long exp, boolean admin) {
    }

    /**
     * @param authorization the {@code Authorization} header, possibly null
     * @return the caller
     * @throws ApiException 401 when the header or token is missing, malformed, wrongly signed or expired
     */
    public Principal authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("missing Authorization header (expected: Bearer <token>)");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("Authorization header must use the Bearer scheme");
        }
        String token = authorization.substring(7).trim();
        if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw unauthorized("bearer token is empty or too long");
        }
        Claims claims = checkShape(token);
        try {
            verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw unauthorized("token expired");
        } catch (JWTVerificationException e) {
            throw unauthorized("invalid token: " + e.getMessage());
        } catch (RuntimeException e) {
            // The shape was checked above, so this is the library tripping on something it should
            // have refused; still the client's token, so a 401, noted for whoever reads debug logs.
            log.debug("token refused by the JWT library: {}", e.toString());
            throw unauthorized("invalid token");
        }
        return new Principal(claims.sub(), claims.scopes(), Instant.ofEpochSecond(claims.exp()), claims.admin());
    }

    /** Checks everything but the signature and the clock; see the class comment. */
    private static Claims checkShape(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw unauthorized("malformed token: a JWT has three parts separated by dots, this one has "
                    + parts.length);
        }
        JsonNode header = object(parts[0], "header");
        JsonNode payload = object(parts[1], "payload");
        if (!BASE64URL.matcher(parts[2]).matches()) {
            throw unauthorized("malformed token: the signature is missing or not base64url");
        }
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual() || !alg.textValue().equals("HS256")) {
            throw unauthorized("malformed token: header 'alg' must be the string \"HS256\", got " + describe(alg));
        }
        if (header.has("crit")) {
            throw unauthorized("malformed token: header 'crit' names extensions this server does not support");
        }
        optionalString(header, "typ", "header");
        optionalString(header, "kid", "header");

        long exp = numericDate(payload, "exp", true);
        numericDate(payload, "iat", false);
        numericDate(payload, "nbf", false);
        optionalString(payload, "iss", "claim");
        optionalString(payload, "jti", "claim");
        JsonNode aud = payload.get("aud");
        if (aud != null && !aud.isTextual() && !(aud.isArray() && allTextual(aud))) {
            throw unauthorized("token claim 'aud' must be a string or an array of strings, got " + describe(aud));
        }
        JsonNode sub = payload.get("sub");
        if (sub == null || !sub.isTextual() || sub.textValue().isBlank() || sub.textValue().length() > MAX_SUB_CHARS) {
            throw unauthorized("token claim 'sub' must be a non-empty string of at most " + MAX_SUB_CHARS
                    + " characters, got " + describe(sub));
        }
        JsonNode scopes = payload.get("scopes");
        if (scopes == null || !scopes.isArray()) {
            throw unauthorized("token claim 'scopes' must be an array of scope names, got " + describe(scopes));
        }
        Set<String> names = new HashSet<>();
        for (JsonNode s : scopes) {
            if (!s.isTextual() || !Names.isValidScope(s.textValue())) {
                throw unauthorized("token claim 'scopes' holds an invalid scope name: " + describe(s));
            }
            names.add(s.textValue());
        }
        JsonNode admin = payload.get("admin");
        if (admin != null && !admin.isBoolean()) {
            throw unauthorized("token claim 'admin' must be true or false, got " + describe(admin));
        }
        return new Claims(sub.textValue(), names, exp, admin != null && admin.booleanValue());
    }

    /** Decodes one base64url part that must hold exactly one JSON object, strict UTF-8. */
    private static JsonNode object(String part, String what) {
        // Unpadded base64url only (RFC 7515); a length of 4n+1 cannot be base64 at all.
        if (!BASE64URL.matcher(part).matches() || part.length() % 4 == 1) {
            throw unauthorized("malformed token: the " + what + " is not base64url");
        }
        byte[] bytes = Base64.getUrlDecoder().decode(part);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw unauthorized("malformed token: the " + what + " is not UTF-8");
        }
        // Exactly one object: no leading or trailing bytes, not even spaces (the strict parser
        // below already refuses other trailing tokens and duplicate keys).
        if (text.isEmpty() || text.charAt(0) != '{' || text.charAt(text.length() - 1) != '}') {
            throw unauthorized("malformed token: the " + what + " must be exactly one JSON object");
        }
        try {
            JsonNode node = Json.reader().readTree(text);
            if (node == null || !node.isObject()) {
                throw unauthorized("malformed token: the " + what + " must be exactly one JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw unauthorized("malformed token: the " + what + " is not one JSON object: " + e.getOriginalMessage());
        }
    }

    private static long numericDate(JsonNode payload, String claim, boolean required) {
        JsonNode n = payload.get(claim);
        if (n == null && !required) {
            return 0;
        }
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0
                || n.longValue() > MAX_NUMERIC_DATE) {
            throw unauthorized("token claim '" + claim + "' must be an integer number of seconds since the epoch"
                    + " (0 to " + MAX_NUMERIC_DATE + "), got " + describe(n));
        }
        return n.longValue();
    }

    private static void optionalString(JsonNode node, String field, String what) {
        JsonNode v = node.get(field);
        if (v != null && !v.isTextual()) {
            throw unauthorized("malformed token: " + what + " '" + field + "' must be a string, got " + describe(v));
        }
    }

    private static boolean allTextual(JsonNode array) {
        for (JsonNode e : array) {
            if (!e.isTextual()) {
                return false;
            }
        }
        return true;
    }

    /** A short, safe description of a claim's value for an error message. */
    private static String describe(JsonNode n) {
        if (n == null) {
            return "nothing (missing)";
        }
        if (n.isNull()) {
            return "null";
        }
        String type = n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        String text = n.toString();
        return type + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }
}
