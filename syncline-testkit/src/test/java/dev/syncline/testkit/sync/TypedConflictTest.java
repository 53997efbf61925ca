package dev.syncline.testkit.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.syncline.client.ConflictResolutionService;
import dev.syncline.client.EntityType;
import dev.syncline.client.Repository;
import dev.syncline.client.Resolution;
import dev.syncline.client.SyncClient;
import dev.syncline.client.SyncClientBuilder;
import dev.syncline.client.TypedConflict;
import dev.syncline.core.ConflictResolutionStrategy;
import dev.syncline.core.ConflictType;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.SyncConflict;
import dev.syncline.core.SyncMetadata;
import dev.syncline.core.SyncStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conflicts as the app's own class: read typed, resolved with a typed value (checked and converted
 * with the client's mapper), by a strategy (the seed's resolveConflict), or by a custom resolver
 * returning an entity. Replica A changes the server first; replica B changed the same note offline.
 */
class TypedConflictTest {
    static final String S = "team-1";

    record Note(String id, String teamId, String title, Instant editedAt) {
    }

    static EntityType<Note> notes(ConflictResolutionStrategy strategy) {
        return EntityType.builder("note", Note.class).scope(Note::teamId).id(Note::id).conflictStrategy(strategy).build();
    }

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path dir;
    Loopback net;
    SyncClient a;
    SyncClient b;

    @BeforeEach
    void start() {
        net = new Loopback(dir);
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        net.close();
    }

    private void open(ConflictResolutionStrategy strategy, Consumer<SyncClientBuilder> extra) {
        a = net.client("a", bld -> bld.token(Loopback.token("alice", S)).register(notes(strategy)));
        b = net.client("b", bld -> {
            bld.token(Loopback.token("bob", S)).register(notes(strategy));
            extra.accept(bld);
        });
    }

    /** Both hold v1; A then writes "from A" to the server; B writes "from B" offline and syncs. */
    private void conflictOnB() throws InterruptedException {
        a.repository(Note.class).save(new Note("n1", S, "v1", T0));
        a.sync();
        b.sync();
        a.repository(Note.class).save(new Note("n1", S, "from A", T0.plusSeconds(1)));
        a.sync();
        Thread.sleep(3); // distinct HLC wall times, so "latest" has one answer
        b.repository(Note.class).save(new Note("n1", S, "from B", T0.plusSeconds(2)));
        b.sync();
    }

    @Test
    void openConflict_readsAsTheEntityClass_nextToItsJson() throws Exception {
        open(ConflictResolutionStrategy.MANUAL, x -> { });
        conflictOnB();
        Repository<Note> repo = b.repository(Note.class);
        List<TypedConflict<Note>> open = repo.conflicts();
        assertThat(open).hasSize(1);
        TypedConflict<Note> c = open.get(0);
        assertThat(c.local()).isEqualTo(new Note("n1", S, "from B", T0.plusSeconds(2)));
        assertThat(c.remote()).isEqualTo(new Note("n1", S, "from A", T0.plusSeconds(1)));
        assertThat(c.base()).isEqualTo(new Note("n1", S, "v1", T0));
        assertThat(c.conflictType()).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
        assertThat(c.requiresUserInput()).isTrue();
        assertThat(c.json().local().get("title").asText()).isEqualTo("from B");
        assertThat(repo.conflict(c.conflictId())).contains(c);
        assertThat(repo.conflict(b.conflicts().openConflicts().get(0))).isEqualTo(c);
    }

    @Test
    void resolveWithATypedValue_writesIt_andItReachesTheOtherReplica() throws Exception {
        open(ConflictResolutionStrategy.MANUAL, x -> { });
        conflictOnB();
        Repository<Note> repo = b.repository(Note.class);
        TypedConflict<Note> c = repo.conflicts().get(0);
        Note both = new Note("n1", S, c.local().title() + " + " + c.remote().title(), T0.plusSeconds(3));
        assertThat(repo.resolve(c, both).value()).isEqualTo(both);
        assertThat(repo.conflicts()).isEmpty();
        b.sync();
        a.sync();
        assertThat(a.repository(Note.class).get(S, "n1")).contains(both);
    }

    @Test
    void aTypedValueForAnotherDocument_isRefused_andTheConflictStaysOpen() throws Exception {
        open(ConflictResolutionStrategy.MANUAL, x -> { });
        conflictOnB();
        Repository<Note> repo = b.repository(Note.class);
        TypedConflict<Note> c = repo.conflicts().get(0);
        assertThatThrownBy(() -> repo.resolve(c, new Note("n2", S, "elsewhere", T0)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is about 'n1'").hasMessageContaining("'n2'");
        assertThatThrownBy(() -> b.conflicts().resolve(c.conflictId(), Resolution.useEntity("not a note")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("must be a");
        assertThatThrownBy(() -> Resolution.useEntity(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> repo.resolve(c, (Note) null)).isInstanceOf(InvalidInputException.class);
        assertThat(repo.conflicts()).containsExactly(c);
        assertThat(repo.document(S, "n1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.CONFLICT);
        assertThat(repo.get(S, "n1").orElseThrow().title()).isEqualTo("from B");
    }

    @Test
    void resolveConflictByStrategy_decidesAsThatPolicyWould() throws Exception {
        open(ConflictResolutionStrategy.MANUAL, x -> { });
        conflictOnB();
        ConflictResolutionService service = b.conflicts();
        SyncConflict c = service.openConflicts().get(0);
        assertThatThrownBy(() -> service.resolveConflict(c, ConflictResolutionStrategy.MANUAL))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("manual leaves it to a person");
        assertThatThrownBy(() -> service.resolveConflict(c, null)).isInstanceOf(InvalidInputException.class);
        service.resolveConflict(c, ConflictResolutionStrategy.USE_LATEST); // B's edit is the later one
        assertThat(b.repository(Note.class).get(S, "n1").orElseThrow().title()).isEqualTo("from B");
        assertThat(service.openConflicts()).isEmpty();
        assertThatThrownBy(() -> service.resolveConflict(c, ConflictResolutionStrategy.USE_REMOTE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no open conflict");
    }

    @Test
    void resolveConflictByStrategy_remote_takesTheServersValue() throws Exception {
        open(ConflictResolutionStrategy.MANUAL, x -> { });
        conflictOnB();
        b.conflicts().resolveConflict(b.conflicts().openConflicts().get(0), ConflictResolutionStrategy.USE_REMOTE);
        assertThat(b.repository(Note.class).get(S, "n1").orElseThrow().title()).isEqualTo("from A");
        assertThat(b.repository(Note.class).document(S, "n1").orElseThrow().sync().syncStatus()).isEqualTo(SyncStatus.SYNCED);
    }

    @Test
    void aCustomResolverReturningAnEntity_settlesTheConflictWithIt() throws Exception {
        open(ConflictResolutionStrategy.MERGE, bld -> bld.conflictResolver("note",
                conflict -> Resolution.useEntity(new Note(conflict.id(), conflict.scope(), "resolved by the app", T0))));
        conflictOnB();
        assertThat(b.conflicts().openConflicts()).isEmpty();
        assertThat(b.repository(Note.class).get(S, "n1").orElseThrow().title()).isEqualTo("resolved by the app");
        b.sync();
        a.sync();
        assertThat(a.repository(Note.class).get(S, "n1").orElseThrow().title()).isEqualTo("resolved by the app");
    }

    @Test
    void aTypedResolver_seesBothSidesAsTheEntityClass_andAnswersWithOne() throws Exception {
        EntityType<Note> registered = notes(ConflictResolutionStrategy.MERGE);
        a = net.client("a", bld -> bld.token(Loopback.token("alice", S)).register(registered));
        b = net.client("b", bld -> bld.token(Loopback.token("bob", S)).register(registered)
                .conflictResolver(registered, (TypedConflict<Note> c) -> Resolution.useEntity(new Note(c.id(), c.scope(),
                        c.remote().title() + " & " + c.local().title(), c.local().editedAt()))));
        conflictOnB();
        assertThat(b.conflicts().openConflicts()).isEmpty();
        assertThat(b.repository(Note.class).get(S, "n1").orElseThrow())
                .isEqualTo(new Note("n1", S, "from A & from B", T0.plusSeconds(2)));
    }

    @Test
    void aTypedResolverOfAnUnregisteredType_isRefusedAtBuild() {
        assertThatThrownBy(() -> net.client("c", bld -> bld.token(Loopback.token("carol", S))
                .conflictResolver(notes(ConflictResolutionStrategy.MERGE), c -> Resolution.useRemote())))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("register the entity type 'note'");
        assertThatThrownBy(() -> SyncClient.builder().conflictResolver((EntityType<Note>) null, c -> Resolution.useRemote()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("entity type is null");
    }

    @Test
    void aCustomResolverReturningAnotherDocument_parksTheConflict() throws Exception {
        open(ConflictResolutionStrategy.MERGE, bld -> bld.conflictResolver("note",
                conflict -> Resolution.useEntity(new Note("other", conflict.scope(), "wrong", T0))));
        conflictOnB();
        assertThat(b.repository(Note.class).conflicts()).hasSize(1);
        assertThat(b.repository(Note.class).get(S, "n1").orElseThrow().title()).isEqualTo("from B");
    }

    @Test
    void detectConflict_classifiesFromVersions_withoutTouchingTheStore() {
        open(ConflictResolutionStrategy.MANUAL, x -> { });
        ConflictResolutionService service = b.conflicts();
        var local = Loopback.json("{\"title\":\"mine\"}");
        var remote = Loopback.json("{\"title\":\"theirs\"}");
        SyncMetadata pendingOnV1 = new SyncMetadata(1, "l-hlc", null, true, SyncStatus.PENDING, 0, null);
        SyncMetadata syncedV1 = new SyncMetadata(1, "l-hlc", null, false, SyncStatus.SYNCED, 0, null);
        SyncMetadata serverV2 = new SyncMetadata(2, "r-hlc", null, false, SyncStatus.SYNCED, 0, null);
        SyncMetadata serverV1 = new SyncMetadata(1, "r-hlc", null, false, SyncStatus.SYNCED, 0, null);

        Optional<SyncConflict> both = service.detectConflict(S, "note", "n1", local, remote, pendingOnV1, serverV2);
        assertThat(both).isPresent();
        assertThat(both.get().conflictType()).isEqualTo(ConflictType.CONCURRENT_MODIFICATION);
        assertThat(both.get().requiresUserInput()).isTrue();
        assertThat(both.get().conflictId()).isNull();
        assertThat(b.repository(Note.class).conflict(both.get()).local().title()).isEqualTo("mine");
        assertThat(service.detectConflict(S, "note", "n1", null, remote, pendingOnV1, serverV2).orElseThrow().conflictType())
                .isEqualTo(ConflictType.DELETED_LOCALLY);
        assertThat(service.detectConflict(S, "note", "n1", local, null, pendingOnV1, serverV2).orElseThrow().conflictType())
                .isEqualTo(ConflictType.DELETED_REMOTELY);
        assertThat(service.detectConflict(S, "note", "n1", local, remote, pendingOnV1, serverV1)).isEmpty(); // only local moved
        assertThat(service.detectConflict(S, "note", "n1", local, remote, syncedV1, serverV2)).isEmpty(); // only remote moved
        assertThat(ConflictType.LOCAL_NEWER.requiresUserInput()).isFalse();
        assertThat(ConflictType.REMOTE_NEWER.requiresUserInput()).isFalse();
        assertThatThrownBy(() -> service.detectConflict(S, "note", "n1", local, remote, null, serverV2))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("local metadata is null");
        assertThatThrownBy(() -> service.detectConflict("BAD", "note", "n1", local, remote, pendingOnV1, serverV2))
                .isInstanceOf(InvalidInputException.class);
        assertThat(service.openConflicts()).isEmpty();
    }
}
