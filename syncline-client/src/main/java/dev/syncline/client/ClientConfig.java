package dev.syncline.client;

import dev.syncline.client.spi.storage.StorageDriver;
import dev.syncline.client.spi.transport.SyncTransportFactory;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.merge.ThreeWayMerge;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The settings of one client, checked and frozen by {@link SyncClientBuilder#build()}: what
 * {@link ClientAssembly} builds the parts from. Maps are unmodifiable copies in the order given.
 * Null means "not given" for the optional parts (server URL, token, executor, scheduler). The
 * object mapper is the builder's own copy of the app's, or the default one.
 */
record ClientConfig(
        Path database,
        boolean fullDurability,
        StorageDriver storageDriver,
        URI serverUrl,
        Supplier<String> tokenProvider,
        String token,
        Clock clock,
        LongSupplier nanoTime,
        DoubleSupplier random,
        Executor executor,
        ScheduledExecutorService scheduler,
        ThreadFactory streamThreadFactory,
        RetryPolicy retryPolicy,
        long maxPending,
        Duration maxPendingAge,
        Map<String, EntityType<?>> types,
        Map<String, ConflictResolutionStrategy> policies,
        Map<String, ThreeWayMerge> merges,
        Map<String, ConflictResolver> resolvers,
        SyncTransportFactory transportFactory,
        Duration connectTimeout,
        Duration requestTimeout,
        int pushBatchSize,
        int pullPageSize,
        boolean backgroundSync,
        BackgroundSyncCoordinator.Settings coordinatorSettings,
        NetworkStateManager.ConnectionTypeProvider connectionTypeProvider,
        Duration probeBackoffMax,
        Duration maxClockDrift,
        Duration doneRetention,
        int logMaxRows,
        Duration logMaxAge,
        com.fasterxml.jackson.databind.ObjectMapper objectMapper) {
}
