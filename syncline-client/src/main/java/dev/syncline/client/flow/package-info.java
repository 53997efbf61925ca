/**
 * Optional adapter: {@code java.util.concurrent.Flow} publishers over the client's listener API
 * ({@link dev.syncline.client.flow.SynclineFlow}). The rest of the client needs no {@code Flow};
 * Reactor, RxJava and Kotlin coroutine adapters are shown in the {@code syncline-examples} module.
 */
package dev.syncline.client.flow;
