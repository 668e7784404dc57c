package dev.caravan.streaming;

import dev.caravan.core.StreamEvent;

import java.util.List;

/**
 * An answer streaming in from a provider, already decoded into normalized events. Either the relay pulls them
 * ({@link #next}, on a worker thread, for providers whose clients block: Bedrock's SDK, the mock), or the stream
 * pushes them to the relay from the event loop that owns its connection ({@link #push}, the HTTP providers): either
 * way each event is written to the client as soon as it is here.
 */
public interface UpstreamStream extends AutoCloseable {

    /**
     * The next events (possibly an empty list for a keep-alive), or null when the stream has ended.
     * Blocks until the upstream says something; throws {@link dev.caravan.core.GatewayException} on an upstream
     * failure or when the idle timeout between events passes, or, once the answer has begun, may instead end with
     * events that close with a {@link StreamEvent.Failed} (what a translation held back, then the failure).
     */
    List<StreamEvent> next();

    /**
     * Starts handing this stream's events to {@code sink}, the ones read ahead first, and returns true; {@link #next}
     * and {@link #readAhead} are then not called. False (the default) for a stream the relay pulls. Callable from any
     * thread; the sink is called on the stream's event loop.
     */
    default boolean push(StreamSink sink) {
        return false;
    }

    /**
     * The events already read ahead (to tell a real answer from an early failure), handed over once without
     * blocking; empty when none were. The relay writes them the moment the answer is committed.
     */
    default List<StreamEvent> readAhead() {
        return List.of();
    }

    /**
     * The gateway's estimate of the prompt's tokens ({@link dev.caravan.ledger.PromptEstimate}), for a stream that
     * ended without its provider's count of them (cut at a stop sequence, left by its caller, failed): OpenAI and
     * Bedrock report the prompt only as a stream ends, Anthropic as it begins, and the relay keeps a count that came.
     * Asked only of such a stream; 0, the default, where none is made (the mock, whose usage is exact, not estimated).
     */
    default long estimatedPromptTokens() {
        return 0;
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
