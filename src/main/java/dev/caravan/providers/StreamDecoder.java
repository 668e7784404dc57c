package dev.caravan.providers;

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

    /** {@code decoder} with {@code then} applied to the events of each wire event (a stateful translation). */
    static StreamDecoder then(StreamDecoder decoder, UnaryOperator<List<StreamEvent>> then) {
        return new StreamDecoder() {
            @Override
            public List<StreamEvent> decode(SseEvent event) {
                return then.apply(decoder.decode(event));
            }

            @Override
            public boolean finished() {
                return decoder.finished();
            }
        };
    }
}
