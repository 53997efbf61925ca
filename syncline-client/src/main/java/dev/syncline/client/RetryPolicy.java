package dev.syncline.client;

import dev.syncline.core.InvalidInputException;
import java.time.Duration;
import java.util.function.DoubleSupplier;

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
     * @param failures how many times the operation has failed so far (at least 1; less counts as 1)
     * @param random source of jitter: uniform doubles from 0 (inclusive) to 1 (exclusive), such
     *     as {@code new java.util.Random()::nextDouble}
     * @return how long to wait before the next attempt
     * @throws InvalidInputException when {@code random} is null
     */
    public Duration delayAfter(int failures, DoubleSupplier random) {
        if (random == null) {
            throw new InvalidInputException("invalid_input", "retry jitter source is null");
        }
        double raw = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, failures - 1));
        double capped = Math.min(maxDelay.toMillis(), raw);
        double jittered = capped * (1.0 - jitter * Math.min(1.0, Math.max(0.0, random.getAsDouble())));
        return Duration.ofMillis(Math.max(1, Math.round(jittered)));
    }
}
