package dev.caravan.streaming;

import dev.caravan.core.StreamEvent;

import java.util.List;

/**
 * An answer streaming in from a provider, already decoded into normalized events. Pull-based so the relay can
 * write each event to the client as soon as it is here.
 */
public interface UpstreamStream extends AutoCloseable {

    /**
     * The next events (possibly an empty list for a keep-alive), or null when the stream has ended.
     * Blocks until the upstream says something; throws {@link dev.caravan.core.GatewayException} on an upstream
     * failure or when the idle timeout between events passes.
     */
    List<StreamEvent> next();

    /**
     * The events already read ahead (to tell a real answer from an early failure), handed over once without
     * blocking; empty when none were. The relay writes them the moment the answer is committed.
     */
    default List<StreamEvent> readAhead() {
        return List.of();
    }

    /**
     * Ends the upstream call: an answer the provider finished leaves its connection for reuse; anything else is
     * stopped at once, with no draining of what is left. Idempotent.
     */
    @Override
    void close();

    /**
     * Stops the upstream call at once from any thread, without releasing anything that may block: the client went
     * away and this runs on Vert.x's event loop. The relaying thread's pending {@link #next} then returns and the
     * relay calls {@link #close}. Idempotent.
     */
    default void abort() {
        close();
    }
}
