package dev.syncline.server.internal.http;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.syncline.core.Names;
import dev.syncline.server.internal.service.Principal;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies HS256 bearer tokens: signature with the server secret, {@code alg} exactly HS256 (so
 * {@code none} and every other algorithm fail), {@code exp} present and in the future, {@code sub}
 * a non-empty string, {@code scopes} an array of strings. The optional claim {@code admin} makes
 * the caller an operator only when it is the JSON boolean {@code true}. Thread-safe.
 */
public final class Authenticator {
    private static final int MAX_TOKEN_CHARS = 8192;
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
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw unauthorized("token expired");
        } catch (JWTVerificationException e) {
            throw unauthorized("invalid token: " + e.getMessage());
        }
        String sub = jwt.getSubject();
        if (sub == null || sub.isBlank() || sub.length() > 256) {
            throw unauthorized("token claim 'sub' must be a non-empty string");
        }
        Claim scopesClaim = jwt.getClaim("scopes");
        List<Object> raw = scopesClaim.asList(Object.class);
        if (raw == null) {
            throw unauthorized("token claim 'scopes' must be an array of scope names");
        }
        Set<String> scopes = new HashSet<>();
        for (Object o : raw) {
            if (!(o instanceof String s) || !Names.isValidScope(s)) {
                throw unauthorized("token claim 'scopes' holds an invalid scope name: " + o);
            }
            scopes.add(s);
        }
        // Only the JSON boolean true: "true", 1 or a missing claim leave the caller a plain user.
        boolean admin = Boolean.TRUE.equals(jwt.getClaim("admin").asBoolean());
        return new Principal(sub, scopes, jwt.getExpiresAtAsInstant(), admin);
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }
}
