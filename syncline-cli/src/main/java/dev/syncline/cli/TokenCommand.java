package dev.syncline.cli;

import dev.syncline.server.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code syncline token}: prints a bearer token signed with {@code SYNCLINE_JWT_SECRET}. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a bearer token (HS256 JWT) signed with SYNCLINE_JWT_SECRET.")
final class TokenCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--user", required = true, description = "User id (the token's sub).")
    String user;

    @Option(names = "--scopes", split = ",",
            description = "Scopes the token may read and write, comma-separated (required unless --admin).")
    List<String> scopes;

    @Option(names = "--admin",
            description = "An operator's token (claim \"admin\": true) for the server's admin page /admin;"
                    + " it grants no scope unless --scopes is given too.")
    boolean admin;

    @Option(names = "--ttl", defaultValue = "1h", converter = Durations.class,
            description = "How long the token is valid (30s, 15m, 1h, 7d). Default: ${DEFAULT-VALUE}.")
    Duration ttl;

    @Override
    public Integer call() {
        if (scopes == null && !admin) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing required option: '--scopes=<scopes>' (or --admin for an operator's token)");
        }
        byte[] secret = Tokens.secretFromText(System.getenv("SYNCLINE_JWT_SECRET"));
        List<String> granted = scopes == null ? List.of() : scopes;
        Clock clock = Clock.systemUTC();
        System.out.println(admin ? Tokens.mintAdmin(secret, user, granted, ttl, clock)
                : Tokens.mint(secret, user, granted, ttl, clock));
        return 0;
    }
}
