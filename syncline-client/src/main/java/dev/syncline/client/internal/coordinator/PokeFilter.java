package dev.syncline.client.internal.coordinator;

import dev.syncline.core.protocol.Poke;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which pokes of the live stream need a pull. A poke says a scope's feed reached a seq; when this
 * replica has pulled that far already (the poke of its own push, once the push-then-pull run
 * brought it back), there is nothing to pull. Otherwise the poke is remembered until a run takes
 * it and checks again when it starts.
 *
 * <p>Thread-safe.
 */
public final class PokeFilter {
    private static final Logger log = LoggerFactory.getLogger(PokeFilter.class);

    private final ToLongFunction<String> pulledSeq;
    private final Map<String, Long> waiting = new HashMap<>(); // guarded by this: newest poked seq per scope

    /** @param pulledSeq the highest seq this replica has pulled of a scope */
    public PokeFilter(ToLongFunction<String> pulledSeq) {
        this.pulledSeq = pulledSeq;
    }

    /**
     * @param poke as the stream brought it (may be null or lack a scope)
     * @return true when a run should be triggered for it
     */
    public boolean offer(Poke poke) {
        if (poke != null && poke.scope() != null && pulledSeq.applyAsLong(poke.scope()) >= poke.seq()) {
            log.debug("poke {}@{} ignored: already pulled", poke.scope(), poke.seq());
            return false;
        }
        if (poke != null && poke.scope() != null) {
            synchronized (this) {
                waiting.merge(poke.scope(), poke.seq(), Math::max);
            }
        }
        return true;
    }

    /**
     * Takes the pokes that wait and says whether a pull is needed for them: not when every one is
     * for a seq this replica has pulled since. Without a remembered poke (the app triggered the
     * poke key itself) it says pull.
     */
    public boolean takeNeedsPull() {
        Map<String, Long> taken;
        synchronized (this) {
            taken = new HashMap<>(waiting);
            waiting.clear();
        }
        if (taken.isEmpty()) {
            return true;
        }
        for (Map.Entry<String, Long> e : taken.entrySet()) {
            if (pulledSeq.applyAsLong(e.getKey()) < e.getValue()) {
                return true;
            }
        }
        log.debug("pokes {} need no pull: already pulled", taken);
        return false;
    }
}
