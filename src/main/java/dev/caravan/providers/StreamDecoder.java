package dev.caravan.providers;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.streaming.SseEvent;

import java.util.List;
import java.util.function.UnaryOperator;

/** Turns one provider's stream events, one at a time, into normalized events. Holds the state of one stream. */
public interface StreamDecoder {

    /** The normalized events this wire event means (often one, sometimes none). */
    List<StreamEvent> decode(SseEvent event);

    /** True once the provider has said the stream is over (e.g. OpenAI's {@code [DONE]}). */
    boolean finished();

    /**
     * The events that end a stream which broke off after it began ({@code error}: a dropped connection, an idle
     * timeout, an unreadable event): what a translation of the request's had held back, then the failure. Not called
     * for a stream that failed before its answer began: that attempt is dropped whole, and may fall back.
     */
    default List<StreamEvent> failed(GatewayException error) {
        return List.of(new StreamEvent.Failed(error));
    }

    /** {@code decoder} with {@code then} applied to the events of each wire event (a stateful translation). */
    static StreamDecoder then(StreamDecoder decoder, UnaryOperator<List<StreamEvent>> then) {
        return new StreamDecoder() {
            @Override
            public List<StreamEvent> decode(SseEvent event) {
                return then.apply(decoder.decode(event));
            }

            @Override
            public List<StreamEvent> failed(GatewayException error) {
                return then.apply(decoder.failed(error));
            }

            @Override
            public boolean finished() {
                return decoder.finished();
            }
        };
    }
}
