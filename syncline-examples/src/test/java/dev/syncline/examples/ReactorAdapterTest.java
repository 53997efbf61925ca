package dev.syncline.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.syncline.client.EntityType;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.Query;
import dev.syncline.client.Repository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Project Reactor over the listener API: a {@code Flux} per watch, whose cancel closes the token.
 * Copy {@link ReactorSyncline} into an app as it is.
 */
class ReactorAdapterTest {
    record Track(String id, String teamId, String title) {
    }

    static final EntityType<Track> TRACKS = EntityType.builder("track", Track.class)
            .scope(Track::teamId).id(Track::id).build();

    /** The adapter: each subscription registers one listener; cancel or dispose closes it. */
    static final class ReactorSyncline {
        private ReactorSyncline() {
        }

        /** One entity: every change, buffered while the subscriber has no demand. */
        static <T> Flux<Optional<T>> watch(Repository<T> repository, String scope, String id) {
            return from(listener -> repository.watch(scope, id, listener), FluxSink.OverflowStrategy.BUFFER);
        }

        /** A query: only the newest result matters, so keep the latest while there is no demand. */
        static <T> Flux<List<T>> watchQuery(Repository<T> repository, Query query) {
            return from(listener -> repository.watchQuery(query, listener), FluxSink.OverflowStrategy.LATEST);
        }

        /** Any listener registration of the client (outbox, conflicts, status) as a Flux. */
        static <T> Flux<T> from(Function<Consumer<T>, ListenerToken> register, FluxSink.OverflowStrategy overflow) {
            return Flux.create(sink -> {
                ListenerToken token = register.apply(sink::next);
                sink.onDispose(token::close);
            }, overflow);
        }
    }

    @TempDir
    Path dir;

    @Test
    void flux_emitsTheLocalValueAtOnce_thenTheChangeSyncedFromTheOtherReplica() {
        try (TwoReplicas app = new TwoReplicas(dir, b -> b.register(TRACKS))) {
            Repository<Track> mine = app.b.repository(Track.class);
            Flux<Optional<Track>> intro = ReactorSyncline.watch(mine, TwoReplicas.SCOPE, "t1");
            assertThat(intro.blockFirst(Duration.ofSeconds(10))).isEmpty();

            var arrived = intro.filter(Optional::isPresent).map(Optional::get).next().toFuture();
            app.a.repository(Track.class).save(new Track("t1", TwoReplicas.SCOPE, "Intro"));
            app.a.sync();
            app.b.sync();
            assertThat(arrived.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join().title()).isEqualTo("Intro");
        }
    }

    @Test
    void cancellingTheFlux_closesTheListener() {
        try (TwoReplicas app = new TwoReplicas(dir, b -> b.register(TRACKS))) {
            Repository<Track> mine = app.b.repository(Track.class);
            AtomicInteger closed = new AtomicInteger();
            Flux<List<Track>> all = ReactorSyncline.from(listener -> {
                ListenerToken token = mine.watchAll(listener);
                return () -> {
                    closed.incrementAndGet();
                    token.close();
                };
            }, FluxSink.OverflowStrategy.LATEST);
            assertThat(all.take(1).collectList().block(Duration.ofSeconds(10))).containsExactly(List.of());
            assertThat(closed).hasValue(1); // take(1) cancelled the subscription, which closed the token
        }
    }
}
