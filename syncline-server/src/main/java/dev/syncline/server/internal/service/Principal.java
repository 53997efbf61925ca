package dev.syncline.server.internal.service;

import java.time.Instant;
import java.util.Set;

/**
 * Who is calling: a verified token's user and the scopes it may read and write.
 *
 * @param userId the token's {@code sub}
 * @param scopes the token's {@code scopes}, valid names only
 * @param expiresAt when the token stops being accepted
 * @param admin true when the token carries {@code "admin": true}: it may read the operator's
 *     overview ({@code /admin/api/...}); it grants no scope by itself
 */
public record Principal(String userId, Set<String> scopes, Instant expiresAt, boolean admin) {
    /** Copies {@code scopes}. */
    public Principal {
        scopes = Set.copyOf(scopes);
    }

    /** @return true when this caller may read and write {@code scope} */
    public boolean holds(String scope) {
        return scopes.contains(scope);
    }
}
