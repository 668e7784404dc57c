package dev.caravan.streaming;

import dev.caravan.core.Usage;

import java.util.concurrent.CompletableFuture;

/** What the relay has done for one stream since it opened the caller's response (see {@link StreamRelay#open}). */
public final class RelayProgress {

    final StreamRenderer renderer;
    Usage usage;
    /** A failure among the events read ahead, thrown when the relay step runs (never inside the provider's call). */
    RuntimeException failure;
    /** Whether the stream pushes its events (see {@link UpstreamStream#push}). */
    boolean pushed;
    /** Whether the gateway cut the answer itself ({@link dev.caravan.core.StreamEvent.Cut}): the stream ends there. */
    boolean cut;
    /** Whether the caller's answer has been ended: it is ended once, by whichever end comes first. */
    boolean ended;
    /** Completes once the caller's answer has ended and what it used is settled. */
    final CompletableFuture<Void> done = new CompletableFuture<>();

    RelayProgress(StreamRenderer renderer) {
        this.renderer = renderer;
    }
}
