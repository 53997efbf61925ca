package dev.syncline.client;

import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Names;
import dev.syncline.core.SyncPriority;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * How an app's entity class is stored and synced: its type name, Java class (a record or POJO
 * mapped with the client's Jackson mapper, see {@link SyncClientBuilder#objectMapper}), how to find an entity's scope and id, its push priority, its conflict
 * strategy and the fields it is queried by. Immutable and thread-safe once built.
 *
 * <pre>{@code
 * EntityType<AudioTrack> tracks = EntityType.builder("audio_track", AudioTrack.class)
 *         .scope(AudioTrack::teamId).id(AudioTrack::id)
 *         .priority(SyncPriority.HIGH).conflictStrategy(ConflictResolutionStrategy.MERGE)
 *         .index("projectId").build();
 * }</pre>
 *
 * @param <T> the entity class
 */
public final class EntityType<T> {
    private final String name;
    private final Class<T> javaClass;
    private final Function<? super T, String> scope;
    private final Function<? super T, String> id;
    private final SyncPriority priority;
    private final ConflictResolutionStrategy conflictStrategy;
    private final Set<String> indexes;

    private EntityType(Builder<T> b) {
        this.name = b.name;
        this.javaClass = b.javaClass;
        this.scope = b.scope;
        this.id = b.id;
        this.priority = b.priority == null ? SyncPriority.MEDIUM : b.priority;
        this.conflictStrategy = b.conflictStrategy == null ? ConflictResolutionStrategy.MERGE : b.conflictStrategy;
        this.indexes = Set.copyOf(b.indexes);
    }

    /**
     * Starts describing an entity type.
     *
     * @param name the type name (protocol rule {@code [a-z0-9][a-z0-9_.-]{0,63}})
     * @param javaClass the entity class; must serialise to a JSON object with Jackson
     * @throws InvalidInputException when the name breaks the rule or the class is missing
     */
    public static <T> Builder<T> builder(String name, Class<T> javaClass) {
        Names.requireType(name);
        if (javaClass == null) {
            throw new InvalidInputException("invalid_type", "entity type '" + name + "': Java class is missing");
        }
        if (javaClass.isPrimitive() || javaClass.isArray() || CharSequence.class.isAssignableFrom(javaClass)
                || Number.class.isAssignableFrom(javaClass) || Boolean.class == javaClass || javaClass.isEnum()) {
            throw new InvalidInputException("invalid_type", "entity type '" + name + "': " + javaClass.getName()
                    + " does not map to a JSON object; use a record or a POJO");
        }
        return new Builder<>(name, javaClass);
    }

    /** @return the type name */
    public String name() {
        return name;
    }

    /** @return the entity class */
    public Class<T> javaClass() {
        return javaClass;
    }

    /** @return the push priority of this type's changes */
    public SyncPriority priority() {
        return priority;
    }

    /** @return the conflict strategy (used by the sync engine) */
    public ConflictResolutionStrategy conflictStrategy() {
        return conflictStrategy;
    }

    /** @return the declared index fields */
    public Set<String> indexes() {
        return indexes;
    }

    /**
     * @return the scope of {@code entity}
     * @throws InvalidInputException when the scope function returns null or a bad name
     */
    String scopeOf(T entity) {
        String s = call("scope", scope, entity);
        if (s == null) {
            throw new InvalidInputException("invalid_name", name + ": scope of the entity is missing (the scope function returned null)");
        }
        return requireName(() -> Names.requireScope(s));
    }

    /**
     * @return the id of {@code entity}
     * @throws InvalidInputException when the id function returns null or a bad id
     */
    String idOf(T entity) {
        String s = call("id", id, entity);
        if (s == null) {
            throw new InvalidInputException("invalid_name", name + ": id of the entity is missing (the id function returned null)");
        }
        return requireName(() -> Names.requireId(s));
    }

    private String call(String what, Function<? super T, String> f, T entity) {
        try {
            return f.apply(entity);
        } catch (RuntimeException e) {
            throw new InvalidInputException("invalid_data", name + ": the " + what + " function failed on "
                    + entity.getClass().getSimpleName() + ": " + e);
        }
    }

    String requireName(java.util.function.Supplier<String> check) {
        try {
            return check.get();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(e.code(), name + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "EntityType[" + name + ", " + javaClass.getSimpleName() + ", " + priority.wire() + ", "
                + conflictStrategy.wire() + ", indexes=" + indexes + "]";
    }

    /**
     * Builds an {@link EntityType}. Each setting may be given once; {@code scope} and {@code id}
     * are required. Not thread-safe.
     *
     * @param <T> the entity class
     */
    public static final class Builder<T> {
        private final String name;
        private final Class<T> javaClass;
        private Function<? super T, String> scope;
        private Function<? super T, String> id;
        private SyncPriority priority;
        private ConflictResolutionStrategy conflictStrategy;
        private final Set<String> indexes = new LinkedHashSet<>();

        private Builder(String name, Class<T> javaClass) {
            this.name = name;
            this.javaClass = javaClass;
        }

        /**
         * @param scope finds an entity's scope
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder<T> scope(Function<? super T, String> scope) {
            this.scope = once("scope", this.scope, scope);
            return this;
        }

        /**
         * @param id finds an entity's id
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder<T> id(Function<? super T, String> id) {
            this.id = once("id", this.id, id);
            return this;
        }

        /**
         * @param priority push priority (default medium)
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder<T> priority(SyncPriority priority) {
            this.priority = once("priority", this.priority, priority);
            return this;
        }

        /**
         * @param strategy conflict strategy (default merge)
         * @return this builder
         * @throws InvalidInputException when null or set twice
         */
        public Builder<T> conflictStrategy(ConflictResolutionStrategy strategy) {
            this.conflictStrategy = once("conflictStrategy", this.conflictStrategy, strategy);
            return this;
        }

        /**
         * Declares a top-level field that queries filter and sort on ({@link Query}); the store keeps
         * a partial expression index on it over this type's live documents, created when the client
         * is built. Only declared fields may appear in a query (besides {@code id} as a sort key),
         * so every query is answered from an index; each index costs every save of the type one
         * more b-tree write, so declare the fields the app queries by, not every field.
         *
         * @param field a field name ({@code [A-Za-z_][A-Za-z0-9_]{0,63}})
         * @return this builder
         * @throws InvalidInputException when the name is bad or declared twice
         */
        public Builder<T> index(String field) {
            Query.checkField(field, "index field of '" + name + "'");
            if (!indexes.add(field)) {
                throw new InvalidInputException("invalid_setting", "entity type '" + name + "': index '" + field + "' declared twice");
            }
            return this;
        }

        /**
         * @return the entity type
         * @throws InvalidInputException when scope or id is missing
         */
        public EntityType<T> build() {
            if (scope == null) {
                throw new InvalidInputException("invalid_setting", "entity type '" + name + "': scope function is missing");
            }
            if (id == null) {
                throw new InvalidInputException("invalid_setting", "entity type '" + name + "': id function is missing");
            }
            return new EntityType<>(this);
        }

        private <V> V once(String setting, V current, V value) {
            if (value == null) {
                throw new InvalidInputException("invalid_setting", "entity type '" + name + "': " + setting + " is null");
            }
            if (current != null) {
                throw new InvalidInputException("invalid_setting", "entity type '" + name + "': " + setting + " is set twice");
            }
            return Objects.requireNonNull(value);
        }
    }
}
