package dev.syncline.testkit.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

/**
 * Runs a simulation over a range of seeds, prints one line per seed and one summary line per run
 * (seeds, writes, syncs, faults injected by kind, violations by checker), and fails with the exact
 * command that replays each failing seed.
 *
 * <p>Seeds: {@code -Dsyncline.sim.seed=N} runs only seed N; otherwise seeds 1 to
 * {@code -Dsyncline.sim.seeds} (the caller's CI default when unset).
 */
final class SeedRunner {
    /** What one seed did and found. */
    record Result(long seed, int replicas, long writes, long acked, long syncs, Map<String, Long> faults,
            List<Violation> violations, Duration took, String detail) {
    }

    private SeedRunner() {
    }

    /**
     * @param suite a name for the summary line, such as {@code in-process embedded}
     * @param test the surefire selector that replays a seed, such as {@code InProcessFaultSimulationTest#onEmbeddedStore}
     * @param ciSeeds seeds to run when no property says otherwise
     */
    static void run(String suite, String test, int ciSeeds, LongFunction<Result> seedRun) {
        String only = System.getProperty("syncline.sim.seed");
        long first = only != null ? Long.parseLong(only.trim()) : 1;
        long count = only != null ? 1 : Long.getLong("syncline.sim.seeds", ciSeeds);
        long t0 = System.nanoTime();
        List<Result> results = new ArrayList<>();
        for (long seed = first; seed < first + count; seed++) {
            Result r;
            long s0 = System.nanoTime();
            try {
                r = seedRun.apply(seed);
            } catch (RuntimeException | AssertionError e) {
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                r = new Result(seed, 0, 0, 0, 0, Map.of(), List.of(new Violation("run", null, "the run itself failed: " + e)),
                        Duration.ofNanos(System.nanoTime() - s0), trace.toString());
            }
            results.add(r);
            System.out.printf("fault-sim %s seed %d: %d replicas, %d writes (%d acked), %d syncs, %d faults, %d violations%s (%d ms)%n",
                    suite, seed, r.replicas(), r.writes(), r.acked(), r.syncs(),
                    r.faults().values().stream().mapToLong(Long::longValue).sum(), r.violations().size(),
                    r.violations().isEmpty() ? "" : " " + byChecker(List.of(r)), r.took().toMillis());
        }
        Map<String, Long> faults = new TreeMap<>();
        results.forEach(r -> r.faults().forEach((k, v) -> faults.merge(k, v, Long::sum)));
        List<Result> failing = results.stream().filter(r -> !r.violations().isEmpty()).toList();
        long violations = results.stream().mapToLong(r -> r.violations().size()).sum();
        System.out.printf("fault-sim %s: %d seeds, %d writes (%d acked), %d syncs, faults %d %s, violations %d %s in %d seeds%s, %d s%n",
                suite, results.size(), results.stream().mapToLong(Result::writes).sum(),
                results.stream().mapToLong(Result::acked).sum(), results.stream().mapToLong(Result::syncs).sum(),
                faults.values().stream().mapToLong(Long::longValue).sum(), faults, violations, byChecker(results),
                failing.size(), failing.isEmpty() ? "" : " " + failing.stream().map(r -> String.valueOf(r.seed()))
                        .collect(Collectors.joining(",", "(seeds ", ")")), Duration.ofNanos(System.nanoTime() - t0).toSeconds());
        if (!failing.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            sb.append(failing.size()).append(" of ").append(results.size()).append(" seeds broke a property (")
                    .append(suite).append(")\n");
            for (Result r : failing) {
                sb.append("\nseed ").append(r.seed()).append(": ").append(byChecker(List.of(r))).append('\n');
                r.violations().stream().limit(8).forEach(v -> sb.append("  ").append(v).append('\n'));
                if (r.violations().size() > 8) {
                    sb.append("  ... and ").append(r.violations().size() - 8).append(" more\n");
                }
                sb.append("  replay: ").append(replay(test, r.seed())).append('\n');
                if (r.detail() != null && !r.detail().isEmpty()) {
                    sb.append(indent(r.detail(), results.size() == 1 ? 200_000 : 6000)); // a replay shows it all
                }
            }
            throw new AssertionError(sb.toString());
        }
    }

    static String replay(String test, long seed) {
        String without = System.getProperty("syncline.sim.without", "");
        return "./mvnw -B -o -pl syncline-testkit -am test -Dtest='" + test
                + "' -Dsurefire.failIfNoSpecifiedTests=false -Dsyncline.sim.seed=" + seed
                + (without.isBlank() ? "" : " -Dsyncline.sim.without=" + without);
    }

    private static String byChecker(List<Result> results) {
        Map<String, Long> n = new TreeMap<>();
        results.forEach(r -> r.violations().forEach(v -> n.merge(v.checker(), 1L, Long::sum)));
        return n.toString();
    }

    private static String indent(String text, int max) {
        String t = text.length() > max ? text.substring(0, max) + "\n...\n" : text;
        return t.lines().map(l -> "    " + l).collect(Collectors.joining("\n", "", "\n"));
    }
}
