package dev.syncline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.EntityType;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.Repository;
import io.reactivex.rxjava3.core.Observable;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RxJava 3 over the listener API: an {@code Observable} per watch; disposing it closes the token. */
class RxJavaAdapterTest {
    record Track(String id, String teamId, String title) {
    }

    static final EntityType<Track> TRACKS = EntityType.builder("track", Track.class)
            .scope(Track::teamId).id(Track::id).build();

    /** The adapter, to copy into an app. */
    static <T> Observable<Optional<T>> watch(Repository<T> repository, String scope, String id) {
        return Observable.create(emitter -> {
            ListenerToken token = repository.watch(scope, id, emitter::onNext);
            emitter.setCancellable(token::close);
        });
    }

    @TempDir
    Path dir;

    @Test
    void observable_emitsTheLocalValue_thenTheChangeSyncedFromTheOtherReplica() {
        try (TwoReplicas app = new TwoReplicas(dir, b -> b.register(TRACKS))) {
            Observable<Optional<Track>> intro = watch(app.b.repository(Track.class), TwoReplicas.SCOPE, "t1");
            assertThat(intro.timeout(10, TimeUnit.SECONDS).blockingFirst()).isEmpty();

            var arrived = intro.filter(Optional::isPresent).map(Optional::get).firstOrError()
                    .timeout(10, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture();
            app.a.repository(Track.class).save(new Track("t1", TwoReplicas.SCOPE, "Intro"));
            app.a.sync();
            app.b.sync();
            assertThat(arrived.join().title()).isEqualTo("Intro");
        }
    }
}
