/**
 * Optional Micrometer meters of a Syncline client: {@code dev.syncline.micrometer.SyncClientMetrics}.
 * Micrometer's own types ({@code MeterBinder}, {@code MeterRegistry}) are in its API, hence
 * {@code requires transitive}; micrometer-core is an automatic module with a stable name from its
 * manifest ({@code Automatic-Module-Name: micrometer.core}), so the warning for that is silenced.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.syncline.micrometer {
    requires transitive dev.syncline.client;
    requires transitive micrometer.core;

    exports dev.syncline.micrometer;
}
