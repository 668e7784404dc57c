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

    static byte[] sse(String json) {
        return ("data: " + json + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
