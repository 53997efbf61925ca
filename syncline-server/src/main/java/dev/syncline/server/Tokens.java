package dev.syncline.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Names;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Mints the built-in bearer tokens: HS256 JWTs with {@code sub}, {@code scopes} and {@code exp},
 * and for operators also {@code "admin": true}. Thread-safe (stateless).
 */
public final class Tokens {
    /** Smallest secret accepted, in bytes. */
    public static final int MIN_SECRET_BYTES = 32;

    private Tokens() {
    }

    /**
     * @param secret the server's HS256 secret, at least 32 bytes
     * @param user the user id ({@code sub}), non-blank
     * @param scopes scope names the token may read and write (each must be a valid scope name)
     * @param ttl how long the token is valid, positive
     * @param clock the time the token is issued at
     * @return the signed token
     * @throws InvalidInputException naming the argument that is wrong
     */
    public static String mint(byte[] secret, String user, Collection<String> scopes, Duration ttl, Clock clock) {
        return sign(secret, user, scopes, ttl, clock, false);
    }

    /**
     * Mints an operator's token: like {@link #mint}, plus the claim {@code "admin": true}, which
     * opens the server's admin overview ({@code /admin}). The admin claim grants no scope: the
     * token reads and writes only {@code scopes}, which may be empty.
     *
     * @param secret the server's HS256 secret, at least 32 bytes
     * @param user the operator's user id ({@code sub}), non-blank
     * @param scopes scope names the token may also read and write; usually none
     * @param ttl how long the token is valid, positive (keep it short: an hour or a shift)
     * @param clock the time the token is issued at
     * @return the signed token
     * @throws InvalidInputException naming the argument that is wrong
     */
    public static String mintAdmin(byte[] secret, String user, Collection<String> scopes, Duration ttl,
            Clock clock) {
        return sign(secret, user, scopes, ttl, clock, true);
    }

    private static String sign(byte[] secret, String user, Collection<String> scopes, Duration ttl, Clock clock,
            boolean admin) {
        requireSecret(secret);
        if (user == null || user.isBlank() || user.length() > 256) {
            throw new InvalidInputException("invalid_user", "user must be a non-blank string of at most 256 characters");
        }
        if (scopes == null) {
            throw new InvalidInputException("invalid_name", "scopes must not be null");
        }
        for (String s : scopes) {
            Names.requireScope(s);
        }
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new InvalidInputException("invalid_ttl", "ttl must be positive, got " + ttl);
        }
        Instant now = clock.instant();
        JWTCreator.Builder jwt = JWT.create()
                .withSubject(user)
                .withClaim("scopes", List.copyOf(scopes))
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl));
        if (admin) {
            jwt.withClaim("admin", true);
        }
        return jwt.sign(Algorithm.HMAC256(secret));
    }

    /**
     * @return the UTF-8 bytes of {@code secret}
     * @throws InvalidInputException when it is shorter than {@link #MIN_SECRET_BYTES}
     */
    public static byte[] secretFromText(String secret) {
        if (secret == null) {
            throw new InvalidInputException("invalid_secret", "the JWT secret is not set (SYNCLINE_JWT_SECRET)");
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        requireSecret(bytes);
        return bytes;
    }

    static void requireSecret(byte[] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new InvalidInputException("invalid_secret", "the JWT secret must be at least " + MIN_SECRET_BYTES
                    + " bytes, got " + (secret == null ? 0 : secret.length));
        }
    }
}
