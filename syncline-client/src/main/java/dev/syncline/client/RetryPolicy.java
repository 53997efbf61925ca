package dev.syncline.client;

import dev.syncline.core.InvalidInputException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with jitter for transient push failures: the {@code n}-th failure
 * waits {@code min(maxDelay, initialDelay * multiplier^(n-1))}, reduced by a random fraction of up
 * to {@code jitter} so that many clients do not retry in step. Immutable and thread-safe.
 *
 * @param initialDelay delay after the first failure
 * @param maxDelay cap on any delay
 * @param multiplier growth per failure, at least 1
 * @param jitter fraction 0 to 1 of the delay that is randomised away
 */
public record RetryPolicy(Duration initialDelay, Duration maxDelay, double multiplier, double jitter) {
    /** 1 s doubling to at most 5 minutes, with 50% jitter. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(5), 2.0, 0.5);

    /** @throws InvalidInputException naming the setting that is out of range */
    public RetryPolicy {
        if (initialDelay == null || initialDelay.isNegative() || initialDelay.isZero()) {
            throw new InvalidInputException("invalid_setting", "retry initialDelay must be positive: " + initialDelay);
        }
        if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
            throw new InvalidInputException("invalid_setting", "retry maxDelay must be at least initialDelay: " + maxDelay);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new InvalidInputException("invalid_setting", "retry multiplier must be at least 1: " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new InvalidInputException("invalid_setting", "retry jitter must be between 0 and 1: " + jitter);
        }
    }

    /**
     * @param failures how many times the operation has failed so far (at least 1)
     * @param random source of jitter
     * @return how long to wait before the next attempt
     */
    public Duration delayAfter(int failures, RandomGenerator random) {
        double raw = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, failures - 1));
        double capped = Math.min(maxDelay.toMillis(), raw);
        double jittered = capped * (1.0 - jitter * random.nextDouble());
        return Duration.ofMillis(Math.max(1, Math.round(jittered)));
    }
}
