package dev.syncline.cli;

import dev.syncline.server.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code syncline token}: prints a bearer token signed with {@code SYNCLINE_JWT_SECRET}. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a bearer token (HS256 JWT) signed with SYNCLINE_JWT_SECRET.")
final class TokenCommand implements Callable<Integer> {
    @Option(names = "--user", required = true, description = "User id (the token's sub).")
    String user;

    @Option(names = "--scopes", required = true, split = ",", description = "Scopes the token may read and write, comma-separated.")
    List<String> scopes;

    @Option(names = "--ttl", defaultValue = "1h", converter = Durations.class,
            description = "How long the token is valid (30s, 15m, 1h, 7d). Default: ${DEFAULT-VALUE}.")
    Duration ttl;

    @Override
    public Integer call() {
        byte[] secret = Tokens.secretFromText(System.getenv("SYNCLINE_JWT_SECRET"));
        System.out.println(Tokens.mint(secret, user, scopes, ttl, Clock.systemUTC()));
        return 0;
    }
}
