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

    /** Stops the upstream call at once (client gone, or done): no draining of what is left. Idempotent. */
    @Override
    void close();
}
