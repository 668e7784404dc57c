package dev.caravan.streaming;

import dev.caravan.core.Usage;

/** What the relay has done for one stream since it opened the caller's response (see {@link StreamRelay#open}). */
public final class RelayProgress {

    final StreamRenderer renderer;
    Usage usage;
    /** A failure among the events read ahead, thrown when the relay step runs (never inside the provider's call). */
    RuntimeException failure;

    RelayProgress(StreamRenderer renderer) {
        this.renderer = renderer;
    }
}
