package dev.syncline.client.flow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.syncline.client.ConflictResolutionService;
import dev.syncline.client.Document;
import dev.syncline.client.Documents;
import dev.syncline.client.ListenerToken;
import dev.syncline.client.PendingOperation;
import dev.syncline.client.NetworkStateManager;
import dev.syncline.client.PendingOperationsManager;
import dev.syncline.client.Query;
import dev.syncline.client.Repository;
import dev.syncline.core.InvalidInputException;
import dev.syncline.core.Names;
import dev.syncline.core.SyncConflict;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@link Flow.Publisher}s over the client's listener API, for code that wants
 * {@code java.util.concurrent.Flow} (the JDK's Reactive Streams). An optional adapter: the client's
 * own API needs no {@code Flow}.
 *
 * <p>Every publisher is cold: each subscription registers one listener (so a repository watch asks
 * for a background sync, as the listener does) and {@code cancel()} closes it. Signals follow the
 * Flow rules: {@code onSubscribe} first; never overlapping; only as many {@code onNext} as
 * requested; {@code request(n <= 0)} ends with {@code onError(IllegalArgumentException)} (rule
 * 3.9); closing the client ends with {@code onComplete}; a value that cannot be read ends with
 * {@code onError}. A document watch keeps every change while the subscriber has no demand (an
 * unbounded buffer, so request promptly); a query watch keeps only the newest result.
 * {@code onNext} runs on the client's executor, or on the thread that calls {@code request}.
 *
 * <p>Thread-safe.
 */
public final class SynclineFlow {
    private SynclineFlow() {
    }

    /**
     * @return the publisher of {@link Repository#watch}
     * @throws InvalidInputException when the repository is null or a name is bad (other problems
     *     reach the subscriber as {@code onError})
     */
    public static <T> Flow.Publisher<Optional<T>> watch(Repository<T> repository, String scope, String id) {
        require(repository, "repository");
        Names.requireScope(scope);
        Names.requireId(id);
        return new ListenerPublisher<>(l -> repository.watch(scope, id, l), true);
    }

    /**
     * @return the publisher of {@link Repository#watchAll}
     * @throws InvalidInputException when the repository is null
     */
    public static <T> Flow.Publisher<List<T>> watchAll(Repository<T> repository) {
        require(repository, "repository");
        return new ListenerPublisher<>(repository::watchAll, false);
    }

    /**
     * @return the publisher of {@link Repository#watchQuery}
     * @throws InvalidInputException when the repository or the query is null (an undeclared
     *     field reaches the subscriber as {@code onError})
     */
    public static <T> Flow.Publisher<List<T>> watchQuery(Repository<T> repository, Query query) {
        require(repository, "repository");
        require(query, "query");
        return new ListenerPublisher<>(l -> repository.watchQuery(query, l), false);
    }

    /**
     * @return the publisher of {@link Documents#watch}
     * @throws InvalidInputException when {@code documents} is null or a name is bad
     */
    public static Flow.Publisher<Optional<Document<ObjectNode>>> watch(Documents documents, String scope, String type,
            String id) {
        require(documents, "documents");
        Names.requireScope(scope);
        Names.requireType(type);
        Names.requireId(id);
        return new ListenerPublisher<>(l -> documents.watch(scope, type, id, l), true);
    }

    /**
     * @return the publisher of {@link ConflictResolutionService#watchOpenConflicts}
     * @throws InvalidInputException when {@code conflicts} is null
     */
    public static Flow.Publisher<List<SyncConflict>> watchOpenConflicts(ConflictResolutionService conflicts) {
        require(conflicts, "conflicts");
        return new ListenerPublisher<>(conflicts::watchOpenConflicts, false);
    }

    /**
     * @return the publisher of {@link PendingOperationsManager#watchPendingOperations}
     * @throws InvalidInputException when {@code outbox} is null
     */
    public static Flow.Publisher<List<PendingOperation>> watchPendingOperations(PendingOperationsManager outbox) {
        require(outbox, "outbox");
        return new ListenerPublisher<>(outbox::watchPendingOperations, false);
    }

    /**
     * @return a publisher of the network's {@link NetworkStateManager#isConnected()} each time it
     *     changes (every change is kept while there is no demand)
     * @throws InvalidInputException when {@code network} is null
     */
    public static Flow.Publisher<Boolean> onConnectivityChanged(NetworkStateManager network) {
        require(network, "network");
        return new ListenerPublisher<>(network::addListener, true);
    }

    /**
     * A publisher over any listener registration of this API (or the app's own), such as
     * {@code l -> repository.watch("team-1", "t1", l)}.
     *
     * @param register registers a listener and returns its token; called once per subscription
     * @param everyValue true to keep every value while there is no demand (changes of one
     *     document), false to keep only the newest (snapshots such as query results)
     * @throws InvalidInputException when {@code register} is null
     */
    public static <T> Flow.Publisher<T> publisher(Function<Consumer<T>, ListenerToken> register, boolean everyValue) {
        require(register, "register");
        return new ListenerPublisher<>(register, everyValue);
    }

    private static void require(Object value, String what) {
        if (value == null) {
            throw new InvalidInputException("invalid_argument", what + " is null");
        }
    }
}
