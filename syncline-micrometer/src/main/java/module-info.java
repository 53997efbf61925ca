/** Optional Micrometer meters of a Syncline client: {@code dev.syncline.micrometer.SyncClientMetrics}. */
module dev.syncline.micrometer {
    requires transitive dev.syncline.client;
    requires transitive micrometer.core;

    exports dev.syncline.micrometer;
}
