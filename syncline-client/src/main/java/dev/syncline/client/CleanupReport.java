package dev.syncline.client;

/**
 * What one storage cleanup of the local file removed ({@link SyncClient#cleanUp()}, also run on
 * the {@link BackgroundSyncCoordinator}'s timer).
 *
 * @param operationsRemoved completed outbox operations older than the retention
 * @param conflictLogRemoved settled-conflict records beyond the log retention
 * @param discardLogRemoved discarded-operation records beyond the log retention
 * @param pagesFreed database pages handed back to the file system
 */
public record CleanupReport(int operationsRemoved, int conflictLogRemoved, int discardLogRemoved, long pagesFreed) {
}
