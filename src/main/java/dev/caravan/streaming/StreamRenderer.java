package dev.caravan.streaming;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;

import java.math.BigDecimal;

/** Writes normalized stream events in one API's SSE shape. Returns null where an event shows nothing. */
public interface StreamRenderer {

    byte[] event(StreamEvent event);

    /** The closing events of a stream that ended well; {@code cost} may be null when the model has no price. */
    byte[] end(Usage usage, BigDecimal cost);

    /** The event that ends a stream that failed after its first byte. */
    byte[] error(GatewayException error);

    /** One SSE event carrying {@code json} (UTF-8 bytes), framed without decoding it to a String. */
    static byte[] sse(byte[] json) {
        byte[] event = new byte[json.length + 8];
        System.arraycopy(DATA_PREFIX, 0, event, 0, DATA_PREFIX.length);
        System.arraycopy(json, 0, event, DATA_PREFIX.length, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        return event;
    }

    byte[] DATA_PREFIX = {'d', 'a', 't', 'a', ':', ' '};
}
