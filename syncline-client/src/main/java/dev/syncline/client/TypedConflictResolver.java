package dev.syncline.client;

/**
 * A {@link ConflictResolver} that sees the conflict as the entity class: registered with
 * {@link SyncClientBuilder#conflictResolver(EntityType, TypedConflictResolver)}. Called as a
 * {@code ConflictResolver} is (outside any database lock, on a sync thread, perhaps more than once
 * per conflict); answer with {@link Resolution#useEntity} or any other {@link Resolution}. Must be
 * thread-safe and should be quick; throwing parks the conflict for a person.
 *
 * @param <T> the entity class
 */
@FunctionalInterface
public interface TypedConflictResolver<T> {
    /**
     * @param conflict both sides and their base, as {@code T}
     * @return how to settle it
     */
    Resolution resolve(TypedConflict<T> conflict);
}
