/**
 * Syncline's shared model: names, sync metadata, conflicts and strategies ({@code dev.syncline.core}),
 * field-level three-way merge ({@code dev.syncline.core.merge}) and the protocol v1 records and
 * JSON codec ({@code dev.syncline.core.protocol}). All three packages are API.
 */
module dev.syncline.core {
    requires transitive com.fasterxml.jackson.databind;

    exports dev.syncline.core;
    exports dev.syncline.core.merge;
    exports dev.syncline.core.protocol;

    // Jackson binds the protocol records (push, pull, stream pokes) by reflection.
    opens dev.syncline.core.protocol to com.fasterxml.jackson.databind;
}
