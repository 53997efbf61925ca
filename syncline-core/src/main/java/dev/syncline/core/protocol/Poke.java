package dev.syncline.core.protocol;

/**
 * Data of an SSE {@code poke} event: something committed in {@code scope} up to {@code seq}.
 *
 * @param scope the scope that changed
 * @param seq the feed position of the newest commit
 */
public record Poke(String scope, long seq) {
}
