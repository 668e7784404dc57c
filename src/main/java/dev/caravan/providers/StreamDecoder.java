package dev.caravan.providers;

import dev.caravan.core.StreamEvent;
import dev.caravan.streaming.SseEvent;

import java.util.List;

/** Turns one provider's stream events, one at a time, into normalized events. Holds the state of one stream. */
public interface StreamDecoder {

    /** The normalized events this wire event means (often one, sometimes none). */
    List<StreamEvent> decode(SseEvent event);

    /** True once the provider has said the stream is over (e.g. OpenAI's {@code [DONE]}). */
    boolean finished();
}
