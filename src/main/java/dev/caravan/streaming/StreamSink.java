package dev.caravan.streaming;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;

import java.util.List;

/**
 * Where a stream that pushes its events ({@link UpstreamStream#push}) delivers them: the relay, writing each to the
 * caller. Called on the event loop that owns the upstream's connection, never concurrently; after {@link #ended} or
 * {@link #failed}, never again.
 */
public interface StreamSink {

    /**
     * The next events, in order; never a {@link StreamEvent.Failed}: a stream reports its failure with
     * {@link #failed}.
     */
    void events(List<StreamEvent> events);

    /** False while the caller is slow to read: the stream then pauses its upstream until {@link #whenReady}. */
    boolean ready();

    /** Runs {@code action} once the caller has caught up. */
    void whenReady(Runnable action);

    /** The stream is over: the provider finished it, or it was stopped because the caller went away. */
    void ended();

    /** The stream broke off after it began (a dropped connection, an idle timeout, an error event). */
    void failed(GatewayException error);
}
