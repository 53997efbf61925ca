package dev.syncline.server.internal.service;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A notifier for one server process: calls its listeners on the publishing thread. Thread-safe. */
public final class LocalNotifier implements Notifier {
    private static final Logger log = LoggerFactory.getLogger(LocalNotifier.class);
    private final CopyOnWriteArrayList<BiConsumer<String, Long>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void publish(String scope, long seq) {
        for (BiConsumer<String, Long> l : listeners) {
            try {
                l.accept(scope, seq);
            } catch (RuntimeException e) {
                log.warn("notifier listener failed for scope {}: {}", scope, e.toString());
            }
        }
    }

    @Override
    public AutoCloseable subscribe(BiConsumer<String, Long> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
